import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { datasetQuerySchema } from '../schemas/analytics'
import { coverageFree, runDatasetFigures, runDatasetQuery, type QueryContext } from '../dashboard/api/queries/dataset'
import { attributedRows } from '../dashboard/api/sources'
import { planTiers } from '../dashboard/api/tiers'
import { resolveRange } from '../schemas/analytics'
import type { Reader } from '../warehouse/pool'
import { ch, run } from '../warehouse/query'
import { z } from 'zod'
import { startTestCcscope, type TestCcscope } from './helpers/ccscope'
import { costMetrics, postJson } from './helpers/otlp-factory'
import { HISTORY_NOW, sendSpendHistory } from './helpers/spend-history'

/**
 * The figures-only path of the dataset queries (runDatasetFigures): cost-only callers (attribution's total) get the same rows and totals as the full answer, from one warehouse query instead of two
 * (no coverage companion), and no coverage at all rather than a made-up one.
 */
describe('dataset figures without coverage', () => {
  let cc: TestCcscope
  beforeAll(async () => {
    cc = await startTestCcscope({}, { now: () => HISTORY_NOW })
    await sendSpendHistory(cc)
    // A metrics-only person: cost from metric points, so the coverage differs by row.
    const t = Date.parse('2026-11-10T09:00:00Z')
    const res = await postJson(
      cc.otlpUrl,
      '/v1/metrics',
      costMetrics({ user: 'cy@example.com', session: 'sess-cy', team: 'data' }, 'delta', [{ startMs: t, timeMs: t + 60_000, value: 7.25 }], 1000),
    )
    expect(res.status, await res.text()).toBe(200)
    await cc.writer.flush()
  }, 120_000)
  afterAll(async () => {
    await cc?.stop()
  })

  /** The reader, counting the queries it runs. */
  function counting(): { ctx: QueryContext; queries: () => number } {
    let n = 0
    const client: Reader = {
      query: ((params: Parameters<Reader['query']>[0]) => {
        n++
        return cc.reader.query(params)
      }) as Reader['query'],
    }
    return { ctx: { client, scope: null, now: HISTORY_NOW }, queries: () => n }
  }

  const asked = [
    { from: '2026-11-01', to: '2026-11-19', tz: 'UTC', measures: 'costUsd' },
    { from: '2026-08-01', to: '2026-11-19', tz: 'UTC', groupBy: 'team', granularity: 'day', measures: 'costUsd', limit: 10_000, team: ['web', 'data'] },
    { from: '2026-11-01', to: '2026-11-19', tz: 'America/New_York', groupBy: 'user', measures: ['costUsd', 'inputTokens'], limit: 2 },
    { from: '2026-10-01', to: '2026-11-19', tz: 'UTC', groupBy: 'model', granularity: 'week', measures: ['costUsd', 'cacheSavingsUsd'] },
  ]

  it.each(asked)('answers the full query’s rows and totals, without coverage, in one query: %j', async (params) => {
    const query = datasetQuerySchema('cost').parse(params)
    const full = await runDatasetQuery({ client: cc.reader, scope: null, now: HISTORY_NOW }, query)
    const { ctx, queries } = counting()
    const figures = await runDatasetFigures(ctx, query)
    expect(queries()).toBe(1)
    expect(figures.totals).toEqual(full.totals)
    expect(figures.rows).toEqual(full.rows.map(({ coverage: _coverage, ...row }) => row))
    expect(figures.truncated).toBe(full.truncated)
    expect(figures.range).toEqual(full.range)
    expect(figures).not.toHaveProperty('coverage')
    expect(full.totals.costUsd).toBeGreaterThan(0)
  })

  it('refuses what coverage can null or derived figures need (those stay runDatasetQuery’s)', async () => {
    const ctx = { client: cc.reader, scope: null, now: HISTORY_NOW }
    for (const params of [
      { measures: ['costUsd', 'requests'] },
      { measures: ['costUsd', 'costPerActiveUserDay'] },
      { measures: 'costUsd', compare: 'previous' },
    ]) {
      const query = datasetQuerySchema('cost').parse({ from: '2026-11-01', to: '2026-11-19', ...params })
      expect(coverageFree(query)).toBe(false)
      await expect(runDatasetFigures(ctx, query)).rejects.toThrow(/needs its coverage/)
    }
    expect(coverageFree(datasetQuerySchema('tools').parse({ from: '2026-11-01', measures: 'policyDenials' }))).toBe(false)
    expect(coverageFree(datasetQuerySchema('adoption').parse({ from: '2026-11-01', measures: 'activeUsers' }))).toBe(false)
  })

  it('reads requests without the metric candidates: they add no request, so every group with requests has the same count', async () => {
    const range = resolveRange('2026-11-01', '2026-11-19', 'UTC')
    const requests = async (candidates: boolean) => {
      const params: Record<string, unknown> = { from: '2026-11-01 00:00:00', to: '2026-11-19 00:00:00' }
      const rows = attributedRows('usageByModel', planTiers(range, 'none'), params, '', true, candidates)
      const read = await run(cc.reader, {
        sql: `SELECT model, team, grouping(model, team) AS g_set, sum(n_requests) AS requests, count() AS n
          FROM ${rows} AS s GROUP BY GROUPING SETS ((model), (team), ()) ORDER BY g_set, model, team`,
        params,
        row: z.object({ model: ch.string, team: ch.string, g_set: ch.count, requests: ch.count, n: ch.count }),
      })
      return { sql: rows, read }
    }
    const all = await requests(true)
    const events = await requests(false)
    expect(all.sql).toContain('usage_noted_candidates_15m')
    expect(events.sql).not.toMatch(/usage_(metric|noted)_candidates/)
    const counted = (read: typeof all.read) => read.filter((r) => r.requests > 0).map(({ n: _n, ...r }) => r)
    expect(counted(events.read)).toEqual(counted(all.read))
    // The metrics-only person's team is a group of the candidates only: 0 requests, and no group at all without them.
    expect(all.read.find((r) => r.g_set === 2 && r.team === 'data')).toMatchObject({ requests: 0 })
    expect(events.read.find((r) => r.g_set === 2 && r.team === 'data')).toBeUndefined()
    expect(events.read.find((r) => r.g_set === 3)?.requests).toBeGreaterThan(0)
  })

  it('reads 64-bit integers as exact JSON numbers up to 2^53, not-finite floats as null, and refuses a value of the wrong type', async () => {
    const read = await run(cc.reader, {
      sql: 'SELECT toUInt64(9007199254740991) AS big, toInt64(-42) AS negative, sum(number) AS total, nan AS undefined_ratio, inf AS infinite FROM numbers(4)',
      params: {},
      row: z.object({ big: ch.count, negative: ch.count, total: ch.count, undefined_ratio: ch.number, infinite: ch.number }),
    })
    expect(read).toEqual([{ big: 2 ** 53 - 1, negative: -42, total: 6, undefined_ratio: null, infinite: null }])
    await expect(run(cc.reader, { sql: "SELECT 'x' AS n", params: {}, row: z.object({ n: ch.count }) })).rejects.toThrow(/did not match its schema/)
  })
})
