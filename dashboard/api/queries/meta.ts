import type { MetaResponse } from '../../../schemas/meta'
import { selectRows, type Warehouse } from '../../../warehouse/client'
import { isoFromClickHouse } from './range'

/** Version, listeners, and whether any data has arrived yet (activity rollup: small, all time). */
export async function queryMeta(client: Warehouse, version: string, otlp: MetaResponse['otlp']): Promise<MetaResponse> {
  const [row] = await selectRows<{ events: string; first: string; last: string }>(
    client,
    `SELECT sum(events) + sum(metric_points) AS events, toString(min(bucket)) AS first, toString(max(bucket)) AS last FROM activity_15m`,
  )
  const events = Number(row?.events ?? 0)
  return {
    version,
    otlp: { ...otlp },
    data: { events, first: events > 0 && row ? isoFromClickHouse(row.first) : null, last: events > 0 && row ? isoFromClickHouse(row.last) : null },
  }
}
