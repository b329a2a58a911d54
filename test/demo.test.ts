import fs from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { PrivacyFilter, pseudonym } from '../collector/privacy'
import { markSessionStarts } from '../collector/writer/sessions'
import { insertRows } from '../warehouse/columns'
import type { MetaLoading, MetaResponse } from '../schemas/meta'
import type { SummaryResponse } from '../schemas/analytics'
import { startCcscope, type Ccscope } from '../server/ccscope'
import { loadConfig, type Config } from '../server/config'
import { createLogger } from '../runtime/logger'
import { windowDays, windowKey, windowRows, windowsNewestFirst, writeWindow } from '../simulator/backfill'
import { DEMO_SEED, DEMO_WINDOWS, startDemo } from '../simulator/demo'
import { readMarker, writeMarker } from '../simulator/demo-marker'
import { planUsers, resolvePeriod } from '../simulator/fleet'
import { seedLimits } from '../simulator/rows'
import { countFleet, simulate } from '../simulator/run'
import { selectRows, type Warehouse } from '../warehouse/client'
import { tempDir, TEST_ENV } from './helpers/ccscope'

/**
 * `npm start -- --demo`'s history (simulator/demo.ts) on a real engine, with a small fleet: it loads
 * newest first while /api/v1/meta reports progress, completes, and then every figure equals what the
 * rows hold; a second start reuses it; a window interrupted half-way is cleared and written again, so
 * that a resumed load holds exactly the rows of an uninterrupted one.
 */

const USERS = 20
const DAYS = 5
/** Each test loads one or two small histories on the real engine: minutes on a loaded 2-core machine. */
const SLOW = 150_000
const QUARTER_HOUR = 15 * 60_000
// The history ends at noon UTC yesterday: a rollup bucket boundary inside the dashboard's default ranges,
// and more than two hours after a UTC midnight whenever the test runs, so that the newest day's last two
// hours are a window of their own (simulator/backfill.ts) and the resume tests below always test it.
const END = new Date(Math.floor(Date.now() / 86_400_000) * 86_400_000 - 12 * 3_600_000)
const PERIOD = resolvePeriod(DAYS, END)

interface Running {
  cc: Ccscope
  config: Config
  api: string
  stop(): Promise<void>
}

const running: Running[] = []
afterEach(async () => {
  for (const r of running.splice(0)) await r.stop()
})

/** ccscope on `dataDir`, reporting `loading()` in /api/v1/meta as `npm start -- --demo` does. */
async function startOn(dataDir: string, loading: () => MetaLoading | null = () => null): Promise<Running> {
  const config = loadConfig({ ...TEST_ENV, CCSCOPE_DATA_DIR: dataDir })
  const cc = await startCcscope(config, createLogger('silent'), { loading })
  const r = { cc, config, api: `http://127.0.0.1:${cc.ports.api}`, stop: () => cc.stop() }
  running.push(r)
  return r
}

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url)
  if (res.status !== 200) throw new Error(`${url} answered ${res.status}: ${await res.text()}`)
  return (await res.json()) as T
}

function summary(api: string): Promise<SummaryResponse> {
  return getJson(`${api}/api/v1/summary?from=${new Date(PERIOD.from).toISOString()}&to=${END.toISOString()}`)
}

/** The summary's figures computed from the raw rows, by the rules of warehouse/RULES.md. */
async function fromRows(client: Warehouse) {
  const [row] = await selectRows<{
    users: string
    sessions: string
    requests: string
    prompts: string
    eventCost: number
    metricCost: number
    denials: string
  }>(
    client,
    `SELECT
       (SELECT uniqExact(user_key) FROM (SELECT user_key FROM events UNION ALL SELECT user_key FROM metric_points)) AS users,
       (SELECT uniqExact(session_id) FROM (SELECT session_id FROM events UNION ALL SELECT session_id FROM metric_points)) AS sessions,
       (SELECT count() FROM events WHERE event_name = 'api_request') AS requests,
       (SELECT count() FROM events WHERE event_name = 'user_prompt') AS prompts,
       (SELECT sum(cost_usd) FROM events WHERE event_name = 'api_request') AS eventCost,
       (SELECT sum(delta) FROM metric_points WHERE metric_name = 'claude_code.cost.usage'
          AND session_id NOT IN (SELECT session_id FROM events WHERE event_name = 'api_request')) AS metricCost,
       (SELECT count() FROM events WHERE event_name = 'tool_decision' AND decision = 'reject' AND source = 'config') AS denials`,
  )
  if (!row) throw new Error('no row')
  return {
    users: Number(row.users),
    sessions: Number(row.sessions),
    apiRequests: Number(row.requests),
    prompts: Number(row.prompts),
    costUsd: row.eventCost + row.metricCost,
    metricCostUsd: row.metricCost,
    policyDenials: Number(row.denials),
  }
}

/**
 * The same fingerprint, with its fractional numbers to within 1e-4: sums of floats over rollup parts
 * depend on the order the parts are read in (a last digit of a cache-saving total, say).
 */
function approximately(value: unknown): unknown {
  if (typeof value === 'number') return Number.isInteger(value) ? value : expect.closeTo(value, 4)
  if (Array.isArray(value)) return value.map(approximately)
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, approximately(v)]))
  return value
}

/** Every stored row, and the rollups as the API reads them: equal fingerprints mean equal data. */
async function fingerprint(r: Running) {
  const raw = await selectRows<{ t: string; n: string; h: string }>(
    r.cc.client,
    `SELECT 'events' AS t, count() AS n, toString(sum(cityHash64(* EXCEPT (ingested_at)))) AS h FROM events
     UNION ALL SELECT 'metric_points', count(), toString(sum(cityHash64(* EXCEPT (ingested_at)))) FROM metric_points
     UNION ALL SELECT 'coverage', count(), toString(sum(cityHash64(*))) FROM usage_event_coverage FINAL
     UNION ALL SELECT 'policy_events', count(), toString(sum(cityHash64(*))) FROM policy_events`,
  )
  const range = `from=${new Date(PERIOD.from).toISOString()}&to=${END.toISOString()}`
  const api = await Promise.all(
    [
      `/api/v1/summary?${range}`,
      `/api/v1/cost?${range}&groupBy=team&granularity=day`,
      `/api/v1/adoption?${range}&granularity=day`,
      `/api/v1/tools?${range}&groupBy=tool`,
    ].map((path) => getJson<unknown>(`${r.api}${path}`)),
  )
  return { raw: Object.fromEntries(raw.map((x) => [x.t, [x.n, x.h]])), api }
}

/** The fingerprint of an uninterrupted load of the test fleet (made once, on its own data directory). */
let reference: Promise<Awaited<ReturnType<typeof fingerprint>>> | undefined
function uninterrupted() {
  reference ??= (async () => {
    const r = await startOn(tempDir())
    await startDemo(r.cc, r.config, createLogger('silent'), { users: USERS, days: DAYS, end: END, live: false }).history
    const print = await fingerprint(r)
    await r.stop() // one data directory per process for the embedded engine
    running.splice(running.indexOf(r), 1)
    return print
  })()
  return reference
}

describe('the demo history', () => {
  it(
    'loads newest first while meta reports progress, completes, and every figure equals the rows',
    async () => {
      let progress: (() => MetaLoading) | undefined
      const r = await startOn(tempDir(), () => progress?.() ?? null)
      const seen: MetaLoading[] = []
      let firstDataSeconds: number | undefined
      const started = performance.now()
      const demo = startDemo(r.cc, r.config, createLogger('silent'), {
        users: USERS,
        days: DAYS,
        end: END,
        live: false,
        onProgress: (p) => {
          progress = () => p.meta()
          const m = p.meta()
          seen.push(m)
          if (firstDataSeconds === undefined && m.records.loaded > 0) firstDataSeconds = (performance.now() - started) / 1000
        },
      })
      // Meta over HTTP while it loads: loading, then complete.
      const states: string[] = []
      let summaryWhileLoading: SummaryResponse | undefined
      for (;;) {
        const meta = await getJson<MetaResponse>(`${r.api}/api/v1/meta`)
        if (meta.loading) states.push(meta.loading.state)
        if (meta.loading?.state === 'loading' && meta.data.events > 0 && !summaryWhileLoading) summaryWhileLoading = await summary(r.api)
        if (meta.loading?.state === 'complete') break
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
      await demo.history
      expect(states[0]).toBe('loading')
      expect(states.at(-1)).toBe('complete')

      // The newest day first: data after the first window, the loaded range growing backwards to the start.
      expect(firstDataSeconds).toBeDefined()
      expect(firstDataSeconds).toBeLessThan(10)
      const loading = seen.filter((m) => m.state === 'loading' && m.loadedFrom !== null)
      expect(loading.length).toBeGreaterThanOrEqual(windowsNewestFirst(PERIOD.from, PERIOD.end, DEMO_WINDOWS).length - 1)
      expect(loading.map((m) => m.loadedFrom)).toEqual([...loading.map((m) => m.loadedFrom)].sort().reverse())
      expect(loading.map((m) => m.percent)).toEqual([...loading.map((m) => m.percent)].sort((a, b) => a - b))
      const last = seen.at(-1)
      expect(last).toMatchObject({
        state: 'complete',
        percent: 100,
        from: new Date(PERIOD.from).toISOString(),
        to: END.toISOString(),
        loadedFrom: new Date(PERIOD.from).toISOString(),
      })
      if (summaryWhileLoading) expect(summaryWhileLoading.costUsd).toBeGreaterThan(0)

      // The marker says complete, with every window done.
      const marker = readMarker(r.config.dataDir)
      expect(marker.kind === 'current' && marker.marker.state).toBe('complete')
      expect(marker.kind === 'current' && marker.marker.done.length).toBe(windowsNewestFirst(PERIOD.from, PERIOD.end, DEMO_WINDOWS).length)

      // Totals: the summary equals the rows written, and the history is the fleet's (the simulator's plan).
      const truth = await fromRows(r.cc.client)
      const s = await summary(r.api)
      expect(s.users).toBe(truth.users)
      expect(s.sessions).toBe(truth.sessions)
      expect(s.apiRequests).toBe(truth.apiRequests)
      expect(s.prompts).toBe(truth.prompts)
      expect(s.policyDenials).toBe(truth.policyDenials)
      expect(s.costUsd).toBeCloseTo(truth.costUsd, 6)
      expect(truth.metricCostUsd).toBeGreaterThan(0) // metrics-only installs count through their metrics
      // …and it is the simulator's fleet: the very records a run of the simulator sends (simulator/run.ts).
      const simulated = countFleet({ users: USERS, days: DAYS, seed: DEMO_SEED, end: END, temporality: 'delta' })
      const [stored] = await selectRows<{ events: string; points: string }>(
        r.cc.client,
        'SELECT (SELECT count() FROM events) AS events, (SELECT count() FROM metric_points) AS points',
      )
      expect({ events: Number(stored?.events), points: Number(stored?.points), sessions: s.sessions, users: s.users }).toEqual({
        events: simulated.logRecords,
        points: simulated.metricPoints,
        sessions: simulated.sessions,
        users: simulated.users,
      })
      expect(s.costUsd).toBeCloseTo(simulated.costUsd, 4)
      expect(s.apiRequests).toBeGreaterThan(100)
      expect(s.policyDenials).toBeGreaterThan(0)

      // A second start on the same data directory reuses it: nothing is loaded again.
      const before = await fingerprint(r)
      await r.stop()
      running.splice(running.indexOf(r), 1)
      const again = await startOn(r.config.dataDir)
      let progressed = false
      const second = startDemo(again.cc, again.config, createLogger('silent'), { users: USERS, days: DAYS, live: false, onProgress: () => (progressed = true) })
      await second.history
      expect(progressed).toBe(false)
      expect(await fingerprint(again)).toEqual(approximately(before))
    },
    SLOW,
  )

  /**
   * A load killed while writing window `cut`: the windows before it are done; it has its events but not its
   * metric points or their marks (the process died between the INSERTs). Resumed, it gives the rows of an
   * uninterrupted load; returns the progress the resumed load reported.
   */
  async function resumeAfterCut(cut: number): Promise<MetaLoading[]> {
    const expected = await uninterrupted()
    const r = await startOn(tempDir())
    const windows = windowsNewestFirst(PERIOD.from, PERIOD.end, DEMO_WINDOWS)
    const interrupted = windows[cut]
    if (!interrupted) throw new Error('expected more windows')
    const writer = {
      client: r.cc.client,
      seed: DEMO_SEED,
      users: planUsers({ seed: DEMO_SEED, users: USERS, days: DAYS }),
      period: PERIOD,
      rows: { privacy: new PrivacyFilter(r.config.privacy), limits: seedLimits(PERIOD.end) },
    }
    for (const w of windows.slice(0, cut)) await writeWindow(writer, w)
    // The window as far as the writer got: sessions marked, events inserted, metric points not.
    const half = await windowRows(writer, interrupted)
    expect(half.events.length).toBeGreaterThan(0)
    await markSessionStarts(r.cc.client, [...half.events, ...half.points])
    await insertRows(r.cc.client, 'events', half.events)
    writeMarker(r.config.dataDir, {
      version: 2,
      users: USERS,
      days: DAYS,
      seed: DEMO_SEED,
      end: END.toISOString(),
      state: 'loading',
      done: windows.slice(0, cut).map(windowKey),
      current: windowKey(interrupted),
    })
    const resumed: MetaLoading[] = []
    await startDemo(r.cc, r.config, createLogger('silent'), { users: USERS, days: DAYS, live: false, onProgress: (p) => resumed.push(p.meta()) }).history
    expect(resumed.at(-1)?.state).toBe('complete')
    expect(await fingerprint(r)).toEqual(approximately(expected))
    return resumed
  }

  it(
    'clears a window interrupted half-way and writes it again: the same rows as an uninterrupted load',
    async () => {
      // The newest day is in (its last hours and the rest of it: two windows); the day before was being written.
      const windows = windowsNewestFirst(PERIOD.from, PERIOD.end, DEMO_WINDOWS)
      const cut = windowDays(windows[0] ?? { fromMs: 0, toMs: 0 })[0] === windowDays(windows[1] ?? { fromMs: 0, toMs: 0 })[0] ? 2 : 1
      const resumed = await resumeAfterCut(cut)
      // The done windows counted as loaded from the start; nothing twice.
      expect(resumed[0]?.records.loaded).toBeGreaterThan(0)
    },
    SLOW,
  )

  it(
    "writes again a done window that shares its day with the interrupted one (the newest day's last hours)",
    async () => {
      const windows = windowsNewestFirst(PERIOD.from, PERIOD.end, DEMO_WINDOWS)
      // The history ends at noon (END): the newest day's last two hours and the rest of it are two windows.
      expect(windowDays(windows[0] ?? { fromMs: 0, toMs: 0 })[0]).toBe(windowDays(windows[1] ?? { fromMs: 0, toMs: 0 })[0])
      const resumed = await resumeAfterCut(1)
      // Its day cleared, the done window is loaded again: nothing counted as loaded at the start.
      expect(resumed[0]?.records.loaded).toBe(0)
    },
    SLOW,
  )

  it(
    'clears a month the demo of before left half-sent through OTLP, and backfills it',
    async () => {
      const expected = await uninterrupted()
      // That demo sent its month through OTLP, oldest first, and left a marker without windows.
      const old = await startOn(tempDir())
      await simulate({
        users: USERS,
        days: 1,
        seed: DEMO_SEED,
        end: END,
        protocol: 'http/protobuf',
        temporality: 'delta',
        endpoint: `http://127.0.0.1:${old.cc.ports.otlpHttp}`,
      })
      fs.writeFileSync(
        path.join(old.config.dataDir, 'demo.json'),
        JSON.stringify({ users: USERS, days: DAYS, seed: DEMO_SEED, end: END.toISOString(), state: 'loading' }),
      )
      await startDemo(old.cc, old.config, createLogger('silent'), { users: USERS, days: DAYS, live: false }).history
      expect(await fingerprint(old)).toEqual(approximately(expected))
    },
    SLOW,
  )

  it(
    'stores what the collector would: pseudonyms and no content under those settings, the same users as the live part',
    async () => {
      const key = 'demo-pseudonymisation-key'
      const dataDir = tempDir()
      const config = loadConfig({ ...TEST_ENV, CCSCOPE_DATA_DIR: dataDir, CCSCOPE_PSEUDONYMIZE_KEY: key })
      const cc = await startCcscope(config, createLogger('silent'))
      // A history that ended 78 hours ago, so that the live part has three days and more to catch up at once: a
      // weekday among them whatever day the test runs. The fleet is quiet at weekends: with 30 hours to catch up,
      // the test failed on a Sunday at 11:00 UTC (Saturday 05:00 on: not one live session), and passed at 08:00,
      // when the window still held Friday evening in the fleet's American time zones.
      const end = new Date(Math.floor((Date.now() - 78 * 3_600_000) / QUARTER_HOUR) * QUARTER_HOUR)
      const demo = startDemo(cc, config, createLogger('silent'), { users: 12, days: 3, end, liveCatchUpMs: 79 * 3_600_000 })
      running.push({ cc, config, api: `http://127.0.0.1:${cc.ports.api}`, stop: () => demo.stop().then(() => cc.stop()) })
      await demo.history
      await expect.poll(() => demo.live()?.stats.ticks ?? 0, { timeout: 60_000, interval: 100 }).toBeGreaterThan(0)

      // What the collector stores as the user's key: user.email or enduser.id (pseudonymised), else user.id.
      const planned = new Set(planUsers({ seed: DEMO_SEED, users: 12, days: 3 }).map((u) => (u.signIn === 'installation' ? u.key : pseudonym(key, u.key))))
      const keys = await selectRows<{ key: string; live: number }>(
        cc.client,
        `SELECT DISTINCT user_key AS key, timestamp >= fromUnixTimestamp64Milli({end:Int64}) AS live FROM events`,
        { end: end.getTime() },
      )
      expect(keys.some((k) => Number(k.live) === 1)).toBe(true)
      expect(keys.some((k) => Number(k.live) === 0)).toBe(true)
      for (const k of keys) expect(planned.has(k.key), k.key).toBe(true)
      const [leaks] = await selectRows<{ emails: string; content: string; commands: string }>(
        cc.client,
        `SELECT countIf(position(user_key, '@') > 0 OR position(user_email, '@') > 0 OR position(enduser_id, '@') > 0) AS emails,
              countIf(mapContains(attributes, 'prompt') OR mapContains(attributes, 'response')) AS content,
              countIf(JSONHas(attributes['tool_parameters'], 'full_command')) AS commands
       FROM events`,
      )
      expect(leaks).toEqual({ emails: '0', content: '0', commands: '0' })
    },
    SLOW,
  )
})
