/**
 * API latency on a realistic data set: seeds N events (bench/seed.ts, the simulator's fleet copied inside the engine) into a
 * fresh data directory, starts ccscope on it, and times every dashboard endpoint: p50 and p95 over
 * repeated runs, after a warm-up, then one more request with each warehouse query timed (which tables it
 * reads, how long it took): where an endpoint's time goes. Prints a table and writes the figures as JSON.
 *
 *   tsx bench/api-latency.ts --events 1000000 [--runs 20] [--data-dir DIR (kept, reused when seeded)] [--out FILE] [--noted N] [--directory]
 *
 * `--noted N` notes N of the seed's metric-only sessions as covered by events for the run (usage_candidate_coverage and
 * the copies of their candidates, usage_noted_candidates_15m: the sessions whose metrics arrived before their first
 * api_request event, which every cost read subtracts;
 * warehouse/RULES.md "Cost and tokens") and removes those notes afterwards. The seed notes none, so without it the
 * cost reads' subtraction reads nothing, as it would not in a fleet after an exporter outage (docs/benchmarks.md).
 *
 * `--directory` loads a directory that names everyone the seed has (through PUT /api/v1/directory, as an admin would: a
 * display name, a team of its own for one person in three, a seat), so that attribution joins a full directory, as in
 * an organization that loaded one; the seed loads none. The directory is removed when the run ends.
 */
import { startLocalCcscope } from './local'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { copyNotedCandidates, recordCoverage } from '../collector/writer/orphans'
import { selectRows } from '../warehouse/client'
import { seedWarehouse } from './seed'
import { calibrateMachine, describeMachine } from './calibrate'

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '1000000' },
    runs: { type: 'string', default: '20' },
    'data-dir': { type: 'string' },
    out: { type: 'string' },
    // Writes every profiled query's SQL and parameters here (one JSON line each), to time them apart.
    'sql-out': { type: 'string' },
    // Only the endpoints whose name contains this text.
    only: { type: 'string' },
    // Sessions to note as covered for the run (see above).
    noted: { type: 'string', default: '0' },
    // Load a directory of everyone for the run (see above).
    directory: { type: 'boolean', default: false },
  },
})
const events = Number(values.events)
const runs = Number(values.runs)
const dataDir = values['data-dir'] ?? fs.mkdtempSync(path.join(os.tmpdir(), 'ccscope-bench-'))
const keep = values['data-dir'] !== undefined

const { cc, config } = await startLocalCcscope(
  dataDir,
  // How many engine sessions serve the API's reads (compare pages' burst times across sizes).
  process.env.CCSCOPE_READ_SESSIONS ? { CCSCOPE_READ_SESSIONS: process.env.CCSCOPE_READ_SESSIONS } : {},
)
/** The sessions this run noted (--noted; removed when it ends). */
let notedForRun: string[] = []
// Each warehouse call's duration and the tables it reads (the profile printed after each endpoint's timings).
const profiled: { reads: string; ms: number; sql: string; params: unknown }[] = []
// A table is what follows FROM or JOIN (a column named like a table, `events` say, is not a read).
const TABLES = /\b(?:FROM|JOIN)\s+([a-z_][a-z0-9_]*)\b/gi
const query = cc.reader.query.bind(cc.reader)
cc.reader.query = (async (params: Parameters<typeof query>[0]) => {
  const began = performance.now()
  const result = await query(params)
  const reads = [...new Set([...params.query.matchAll(TABLES)].map((m) => m[1]))].join(',') || 'other'
  profiled.push({ reads, ms: performance.now() - began, sql: params.query, params: params.query_params })
  return result
}) as typeof cc.reader.query
try {
  const [stored] = await selectRows<{ n: string }>(cc.client, 'SELECT count() AS n FROM events')
  if (Number(stored?.n ?? 0) < events) {
    process.stdout.write(`seeding ${events.toLocaleString('en-US')} events into ${dataDir}\n`)
    const seeded = await seedWarehouse(cc.client, {
      events,
      onProgress: (done, total) => process.stdout.write(`\r  ${done.toLocaleString('en-US')} / ${total.toLocaleString('en-US')}`),
    })
    process.stdout.write(
      `\n  ${seeded.events.toLocaleString('en-US')} events, ${seeded.metricPoints.toLocaleString('en-US')} metric points in ${seeded.seconds.toFixed(1)} s\n`,
    )
  }
  await noteSessions(Number(values.noted))
  if (values.directory) await loadEveryone()
  const [sizes] = await selectRows<Record<string, string>>(
    cc.client,
    `SELECT (SELECT count() FROM events) AS events, (SELECT count() FROM metric_points) AS points,
            (SELECT count() FROM user_activity_1d) AS user_activity_1d_rows, (SELECT count() FROM user_activity_1h) AS user_activity_1h_rows,
            (SELECT count() FROM usage_by_model_1d) AS usage_by_model_1d_rows, (SELECT count() FROM usage_events_1d) AS usage_events_1d_rows,
            (SELECT count() FROM tools_1d) AS tools_1d_rows, (SELECT count() FROM tools_1h) AS tools_1h_rows, (SELECT count() FROM sessions) AS session_rows,
            (SELECT uniqExact(session_id) FROM usage_candidate_coverage) AS noted_sessions`,
  )
  const [user] = await selectRows<{ u: string }>(
    cc.client,
    "SELECT user_key AS u FROM events WHERE event_name = 'api_request' GROUP BY u ORDER BY count() DESC LIMIT 1",
  )
  const [session] = await selectRows<{ s: string }>(cc.client, `SELECT session_id AS s FROM events WHERE user_key = {u:String} LIMIT 1`, { u: user?.u ?? '' })
  const [span] = await selectRows<{ lo: string; hi: string }>(
    cc.client,
    'SELECT toString(toDate(min(timestamp))) AS lo, toString(toDate(max(timestamp)) + 1) AS hi FROM events',
  )
  const range = `from=${span?.lo}&to=${span?.hi}`
  const api = `http://127.0.0.1:${cc.ports.api}`
  const endpoints: [string, string][] = [
    ['summary', `/api/v1/summary?${range}`],
    ['summary vs previous (New York)', `/api/v1/summary?${range}&tz=America/New_York&compare=previous`],
    ['cost by team', `/api/v1/cost?${range}&groupBy=team`],
    ['cost by user', `/api/v1/cost?${range}&groupBy=user`],
    ['cost by model per day', `/api/v1/cost?${range}&groupBy=model&granularity=day`],
    ['cost per day (Asia/Kolkata)', `/api/v1/cost?${range}&granularity=day&tz=Asia/Kolkata`],
    ['cost by agent', `/api/v1/cost?${range}&groupBy=agent`],
    ['adoption DAU', `/api/v1/adoption?${range}&granularity=day`],
    ['adoption by team per week', `/api/v1/adoption?${range}&groupBy=team&granularity=week`],
    ['tools by tool', `/api/v1/tools?${range}&groupBy=tool`],
    ['tools: blocked commands', `/api/v1/tools?${range}&groupBy=command&decision=reject&source=config`],
    ['denial rate per day', `/api/v1/tools?${range}&granularity=day`],
    ['users leaderboard', `/api/v1/users?${range}`],
    ['users leaderboard with seats by team (Adoption)', `/api/v1/users?${range}&limit=20&seatsByTeam=true`],
    ['policy overview', `/api/v1/policy?${range}`],
    ['policy movers', `/api/v1/policy/movers?to=${span?.hi}`],
    ['summary for one user vs previous (User page)', `/api/v1/summary?${range}&user=${encodeURIComponent(user?.u ?? '')}&compare=previous`],
    ['users: one user (User page)', `/api/v1/users?${range}&user=${encodeURIComponent(user?.u ?? '')}&limit=1`],
    ['user sessions', `/api/v1/users/${encodeURIComponent(user?.u ?? '')}/sessions?${range}`],
    ['session timeline', `/api/v1/sessions/${encodeURIComponent(session?.s ?? '')}`],
    ['CSV export by user per day', `/api/v1/cost/export.csv?${range}&groupBy=user&granularity=day`],
    ['users CSV export', `/api/v1/users/export.csv?${range}`],
    ['coverage', `/api/v1/coverage?${range}&versionFloor=2.1.300`],
    ['blocked command drill-down', `/api/v1/policy/denials?${range}&command=curl`],
    ['budgets (spend, forecast, backtest)', '/api/v1/budgets'],
    ['alert log', '/api/v1/alerts'],
    ['weekly digest', '/api/v1/reports/weekly-digest'],
    ['monthly cost CSV', '/api/v1/reports/monthly-cost.csv'],
    ['billing reconciliation', `/api/v1/billing/reconciliation?${range}`],
    ['reliability', `/api/v1/reliability?${range}`],
    // The rest of the pages' first loads (dashboard/ui/plans.ts): the Policy page's waste, the Cost page's attribution, every page's meta.
    ['waste (Policy page)', `/api/v1/waste?${range}`],
    ['attribution by repository (Cost page)', `/api/v1/attribution?${range}&by=repository`],
    ['meta', '/api/v1/meta'],
  ]
  // Budgets to answer for: the organization, a few teams and the heaviest user, each monthly (made once per data directory).
  const existing = (await (await fetch(`${api}/api/v1/budgets`)).json()) as { budgets: unknown[] }
  if (existing.budgets.length === 0) {
    const teams = await selectRows<{ t: string }>(cc.client, "SELECT DISTINCT team_id AS t FROM usage_events_1d WHERE team_id != '' ORDER BY t LIMIT 8")
    const scopes = [{ kind: 'organization' }, ...teams.map((t) => ({ kind: 'team', value: t.t })), { kind: 'user', value: user?.u ?? '' }]
    for (const [i, scope] of scopes.entries()) {
      const res = await fetch(`${api}/api/v1/budgets`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-requested-with': 'bench' },
        body: JSON.stringify({ name: `Bench budget ${i}`, scope, period: { kind: 'month' }, amountUsd: 10_000 }),
      })
      if (res.status !== 200) throw new Error(`creating a budget: ${res.status} ${await res.text()}`)
    }
  }
  const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? NaN
  const GOAL_MS = 150
  const results: { endpoint: string; path: string; p50: number; p95: number; p95ToGoal: number; bytes: number; queries: { reads: string; ms: number }[] }[] = []
  for (const [name, url] of endpoints.filter(([n]) => values.only === undefined || n.includes(values.only))) {
    let bytes = 0
    for (let i = 0; i < 2; i++) {
      const res = await fetch(api + url)
      if (res.status !== 200) throw new Error(`${url}: ${res.status} ${await res.text()}`)
      bytes = (await res.arrayBuffer()).byteLength
    }
    const times: number[] = []
    for (let i = 0; i < runs; i++) {
      const began = performance.now()
      await (await fetch(api + url)).arrayBuffer()
      times.push(performance.now() - began)
    }
    times.sort((a, b) => a - b)
    // One more request with the warehouse calls timed: where the endpoint's time goes.
    profiled.length = 0
    await (await fetch(api + url)).arrayBuffer()
    const queries = profiled.map((q) => ({ reads: q.reads, ms: Math.round(q.ms) }))
    if (values['sql-out'])
      for (const q of profiled)
        fs.appendFileSync(values['sql-out'], `${JSON.stringify({ endpoint: name, ms: Math.round(q.ms), sql: q.sql, params: q.params })}\n`)
    const p95 = quantile(times, 0.95)
    results.push({ endpoint: name, path: url, p50: quantile(times, 0.5), p95, p95ToGoal: p95 / GOAL_MS, bytes, queries })
    process.stdout.write(
      `  ${name.padEnd(32)} p50 ${quantile(times, 0.5).toFixed(1).padStart(7)} ms   p95 ${p95.toFixed(1).padStart(7)} ms  ${(p95 / GOAL_MS).toFixed(2).padStart(5)}× goal ${p95 < GOAL_MS ? 'ok ' : 'OVER'}` +
        `   ${queries.map((q) => `${q.reads} ${q.ms}`).join(' + ')}\n`,
    )
  }
  // A page fires its requests at once: the Overview's set, timed from the first request to the last answer.
  const pages: [string, string[]][] = [
    [
      'Overview page (6 requests at once)',
      [
        `/api/v1/summary?${range}&compare=previous`,
        `/api/v1/cost?${range}&granularity=day&measures=costUsd`,
        `/api/v1/adoption?${range}&granularity=day&measures=activeUsers`,
        `/api/v1/tools?${range}&granularity=day&measures=policyDenials&measures=decisions`,
        `/api/v1/cost?${range}&groupBy=team&limit=10&measures=costUsd`,
        '/api/v1/meta',
      ],
    ],
  ]
  const bursts: { page: string; requests: number; p50: number; p95: number }[] = []
  for (const [name, urls] of values.only === undefined || 'Overview page'.includes(values.only) ? pages : []) {
    const times: number[] = []
    for (let i = 0; i < runs + 2; i++) {
      const began = performance.now()
      await Promise.all(
        urls.map(async (url) => {
          const res = await fetch(api + url)
          if (res.status !== 200) throw new Error(`${url}: ${res.status} ${await res.text()}`)
          await res.arrayBuffer()
        }),
      )
      if (i >= 2) times.push(performance.now() - began)
    }
    times.sort((a, b) => a - b)
    const p95 = quantile(times, 0.95)
    bursts.push({ page: name, requests: urls.length, p50: quantile(times, 0.5), p95 })
    process.stdout.write(
      `  ${name.padEnd(36)} p50 ${quantile(times, 0.5).toFixed(1).padStart(7)} ms   p95 ${p95.toFixed(1).padStart(7)} ms   (${config.readSessions} read sessions)\n`,
    )
  }
  const [storage] = await selectRows<Record<string, string>>(
    cc.client,
    `SELECT sumIf(data_compressed_bytes, table = 'events') AS events_compressed, sumIf(data_uncompressed_bytes, table = 'events') AS events_uncompressed,
            sumIf(data_compressed_bytes, table = 'metric_points') AS points_compressed, sumIf(data_uncompressed_bytes, table = 'metric_points') AS points_uncompressed,
            sum(bytes_on_disk) AS all_bytes_on_disk
     FROM system.parts WHERE active AND database = currentDatabase()`,
  )
  const eventRows = Number(sizes?.events ?? 0)
  const storageFigures = {
    bytesOnDiskPerEvent: Number(storage?.all_bytes_on_disk ?? 0) / Math.max(1, eventRows),
    eventsBytesPerRow: Number(storage?.events_compressed ?? 0) / Math.max(1, eventRows),
    eventsCompressionRatio: Number(storage?.events_uncompressed ?? 0) / Math.max(1, Number(storage?.events_compressed ?? 1)),
    metricPointsCompressionRatio: Number(storage?.points_uncompressed ?? 0) / Math.max(1, Number(storage?.points_compressed ?? 1)),
  }
  process.stdout.write(
    `storage: ${storageFigures.bytesOnDiskPerEvent.toFixed(0)} B on disk per event (all tables), events ${storageFigures.eventsBytesPerRow.toFixed(0)} B/row, compression ${storageFigures.eventsCompressionRatio.toFixed(1)}×\n`,
  )
  const machine = await calibrateMachine(cc.client)
  process.stdout.write(`${describeMachine(machine)}\n`)
  const met = results.filter((r) => r.p95 < GOAL_MS).length
  process.stdout.write(`\n${met} of ${results.length} endpoints have p95 under ${GOAL_MS} ms; worst ${Math.max(...results.map((r) => r.p95)).toFixed(0)} ms\n`)
  const report = {
    when: new Date().toISOString(),
    goalMs: GOAL_MS,
    machine,
    data: Object.fromEntries(Object.entries(sizes ?? {}).map(([k, v]) => [k, Number(v)])),
    runs,
    results,
    pageBursts: { readSessions: config.readSessions, bursts },
    storage: storageFigures,
    directoryLoaded: values.directory,
  }
  process.stdout.write(`\n${JSON.stringify(report.data)}\n`)
  if (values.out) {
    fs.mkdirSync(path.dirname(values.out), { recursive: true })
    fs.writeFileSync(values.out, `${JSON.stringify(report, null, 2)}\n`)
    process.stdout.write(`wrote ${values.out}\n`)
  }
} finally {
  await unnoteSessions()
  if (values.directory) await removeDirectory()
  await cc.stop()
  if (!keep) fs.rmSync(dataDir, { recursive: true, force: true })
}

/**
 * Notes n metric-only sessions of the seed (a fixed choice: the same ones every run) as covered by events, as the
 * writer notes them: a coverage row for each of their candidate days, and a copy of their candidates.
 */
async function noteSessions(n: number): Promise<void> {
  if (n <= 0) return
  const rows = await selectRows<{ session_id: string; user_key: string; day: string }>(
    cc.client,
    `SELECT session_id, user_key, toString(day) AS day FROM usage_candidate_sessions
     WHERE session_id IN (
       SELECT DISTINCT session_id FROM usage_candidate_sessions
       WHERE session_id != '' AND session_id NOT IN (SELECT session_id FROM usage_candidate_coverage)
       ORDER BY cityHash64(session_id) LIMIT {n:UInt32})`,
    { n },
  )
  await copyNotedCandidates(cc.client, rows)
  await recordCoverage(cc.client, rows)
  notedForRun = [...new Set(rows.map((r) => r.session_id))]
  process.stdout.write(`noted ${notedForRun.length} metric-only sessions as covered for this run (removed when it ends)\n`)
}

async function unnoteSessions(): Promise<void> {
  if (notedForRun.length === 0) return
  for (const table of ['usage_candidate_coverage', 'usage_noted_candidates_15m'])
    await cc.client.command({
      query: `ALTER TABLE ${table} DELETE WHERE session_id IN {ids:Array(String)} SETTINGS mutations_sync = 2`,
      query_params: { ids: notedForRun },
    })
  notedForRun = []
}

/** A directory naming everyone the seed has, loaded as an admin loads one (--directory). */
async function loadEveryone(): Promise<void> {
  const people = await selectRows<{ u: string }>(cc.client, "SELECT DISTINCT user_key AS u FROM user_activity_1d WHERE user_key != '' ORDER BY u")
  const csv = [
    'user,display_name,team,department,cost_center,manager,seat',
    ...people.map((p, i) => `${p.u},Person ${i + 1},${i % 3 === 0 ? `team-${i % 7}` : ''},,,,true`),
  ]
  const res = await fetch(`http://127.0.0.1:${cc.ports.api}/api/v1/directory`, {
    method: 'PUT',
    headers: { 'content-type': 'text/csv', 'x-requested-with': 'bench' },
    body: `${csv.join('\n')}\n`,
  })
  if (res.status !== 200) throw new Error(`loading the directory: ${res.status} ${await res.text()}`)
  process.stdout.write(`loaded a directory of ${people.length} people for this run (removed when it ends)\n`)
}

/** Leaves the data directory as the seed made it: no directory load at all. */
async function removeDirectory(): Promise<void> {
  await cc.client.command({ query: 'TRUNCATE TABLE directory' })
  await cc.reloadDirectory()
}
