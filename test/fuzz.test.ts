import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestCcscope, type TestCcscope } from './helpers/ccscope'
import { CaseFactory, CONTROL_TEAM, INVALID_TEAM, type FuzzCase } from './fuzz/cases'
import { judge } from './fuzz/judge'
import { loadSeeds } from './fuzz/seeds'
import { pool, Sender } from './fuzz/send'
import { DEFAULT_REQUEST_LIMITS } from '../collector/limits'
import { MAX_REQUEST_COST_USD, MAX_REQUEST_TOKENS } from '../collector/normalize/logs'
import { MAX_METRIC_VALUE, TOTALLED_COUNTERS } from '../collector/normalize/metrics'

/**
 * Hostile input, at volume: ≥ 10 000 requests to the three receivers (OTLP/HTTP JSON, OTLP/HTTP
 * protobuf, OTLP/gRPC), made by seeded mutators from the real Claude Code captures (test/fuzz/).
 * Every answer must arrive and be a correct one for its input class (never a 500, INTERNAL or
 * UNKNOWN; never a failed write); afterwards no invalid value may be in the warehouse or a total,
 * and every valid control record sent among them must be counted exactly.
 *
 * FUZZ_SEED and FUZZ_CASES override the seed and the number of cases (a failure prints its index).
 */

const SEED = Number(process.env.FUZZ_SEED ?? 20_261_129)
const CASES = Number(process.env.FUZZ_CASES ?? 10_400)
const CONCURRENCY = 48
const DEADLINE_MS = 45_000 // an answer later than this is a hang
const TOKEN = 'fuzz-token'
const MAX_BODY_BYTES = 4 * 1024 * 1024
const MAX_DECOMPRESSED_BYTES = 16 * 1024 * 1024
const MAX_RECORD_AGE_DAYS = 3650
const MAX_CLOCK_SKEW_MINUTES = 24 * 60

let cc: TestCcscope

beforeAll(async () => {
  cc = await startTestCcscope({
    CCSCOPE_INGEST_TOKENS: TOKEN,
    CCSCOPE_MAX_BODY_BYTES: String(MAX_BODY_BYTES),
    CCSCOPE_MAX_DECOMPRESSED_BYTES: String(MAX_DECOMPRESSED_BYTES),
    CCSCOPE_MAX_RECORD_AGE_DAYS: String(MAX_RECORD_AGE_DAYS),
    CCSCOPE_MAX_CLOCK_SKEW_MINUTES: String(MAX_CLOCK_SKEW_MINUTES),
  })
})
afterAll(async () => {
  await cc?.stop()
})

async function query<T>(sql: string): Promise<T[]> {
  const result = await cc.client.query({ query: sql, format: 'JSONEachRow' })
  return (await result.json()) as T[]
}

describe('fuzz: hostile input to every receiver', () => {
  const byReceiver = new Map<string, number>()
  const statuses = new Map<string, number>()
  const failures: string[] = []
  let controlSentUsd = 0
  let controlAccepted = 0
  let overloaded = 0
  let runtimeMs = 0

  it(`${CASES} cases: every answer arrives, with a correct status`, async () => {
    const factory = new CaseFactory(loadSeeds(), SEED, {
      maxBodyBytes: MAX_BODY_BYTES,
      maxDecompressedBytes: MAX_DECOMPRESSED_BYTES,
      maxRecordsPerRequest: DEFAULT_REQUEST_LIMITS.maxRecordsPerRequest,
    })
    const sender = new Sender(new URL(cc.otlpUrl), cc.ports.otlpGrpc, TOKEN, DEADLINE_MS)
    const started = Date.now()
    try {
      await pool(CASES, CONCURRENCY, async (index) => {
        const c: FuzzCase = factory.make(index)
        const answer = await sender.send(c)
        const verdict = judge(c, answer)
        byReceiver.set(c.receiver, (byReceiver.get(c.receiver) ?? 0) + 1)
        const key = `${c.receiver} ${verdict.label}`
        statuses.set(key, (statuses.get(key) ?? 0) + 1)
        if (verdict.overloaded) overloaded++
        if (!verdict.ok) failures.push(`case ${index} (${c.receiver}, ${c.kind}, expect ${c.expect}): ${verdict.problem}`)
        if (c.controlCostUsd !== undefined && verdict.acceptedWhole) {
          controlSentUsd += c.controlCostUsd
          controlAccepted++
        }
        if (index % 1000 === 999) expect((await fetch(`${cc.apiUrl}/readyz`)).status).toBe(200) // still alive
      })
    } finally {
      sender.close()
      runtimeMs = Date.now() - started
    }
    const histogram = [...statuses].sort(([a], [b]) => a.localeCompare(b)).map(([k, n]) => `  ${k}: ${n}`)
    console.log(
      [
        `fuzz: ${CASES} cases (seed ${SEED}) in ${(runtimeMs / 1000).toFixed(1)} s; failures ${failures.length}; overloaded ${overloaded}`,
        `by receiver: ${[...byReceiver].map(([r, n]) => `${r} ${n}`).join(', ')}`,
        'answers:',
        ...histogram,
        `control api_requests accepted: ${controlAccepted}, $${controlSentUsd.toFixed(6)}`,
      ].join('\n'),
    )
    expect(failures.slice(0, 20)).toEqual([])
    expect(byReceiver.get('http-json') ?? 0).toBeGreaterThan(2000)
    expect(byReceiver.get('http-protobuf') ?? 0).toBeGreaterThan(2000)
    expect(byReceiver.get('grpc') ?? 0).toBeGreaterThan(1000)
    expect(controlAccepted).toBeGreaterThan(100)
    expect((await fetch(`${cc.apiUrl}/readyz`)).status).toBe(200)
  }, 600_000)

  it('no invalid value reached the warehouse or a total; every valid control record counted once', async () => {
    await cc.writer.flush()
    const nowMs = Date.now()
    const oldest = new Date(nowMs - MAX_RECORD_AGE_DAYS * 86_400_000 - 3_600_000).toISOString().slice(0, 19).replace('T', ' ')
    const newest = new Date(nowMs + MAX_CLOCK_SKEW_MINUTES * 60_000).toISOString().slice(0, 19).replace('T', ' ')
    const [events] = await query<Record<string, string>>(`
      SELECT count() AS rows,
             countIf(NOT isFinite(cost_usd) OR cost_usd < 0 OR cost_usd > ${MAX_REQUEST_COST_USD}) AS bad_cost,
             countIf(greatest(input_tokens, output_tokens, cache_read_tokens, cache_creation_tokens) > ${MAX_REQUEST_TOKENS}) AS bad_tokens,
             countIf(NOT isFinite(duration_ms)) AS bad_duration,
             countIf(timestamp < '${oldest}' OR timestamp > '${newest}') AS bad_time,
             countIf(observed_timestamp < '${oldest}' OR observed_timestamp > '${newest}') AS bad_observed,
             countIf(team_id = '${INVALID_TEAM}') AS invalid_team_rows
      FROM events`)
    expect(Number(events?.rows)).toBeGreaterThan(1000)
    expect(events).toMatchObject({ bad_cost: '0', bad_tokens: '0', bad_duration: '0', bad_time: '0', bad_observed: '0', invalid_team_rows: '0' })

    const counters = [...TOTALLED_COUNTERS].map((n) => `'${n}'`).join(',')
    const [points] = await query<Record<string, string>>(`
      SELECT count() AS rows,
             countIf(NOT isFinite(value) OR abs(value) > ${MAX_METRIC_VALUE} OR NOT isFinite(delta)) AS bad_value,
             countIf(metric_name IN (${counters}) AND (value < 0 OR delta < 0)) AS negative_counter,
             countIf(timestamp < '${oldest}' OR timestamp > '${newest}') AS bad_time,
             countIf(start_timestamp > timestamp) AS bad_start
      FROM metric_points`)
    expect(Number(points?.rows)).toBeGreaterThan(100)
    expect(points).toMatchObject({ bad_value: '0', negative_counter: '0', bad_time: '0', bad_start: '0' })

    const [spans] = await query<Record<string, string>>(`
      SELECT count() AS rows,
             countIf(start_timestamp < '${oldest}' OR start_timestamp > '${newest}' OR end_timestamp > '${newest}') AS bad_time,
             countIf(arrayExists(t -> t < '${oldest}' OR t > '${newest}', \`events.timestamp\`)) AS bad_event_time
      FROM spans`)
    expect(spans).toMatchObject({ bad_time: '0', bad_event_time: '0' })

    // The totals, over all time, as the API gives them.
    const all = await cc.summary()
    for (const v of [all.costUsd ?? 0, all.tokens.input, all.tokens.output, all.tokens.cacheRead, all.tokens.cacheCreation]) {
      expect(Number.isFinite(v)).toBe(true)
      expect(v).toBeGreaterThanOrEqual(0)
    }
    const invalid = await cc.summary(undefined, { team: INVALID_TEAM })
    expect(invalid.apiRequests).toBe(0)
    expect(invalid.costUsd ?? 0).toBe(0)

    // Every control api_request accepted is counted, once, with its exact cost.
    const control = await cc.summary(undefined, { team: CONTROL_TEAM })
    expect(control.apiRequests).toBe(controlAccepted)
    expect(control.costUsd).toBeCloseTo(controlSentUsd, 6)
    const [stored] = await query<{ n: string; cost: number }>(`SELECT count() AS n, sum(cost_usd) AS cost FROM events WHERE team_id = '${CONTROL_TEAM}'`)
    expect(Number(stored?.n)).toBe(controlAccepted)
    expect(stored?.cost).toBeCloseTo(controlSentUsd, 6)
  }, 120_000)
})
