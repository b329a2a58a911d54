import { selectRows, type Warehouse } from '../../warehouse/client'
import type { EventRow, MetricPointRow } from '../../warehouse/rows'

/**
 * Marks the first record of every session not stored yet (`session_start = 1`): the rollups count a
 * session in the bucket of that record (migration 0010), so that sessions add up over buckets, tiers,
 * users and teams like every other figure, exactly (warehouse/RULES.md, "Sessions").
 *
 * A session is new when it has no mark stored yet (`session_marks`, migration 0014, fed by the raw tables'
 * marked rows), whoever sent it: a session id counts once even if its records name several users. Not "has
 * any record stored": an insert killed part-way may store a new session's later records without its marked
 * one, and the retry must still mark it. Flushes run one at a time and each marks the fresh events and metric
 * points together, before inserting either, so no session is marked twice; retried records are dropped as stored
 * before this runs.
 * The mark is stored with the record, so a rebuild of the rollups from the raw rows repeats it.
 */
export async function markSessionStarts(client: Warehouse, rows: (EventRow | MetricPointRow)[]): Promise<number> {
  const earliest = new Map<string, { row: EventRow | MetricPointRow; nanos: bigint }>()
  for (const row of rows) {
    if (row.session_id === '') continue
    const key = row.session_id
    const nanos = BigInt(row.timestamp.replace('.', ''))
    const seen = earliest.get(key)
    if (!seen || nanos < seen.nanos) earliest.set(key, { row, nanos })
  }
  if (earliest.size === 0) return 0
  const stored = await selectRows<{ s: string }>(client, 'SELECT DISTINCT session_id AS s FROM session_marks WHERE session_id IN {sessions:Array(String)}', {
    sessions: [...earliest.keys()],
  })
  const known = new Set(stored.map((r) => r.s))
  let marked = 0
  for (const [key, { row }] of earliest) {
    if (known.has(key)) continue
    row.session_start = 1
    marked++
  }
  return marked
}
