import { selectRows, type Warehouse } from '../../warehouse/client'
import type { MetricPointRow } from '../../warehouse/rows'
import { nanosToDateTime } from '../normalize/common'
import { computeDeltas, needsState, streamKey, type StreamPoint } from './cumulative'
import { timeBounds } from './stored'

const STREAM_CACHE_MAX = 200_000

/**
 * The latest committed point of each cumulative stream, for the deltas of the next points (cumulative.ts):
 * remembered (bounded; misses are read from the warehouse), or, with a shared warehouse, read at every flush,
 * since the stream's previous export may have reached another instance.
 */
export class StreamPoints {
  private readonly streams = new Map<string, StreamPoint>()

  constructor(private readonly shared: boolean) {}

  async fillDeltas(lane: Warehouse, rows: MetricPointRow[]): Promise<Map<string, StreamPoint>> {
    const known = new Map<string, StreamPoint>()
    const missing = new Set<string>()
    // The earliest start among the streams to look up: a stream's points are never older than its start,
    // so the lookup reads only the partitions from there on (exact, and cheap however long the history).
    const starts: string[] = []
    for (const row of rows) {
      if (!needsState(row)) continue
      const key = streamKey(row)
      const point = this.shared ? undefined : this.streams.get(key)
      if (point) known.set(key, point)
      else {
        missing.add(row.series_id)
        starts.push(row.start_timestamp)
      }
    }
    if (missing.size > 0) {
      // Aliases differ from column names on purpose: in ClickHouse an alias shadows its column in WHERE.
      const latest = await selectRows<{ series_id: string; start_ns: string; last_ns: string; last_value: number }>(
        lane,
        `SELECT series_id, toString(toUnixTimestamp64Nano(start_timestamp)) AS start_ns,
                toString(toUnixTimestamp64Nano(max(timestamp))) AS last_ns, argMax(value, timestamp) AS last_value
         FROM metric_points
         WHERE series_id IN {ids:Array(UUID)} AND temporality = 'cumulative'
           AND timestamp >= fromUnixTimestamp64Nano({minStart:Int64})
         GROUP BY series_id, start_timestamp`,
        { ids: [...missing], minStart: timeBounds(starts).min },
      )
      for (const r of latest) {
        const key = streamKey({ series_id: r.series_id, start_timestamp: nanosToDateTime(r.start_ns) })
        known.set(key, { time: BigInt(r.last_ns), value: Number(r.last_value) })
      }
    }
    return computeDeltas(rows, known)
  }

  remember(key: string, point: StreamPoint): void {
    if (this.shared) return
    this.streams.delete(key)
    this.streams.set(key, point)
    if (this.streams.size > STREAM_CACHE_MAX) {
      const oldest = this.streams.keys().next().value
      if (oldest !== undefined) this.streams.delete(oldest)
    }
  }
}
