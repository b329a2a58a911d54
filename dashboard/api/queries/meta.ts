import type { MetaLoading, MetaResponse } from '../../../schemas/meta'
import { selectRows, type Warehouse } from '../../../warehouse/client'
import { scopeRawSql, type Scope } from '../datasets'
import { isoFromClickHouse } from './range'

/**
 * Version, listeners, whether any data has arrived yet (activity rollup: small, all time), and a
 * history loading in this process if any. A manager's figures count only their teams, like every other
 * answer they get.
 */
export async function queryMeta(
  client: Warehouse,
  version: string,
  otlp: MetaResponse['otlp'],
  scope: Scope = null,
  loading: MetaLoading | null = null,
): Promise<MetaResponse> {
  const params: Record<string, unknown> = {}
  const inScope = scopeRawSql(scope, params)
  const [row] = await selectRows<{ events: string; first: string; last: string }>(
    client,
    `SELECT sum(events) + sum(metric_points) AS events, toString(min(bucket)) AS first, toString(max(bucket)) AS last FROM activity_15m WHERE ${inScope}`,
    params,
  )
  const events = Number(row?.events ?? 0)
  return {
    version,
    otlp: { ...otlp },
    data: { events, first: events > 0 && row ? isoFromClickHouse(row.first) : null, last: events > 0 && row ? isoFromClickHouse(row.last) : null },
    loading,
  }
}
