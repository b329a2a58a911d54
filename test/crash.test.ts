import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { normalizeLogs } from '../collector/normalize/logs'
import { InsertJournal, utcDays } from '../collector/writer/journal'
import { copyNotedCandidates } from '../collector/writer/orphans'
import { rebuildDerivedDays } from '../collector/writer/rebuild'
import { Writer } from '../collector/writer/writer'
import { createLogger } from '../runtime/logger'
import { SelfMetrics } from '../runtime/self-metrics'
import { selectRows } from '../warehouse/client'
import { runCrashTest } from './crash/harness'
import { formatReport } from './crash/report'
import { startTestCcscope, type TestCcscope } from './helpers/ccscope'
import { apiRequest, costMetrics, events, postJson } from './helpers/otlp-factory'

/**
 * Durability and exactly-once counting. The long version, ≥ 100 kills, is `npm run test:crash`.
 */

describe('an insert that stopped half-way', () => {
  let cc: TestCcscope
  beforeAll(async () => {
    cc = await startTestCcscope()
  })
  afterAll(async () => {
    await cc?.stop()
  })

  it('has its days rebuilt in the rollups before the next insert, so the retry that is skipped as stored still counts', async () => {
    const now = Date.now()
    const limits = { nowMs: now, maxRecordAgeMs: 86_400_000, maxClockSkewMs: 60_000 }
    const rows = normalizeLogs(
      events({ user: 'half@x', session: 'half-1' }, [apiRequest(now - 3_000, 0.25), apiRequest(now - 2_000, 0.5), apiRequest(now - 1_000, 1)]),
      limits,
    ).rows
    const day = new Date(now - 3_000).toISOString().slice(0, 10)
    const range = { from: new Date(now - 60_000), to: new Date(now + 60_000) }
    const options = { flushIntervalMs: 10, batchMaxRows: 1_000, bufferMaxRows: 10_000 }
    const log = createLogger('silent')

    expect(await cc.writer.submit('events', rows)).toEqual({ written: 3, duplicates: 0 })
    expect((await cc.summary(range)).apiRequests).toBe(3)

    // What a kill between the raw table's part and the views' parts leaves: the rows stored, the rollups
    // without them. (Simulated by removing the rollups' rows; the crash harness below produces it for real.)
    for (const rollup of [
      'usage_events_15m',
      'usage_events_1h',
      'usage_events_1d',
      'usage_by_model_1h',
      'usage_by_model_1d',
      'user_activity_15m',
      'user_activity_1h',
      'user_activity_1d',
    ]) {
      await cc.client.command({ query: `DELETE FROM ${rollup} WHERE user_key = 'half@x'` })
    }
    expect((await cc.summary(range)).apiRequests).toBe(0)

    // Without the journal, the exporter's retry is found stored and skipped: the rollups stay short.
    const forgetful = new Writer(cc.client, options, log, new SelfMetrics())
    expect(await forgetful.submit('events', rows)).toEqual({ written: 0, duplicates: 3 })
    expect((await cc.summary(range)).apiRequests).toBe(0)

    // With it: the killed writer had noted the insert; the next writer (a restart) reads the note and
    // rebuilds that day before it writes.
    const file = path.join(cc.dataDir, 'test-insert-journal.json')
    new InsertJournal(file).begin({ table: 'events', days: [day] })
    const restarted = new Writer(cc.client, options, log, new SelfMetrics(), { journal: new InsertJournal(file), rawRetentionDays: 400 })
    expect(await restarted.submit('events', rows)).toEqual({ written: 0, duplicates: 3 })
    const summary = await cc.summary(range)
    expect(summary.apiRequests).toBe(3)
    expect(summary.costUsd).toBeCloseTo(1.75, 9)
    // Every tier, the chained ones included, holds the rebuilt day once.
    for (const tier of ['user_activity_15m', 'user_activity_1h', 'user_activity_1d']) {
      const [activity] = await selectRows<{ events: string }>(cc.client, `SELECT sum(events) AS events FROM ${tier} WHERE user_key = 'half@x'`)
      expect(Number(activity?.events), tier).toBe(3)
    }
    for (const tier of ['usage_events_1d', 'usage_by_model_1d']) {
      const [usage] = await selectRows<{ n: string }>(cc.client, `SELECT sum(requests) AS n FROM ${tier} WHERE user_key = 'half@x'`)
      expect(Number(usage?.n), tier).toBe(3)
    }
    expect(fs.existsSync(file)).toBe(false)
    await Promise.all([forgetful.close(), restarted.close()])
  })

  it("copies a noted session's candidates again from the rebuilt days, so a candidate the rebuild drops is not subtracted", async () => {
    const who = { user: 'noted@x', session: 'noted-1' }
    const t = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3_600_000
    const day = new Date(t).toISOString().slice(0, 10)
    const range = { from: new Date(t), to: new Date(t + 3_600_000) }
    expect((await postJson(cc.otlpUrl, '/v1/metrics', costMetrics(who, 'delta', [{ startMs: t, timeMs: t + 30_000, value: 0.5 }]))).status).toBe(200)
    expect((await postJson(cc.otlpUrl, '/v1/logs', events(who, [apiRequest(t + 60_000, 0.03)]))).status).toBe(200)
    expect((await cc.summary(range)).costUsd).toBeCloseTo(0.03, 9)
    // A kill's leftover: a view's part (a candidate) whose raw part was never stored, copied with the session.
    await cc.client.command({
      query: `INSERT INTO usage_metric_candidates_15m (bucket, user_key, session_id, model, cost_usd)
        VALUES ({bucket:DateTime('UTC')}, 'noted@x', 'noted-1', 'lost-model', 0.9)`,
      query_params: { bucket: new Date(t).toISOString().slice(0, 19).replace('T', ' ') },
    })
    await copyNotedCandidates(cc.client, [{ session_id: 'noted-1', user_key: 'noted@x', day }])
    expect((await cc.summary(range)).costUsd).toBeCloseTo(0.03, 9)
    // The rebuild derives the day's candidates from the raw rows: the leftover goes, and so must its copy.
    await rebuildDerivedDays(cc.client, [{ table: 'metric_points', days: [day] }], { rawRetentionDays: 400, nowMs: Date.now() })
    expect((await cc.summary(range)).costUsd).toBeCloseTo(0.03, 9)
    const [copies] = await selectRows<{ usd: number }>(
      cc.client,
      "SELECT round(sum(cost_usd), 9) AS usd FROM usage_noted_candidates_15m FINAL WHERE session_id = 'noted-1'",
    )
    expect(Number(copies?.usd)).toBeCloseTo(0.5, 9)
  })

  it('leaves alone the rollups of days whose raw rows may be past retention', async () => {
    const old = '2020-01-01'
    const report = await rebuildDerivedDays(cc.client, [{ table: 'events', days: [old, '2099-12-31'] }], {
      rawRetentionDays: 400,
      nowMs: Date.parse('2100-01-01T12:00:00Z'),
    })
    expect(report.skipped).toEqual([old])
    expect(report.days).toEqual(['2099-12-31'])
    expect(utcDays(['1795573653.667000000', '1795573653.000000001', '0.5'])).toEqual(['1970-01-01', '2026-11-25'])
  })
})

describe('kill -9 at random moments', () => {
  it('loses no acknowledged record and counts none twice, in the raw tables, the rollups and the summary', { timeout: 300_000 }, async () => {
    const report = await runCrashTest({ trials: 5, seed: 7, log: () => {} })
    const explain = formatReport(report)
    expect(report.trials, explain).toBe(5)
    expect(report.records.events, explain).toBeGreaterThan(0)
    expect(report.records.metricPoints, explain).toBeGreaterThan(0)
    expect(report.events.lost, explain).toBe(0)
    expect(report.events.duplicated, explain).toBe(0)
    expect(report.events.unexpected, explain).toBe(0)
    expect(report.points.lost, explain).toBe(0)
    expect(report.points.duplicated, explain).toBe(0)
    expect(report.points.unexpected, explain).toBe(0)
    expect(report.mismatches, explain).toEqual([])
    expect(report.summaryApi.apiRequests, explain).toBe(report.summaryApi.expected.apiRequests)
    expect(report.summaryApi.costUsd, explain).toBeCloseTo(report.summaryApi.expected.costUsd, 6)
    expect(report.gracefulExitCode, explain).toBe(0)
    expect(report.ok, explain).toBe(true)
  })
})
