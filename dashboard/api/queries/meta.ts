import { z } from 'zod'
import type { MetaLoading, MetaResponse } from '../../../schemas/meta'
import type { Reader } from '../../../warehouse/pool'
import { ch, run } from '../../../warehouse/query'
import { previousCovered } from '../../../schemas/data-start'
import { scopeRawSql, type Scope } from '../datasets'

/** Records and the first and last record's times in the caller's scope (the daily activity rollup: small, all time, to the second). */
async function dataSpan(client: Reader, scope: Scope) {
  const params: Record<string, unknown> = {}
  const inScope = scopeRawSql(scope, params)
  const [row] = await run(client, {
    sql: `SELECT sum(events) + sum(metric_points) AS records, toString(min(first_seen)) AS first, toString(max(last_seen)) AS last
          FROM user_activity_1d WHERE events + metric_points > 0 AND ${inScope}`,
    params,
    row: z.object({ records: ch.count, first: ch.dateTime, last: ch.dateTime }),
  })
  const records = row?.records ?? 0
  return { records, first: records > 0 && row ? row.first : null, last: records > 0 && row ? row.last : null }
}

/**
 * ccscope's first record in the caller's scope (null before any data): what a comparison needs to know whether
 * the data covers the span it compares with (schemas/data-start.ts, previousCovered). The same figure as /meta's
 * `data.first`, so the API's answers and the pages' tiles draw the line at the same instant.
 */
async function firstRecord(client: Reader, scope: Scope): Promise<string | null> {
  return (await dataSpan(client, scope)).first
}

/**
 * What an answer with compare=previous says of the span it compares with: whether ccscope's data reaches back to its
 * start (previousCovered) and the data start it was judged by. No previous span (the range has not begun): covered.
 */
export async function comparedWith(client: Reader, scope: Scope, previousFrom: Date | null): Promise<{ previousCovered: boolean; dataFirst: string | null }> {
  const dataFirst = await firstRecord(client, scope)
  return { previousCovered: previousFrom === null || previousCovered(previousFrom, dataFirst), dataFirst }
}

/**
 * Version, listeners, whether any data has arrived yet (dataSpan), and a history loading in this process if
 * any. A manager's figures count only their teams, like every other answer they get.
 */
export async function queryMeta(
  client: Reader,
  version: string,
  otlp: MetaResponse['otlp'],
  scope: Scope = null,
  loading: MetaLoading | null = null,
): Promise<MetaResponse> {
  const { records, first, last } = await dataSpan(client, scope)
  return { version, otlp: { ...otlp }, data: { events: records, first, last }, loading }
}
