import { describe, expect, it } from 'vitest'
import { computeDeltas } from '../collector/writer/cumulative'
import type { MetricPointRow } from '../warehouse/rows'

/** The writer's cumulative-to-delta step on its own (test/cumulative.test.ts sends such streams through ccscope). */
function row(overrides: Partial<MetricPointRow>): MetricPointRow {
  return {
    series_id: 's1',
    start_timestamp: '1000.000000000',
    timestamp: '1001.000000000',
    metric_type: 'sum',
    temporality: 'cumulative',
    is_monotonic: true,
    value: 0,
    delta: 0,
    ...overrides,
  } as MetricPointRow
}

describe('computeDeltas', () => {
  it('turns a cumulative stream into increases, with resets and late points', () => {
    const rows = [
      row({ timestamp: '1001.000000000', value: 5 }),
      row({ timestamp: '1003.000000000', value: 12 }),
      row({ timestamp: '1002.000000000', value: 9 }), // out of order within the batch: sorted first
      row({ start_timestamp: '2000.000000000', timestamp: '2001.000000000', value: 4 }), // reset: new start
      row({ timestamp: '1004.000000000', value: 3 }), // went down without a new start: a reset too
    ]
    const latest = computeDeltas(rows, new Map())
    expect(rows.map((r) => r.delta)).toEqual([5, 3, 4, 4, 3])
    expect(latest.get('s1|1000.000000000')).toEqual({ time: 1004_000_000_000n, value: 3 })
  })

  it('continues from the latest stored point and ignores points no newer than it', () => {
    const known = new Map([['s1|1000.000000000', { time: 1005_000_000_000n, value: 10 }]])
    const rows = [row({ timestamp: '1004.000000000', value: 9 }), row({ timestamp: '1006.000000000', value: 15 })]
    computeDeltas(rows, known)
    expect(rows.map((r) => r.delta)).toEqual([0, 5])
  })

  it('passes delta points through and gives gauges no delta', () => {
    const rows = [row({ temporality: 'delta', value: 7 }), row({ metric_type: 'gauge', temporality: 'unspecified', value: 42 })]
    computeDeltas(rows, new Map())
    expect(rows.map((r) => r.delta)).toEqual([7, 0])
  })
})
