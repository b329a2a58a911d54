import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { selectRows } from '../warehouse/client'
import { applyRetention, currentTtl, RETENTION_TABLES, ttlExpression } from '../warehouse/retention'
import { startTestCcscope, type TestCcscope } from './helpers/ccscope'
import { apiRequest, events, postJson } from './helpers/otlp-factory'

/**
 * Retention: raw rows age out after CCSCOPE_RETENTION_RAW_DAYS, the rollups the dashboard's totals
 * come from after the longer CCSCOPE_RETENTION_ROLLUP_DAYS. The engine deletes expired rows when it
 * merges; the test forces the merge with OPTIMIZE … FINAL.
 */

const DAY = 86_400_000
let cc: TestCcscope

beforeAll(async () => {
  cc = await startTestCcscope({ CCSCOPE_RETENTION_RAW_DAYS: '30', CCSCOPE_RETENTION_ROLLUP_DAYS: '60' })
})

afterAll(async () => {
  await cc?.stop()
})

/**
 * Forces the merge that applies TTLs to every table with rows. An OPTIMIZE that cannot start (a
 * background merge holds the parts, as happens under load) does nothing unless told to throw: retried.
 */
async function expireNow(): Promise<void> {
  for (const table of [...Object.keys(RETENTION_TABLES.raw), ...Object.keys(RETENTION_TABLES.rollup), ...Object.keys(RETENTION_TABLES.noted)]) {
    const [rows] = await selectRows<{ n: string }>(cc.client, `SELECT count() AS n FROM ${table}`)
    if (Number(rows?.n ?? 0) === 0) continue
    for (let attempt = 1; ; attempt++) {
      try {
        await cc.client.command({ query: `OPTIMIZE TABLE ${table} FINAL`, clickhouse_settings: { optimize_throw_if_noop: 1 } })
        break
      } catch (error) {
        if (attempt >= 50) throw error
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
    }
  }
}

async function ttls(): Promise<Record<string, string>> {
  const rows = await selectRows<{ name: string; engine_full: string }>(
    cc.client,
    'SELECT name, engine_full FROM system.tables WHERE database = currentDatabase()',
  )
  return Object.fromEntries(rows.map((r) => [r.name, currentTtl(r.engine_full)]))
}

describe('retention', () => {
  it('puts the configured TTL on every raw table and every rollup', async () => {
    const t = await ttls()
    for (const [table, column] of Object.entries(RETENTION_TABLES.raw)) expect(t[table], table).toBe(ttlExpression(column, 30))
    for (const [table, column] of Object.entries({ ...RETENTION_TABLES.rollup, ...RETENTION_TABLES.noted }))
      expect(t[table], table).toBe(ttlExpression(column, 60))
    // The directory is configuration, not telemetry: it never expires.
    expect(t.directory).toBe('')
  })

  it('changes nothing when the configuration has not changed, and can remove a TTL', async () => {
    expect((await applyRetention(cc.client, { rawDays: 30, rollupDays: 60 })).changed).toEqual([])
    const report = await applyRetention(cc.client, { rawDays: 30, rollupDays: 0 })
    const rollups = [...Object.keys(RETENTION_TABLES.rollup), ...Object.keys(RETENTION_TABLES.noted)].sort()
    expect(report.changed.sort()).toEqual(rollups)
    expect((await ttls()).tools_15m).toBe('')
    expect((await applyRetention(cc.client, { rawDays: 30, rollupDays: 60 })).changed.sort()).toEqual(rollups)
  })

  it('drops raw rows first and keeps the totals until the rollups expire', async () => {
    const now = Date.now()
    const at = (daysAgo: number, cost: number, session: string) =>
      postJson(cc.otlpUrl, '/v1/logs', events({ user: 'old@example.com', session }, [apiRequest(now - daysAgo * DAY, cost)]))
    for (const [daysAgo, cost, session] of [
      [1, 1, 'recent'],
      [45, 10, 'middle'],
    ] as const)
      expect((await at(daysAgo, cost, session)).status).toBe(200)

    const range = { from: new Date(now - 120 * DAY), to: new Date(now) }
    expect((await cc.summary(range)).costUsd).toBeCloseTo(11, 6)

    await expireNow()

    const sessions = await selectRows<{ session_id: string }>(cc.client, `SELECT session_id FROM events WHERE user_key = 'old@example.com' ORDER BY session_id`)
    expect(sessions.map((s) => s.session_id)).toEqual(['recent'])
    // The middle request's raw row is gone; its cost is still in the totals.
    expect((await cc.summary(range)).costUsd).toBeCloseTo(11, 6)
    const sessionsApi = await fetch(
      `${cc.apiUrl}/api/v1/users/${encodeURIComponent('old@example.com')}/sessions?from=${range.from.toISOString()}&to=${range.to.toISOString()}`,
    )
    expect(sessionsApi.status).toBe(200)
    const body = (await sessionsApi.json()) as { sessions: { sessionId: string }[] }
    expect(body.sessions.map((s) => s.sessionId)).toEqual(['recent'])

    // Older than both retentions: accepted (the exporter must not retry it) but expired at once, everywhere.
    expect((await at(90, 100, 'ancient')).status).toBe(200)
    await expireNow()
    expect((await cc.summary(range)).costUsd).toBeCloseTo(11, 6)
    const [ancient] = await selectRows<{ n: string }>(cc.client, `SELECT count() AS n FROM events WHERE session_id = 'ancient'`)
    expect(Number(ancient?.n)).toBe(0)
  })

  it('applies a shorter retention to rows already stored, in the background', async () => {
    await applyRetention(cc.client, { rawDays: 0, rollupDays: 60 })
    const res = await postJson(cc.otlpUrl, '/v1/logs', events({ user: 'late@example.com', session: 'late' }, [apiRequest(Date.now() - 20 * DAY, 1)]))
    expect(res.status).toBe(200)
    const stored = async () => Number((await selectRows<{ n: string }>(cc.client, `SELECT count() AS n FROM events WHERE session_id = 'late'`))[0]?.n)
    expect(await stored()).toBe(1)

    // The raw tables and the drill-down detail kept as long as them (sessions).
    expect((await applyRetention(cc.client, { rawDays: 10, rollupDays: 60 })).changed.sort()).toEqual(
      [...Object.keys(RETENTION_TABLES.raw), ...Object.keys(RETENTION_TABLES.detail)].sort(),
    )
    // The ALTER only queued the recomputation; the engine's background mutation expires the stored row.
    const queued = await selectRows<{ table: string }>(
      cc.client,
      `SELECT DISTINCT table FROM system.mutations WHERE database = currentDatabase() AND command LIKE '%MATERIALIZE TTL%' ORDER BY table`,
    )
    expect(queued.map((m) => m.table)).toEqual(expect.arrayContaining(Object.keys(RETENTION_TABLES.raw)))
    await expect.poll(stored, { timeout: 30_000, interval: 200 }).toBe(0)
    await applyRetention(cc.client, { rawDays: 30, rollupDays: 60 })
  })
})
