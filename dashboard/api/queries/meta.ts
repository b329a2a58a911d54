import { z } from 'zod'
import type { MetaLoading, MetaResponse } from '../../../schemas/meta'
import type { Reader } from '../../../warehouse/pool'
import { ch, run } from '../../../warehouse/query'
import { scopeRawSql, type Scope } from '../datasets'

/**
 * Version, listeners, whether any data has arrived yet (the daily activity rollup: small, all time,
 * first and last record times to the second), and a history loading in this process if any. A
 * manager's figures count only their teams, like every other answer they get.
 */
export async function queryMeta(
  client: Reader,
  version: string,
  otlp: MetaResponse['otlp'],
  scope: Scope = null,
  loading: MetaLoading | null = null,
): Promise<MetaResponse> {
  const params: Record<string, unknown> = {}
  const inScope = scopeRawSql(scope, params)
  const [row] = await run(client, {
    sql: `SELECT sum(events) + sum(metric_points) AS records, toString(min(first_seen)) AS first, toString(max(last_seen)) AS last
          FROM user_activity_1d WHERE events + metric_points > 0 AND ${inScope}`,
    params,
    row: z.object({ records: ch.count, first: ch.dateTime, last: ch.dateTime }),
  })
  const events = row?.records ?? 0
  return {
    version,
    otlp: { ...otlp },
    data: { events, first: events > 0 && row ? row.first : null, last: events > 0 && row ? row.last : null },
    loading,
  }
}
