import type { MetricPointRow } from '../../warehouse/rows'

/**
 * Turns every sum data point into the increase it contributes (`delta`), so that delta and
 * cumulative exporters yield the same totals from one `sum(delta)`.
 *
 * A cumulative *stream* is one series (metric, resource, scope, attributes) from one start time.
 * - The first point of a stream contributes its whole value (everything since the start time).
 * - A later point contributes its increase over the latest point already seen of that stream.
 * - A point no newer than the latest seen (a late or re-ordered export) contributes 0: the newer
 *   cumulative value already covers it.
 * - A counter reset arrives as a new start time, hence a new stream. A monotonic value that goes
 *   down without a new start time is treated as a reset too.
 * - Parallel processes that share a session.id have different start times, so their streams stay
 *   apart and are added, never confused with resets.
 * Delta points contribute their value; gauges, histograms and summaries contribute 0.
 */

export interface StreamPoint {
  /** Nanoseconds since the epoch, as a decimal string. */
  time: bigint
  value: number
}

export function streamKey(row: Pick<MetricPointRow, 'series_id' | 'start_timestamp'>): string {
  return `${row.series_id}|${row.start_timestamp}`
}

/** "1795573653.667000000" → 1795573653667000000n */
export function dateTimeToNanos(text: string): bigint {
  const [sec = '0', frac = ''] = text.split('.')
  return BigInt(sec) * 1_000_000_000n + BigInt(frac.padEnd(9, '0').slice(0, 9))
}

export function needsState(row: MetricPointRow): boolean {
  return row.metric_type === 'sum' && row.temporality === 'cumulative'
}

/**
 * Fills in `delta` on each row. `known` gives the latest stored point of each stream (keyed by
 * streamKey); the returned map holds the streams' new latest points, to be kept once the rows
 * are committed (and forgotten if the write fails).
 */
export function computeDeltas(rows: MetricPointRow[], known: ReadonlyMap<string, StreamPoint>): Map<string, StreamPoint> {
  const latest = new Map<string, StreamPoint>()
  const ordered = rows.map((row) => ({ row, time: dateTimeToNanos(row.timestamp) })).sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0))
  for (const { row, time } of ordered) {
    if (row.metric_type !== 'sum') {
      row.delta = 0
      continue
    }
    if (row.temporality !== 'cumulative') {
      row.delta = row.value
      continue
    }
    const key = streamKey(row)
    const previous = latest.get(key) ?? known.get(key)
    if (!previous) {
      row.delta = row.value
    } else if (time <= previous.time) {
      row.delta = 0
      continue
    } else if (row.is_monotonic && row.value < previous.value) {
      row.delta = row.value
    } else {
      row.delta = row.value - previous.value
    }
    latest.set(key, { time, value: row.value })
  }
  return latest
}
