import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestCcscope, type TestCcscope } from './helpers/ccscope'
import { costMetrics, postJson, type CostPoint } from './helpers/otlp-factory'

describe('cumulative and delta exports give the same totals', () => {
  let cc: TestCcscope
  beforeAll(async () => {
    cc = await startTestCcscope()
  })
  afterAll(async () => {
    await cc?.stop()
  })

  // One session, three processes: A, then A restarted (a reset), and B in parallel (a --resume).
  const base = Date.now() - 3 * 3600_000
  const A = base
  const A2 = base + 600_000
  const B = base + 30_000
  const cumulative: CostPoint[][] = [
    [{ startMs: A, timeMs: A + 60_000, value: 0.5 }],
    [
      { startMs: A, timeMs: A + 120_000, value: 1.25 },
      { startMs: B, timeMs: B + 60_000, value: 0.1 },
    ],
    [
      { startMs: A, timeMs: A + 180_000, value: 2.0 },
      { startMs: B, timeMs: B + 120_000, value: 0.3 },
    ],
    [{ startMs: A2, timeMs: A2 + 60_000, value: 0.25 }],
    [{ startMs: A2, timeMs: A2 + 120_000, value: 0.75 }],
  ]
  const totalCost = 2.0 + 0.3 + 0.75

  /** The same usage as a delta exporter reports it, an hour later so the two windows do not overlap. */
  function asDelta(exports: CostPoint[][]): CostPoint[][] {
    const last = new Map<number, CostPoint>()
    return exports.map((points) =>
      points.map((p) => {
        const prev = last.get(p.startMs)
        last.set(p.startMs, p)
        const start = prev ? prev.timeMs : p.startMs
        return { startMs: start + 3600_000, timeMs: p.timeMs + 3600_000, value: p.value - (prev?.value ?? 0) }
      }),
    )
  }

  const window = (offset: number) => ({ from: new Date(base + offset), to: new Date(base + offset + 3600_000) })

  it('sums cumulative streams with a reset and a parallel process, across a collector restart', async () => {
    const who = { user: 'cum@example.com', session: 'sess-cumulative' }
    for (const [i, points] of cumulative.entries()) {
      const res = await postJson(cc.otlpUrl, '/v1/metrics', costMetrics(who, 'cumulative', points, 1000))
      expect(res.status).toBe(200)
      if (i === 1) {
        // Restart: the in-memory stream state is gone and must be read back from the warehouse.
        await cc.stop()
        cc = await startTestCcscope({ CCSCOPE_DATA_DIR: cc.dataDir })
      }
    }
    const s = await cc.summary(window(0), { user: 'cum@example.com' })
    expect(s.costUsd).toBeCloseTo(totalCost, 9)
    expect(s.tokens.input).toBe(Math.round(totalCost * 1000))
    expect(s.sessions).toBe(1)
  })

  it('equals the delta equivalent', async () => {
    const who = { user: 'delta@example.com', session: 'sess-delta' }
    for (const points of asDelta(cumulative)) {
      expect((await postJson(cc.otlpUrl, '/v1/metrics', costMetrics(who, 'delta', points, 1000))).status).toBe(200)
    }
    const deltaSummary = await cc.summary(window(3600_000), { user: 'delta@example.com' })
    const cumulativeSummary = await cc.summary(window(0), { user: 'cum@example.com' })
    expect(deltaSummary.costUsd).toBeCloseTo(cumulativeSummary.costUsd, 9)
    expect(deltaSummary.tokens).toEqual(cumulativeSummary.tokens)
  })

  it('is unchanged by re-sent and late cumulative exports', async () => {
    const who = { user: 'cum@example.com', session: 'sess-cumulative' }
    const before = await cc.summary(window(0), { user: 'cum@example.com' })
    for (const points of [cumulative[2], cumulative[0], cumulative[4]]) {
      expect((await postJson(cc.otlpUrl, '/v1/metrics', costMetrics(who, 'cumulative', points ?? [], 1000))).status).toBe(200)
    }
    // A late export of an older value, never sent before: covered by the newer cumulative value.
    const late = [{ startMs: A, timeMs: A + 150_000, value: 1.5 }]
    expect((await postJson(cc.otlpUrl, '/v1/metrics', costMetrics(who, 'cumulative', late, 1000))).status).toBe(200)
    expect(await cc.summary(window(0), { user: 'cum@example.com' })).toEqual(before)
  })

  it('takes a cumulative stream without a start time (startTimeUnixNano 0), and counts its first value', async () => {
    // Regression: the stream lookup passed the start time as "0000000000", which ClickHouse refuses,
    // so every such point was answered 503 for ever.
    const who = { user: 'nostart@example.com', session: 'sess-nostart' }
    const at = base + 600_000
    for (const [dt, value] of [
      [0, 0.5],
      [60_000, 1.25],
    ] as const) {
      const res = await postJson(cc.otlpUrl, '/v1/metrics', costMetrics(who, 'cumulative', [{ startMs: 0, timeMs: at + dt, value }], 1000))
      expect(res.status, await res.text()).toBe(200)
    }
    expect((await cc.summary(window(0), { user: 'nostart@example.com' })).costUsd).toBeCloseTo(1.25, 9)
  })
})
