/**
 * Benchmark seeder: fills the raw tables (`events`, `metric_points`) with the simulator's sessions as the
 * collector stores them, at engine speed, so that API query latency can be measured at 1 M, 10 M and 100 M
 * events. Materialized views on the raw tables fire as they would at ingest; nothing else is written directly.
 *
 *   tsx bench/seed.ts --events 1000000 [--users 500] [--days 30] [--data-dir ./data-bench] [--seed 1]
 *                     [--chunk 500000] [--end 2026-11-29T12:00:00Z]
 *
 * Two steps:
 * 1. A template: a fleet of T users over the whole period is simulated (simulator/: the one model of Claude
 *    Code telemetry) and turned into rows by the collector's own mapping (simulator/rows.ts: its privacy step
 *    with the default policy, normalization and writer marks), written into two template tables (no views).
 *    T is chosen so that the template holds about TEMPLATE_EVENTS events (fewer if fewer are asked for).
 * 2. Copies: INSERT … SELECT from the templates, as many copies as make at least `events` events, each copy's
 *    sessions re-keyed and its users given other identities (bench/seed-copies.ts), the engine doing the work.
 *    Users: T per alias, with as many aliases as make about `users` (copies beyond that are more sessions
 *    of the same users).
 *
 * The same seed gives the same rows (times are relative to `end`, which defaults to now). A user-day of
 * the simulated fleet holds about 130 events, so `events` and `users` over `days` are met as closely as the
 * template's granularity allows (`events` at least, one template more at most): the result says what was written.
 */
import { parseArgs } from 'node:util'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { PrivacyFilter } from '../collector/privacy'
import { loadConfig } from '../server/config'
import { planUsers, resolvePeriod } from '../simulator/fleet'
import { sessionRows, seedLimits, storeRows, type StoredRows } from '../simulator/rows'
import { generate } from '../simulator/run'
import { Tally } from '../simulator/truths'
import { openWarehouse, selectRows, type Warehouse } from '../warehouse/client'
import { migrate } from '../warehouse/migrate'
import { applyRetention } from '../warehouse/retention'
import { copiesInsert, TEMPLATE_TABLES } from './seed-copies'

export interface SeedOptions {
  /** How many `events` rows to write at least (up to one template more); about 1.3 times as many `metric_points` rows come with them. */
  events: number
  /** About how many distinct users (default 500). */
  users?: number
  /** Days of history, ending at `end` (default 30). */
  days?: number
  /** End of the time range (default now). */
  end?: Date
  /** Seed of the simulated fleet (default 1). */
  seed?: number
  /** About how many events per INSERT (default 500 000; at least one copy of the template). */
  chunkRows?: number
  /** About how many events the simulated template holds at most (default TEMPLATE_EVENTS). */
  templateEvents?: number
  /** Called after each INSERT with the events written so far. */
  onProgress?: (done: number, total: number) => void
}

export interface SeedResult {
  events: number
  metricPoints: number
  /** Distinct users written (template users with sessions × aliases). */
  users: number
  /** The simulated template: its fleet size (users planned) and rows; copy 0 is the template itself. */
  template: { users: number; events: number; points: number }
  copies: number
  seconds: number
}

/** Events in the template at most: big enough to vary, small enough to simulate in seconds. */
export const TEMPLATE_EVENTS = 60_000
/** Events a user-day of the simulated fleet holds, about (200 users over 30 days): sizes the template. */
const EVENTS_PER_USER_DAY = 130

export function positiveInt(name: string, value: number): number {
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer (got ${value})`)
  return value
}

interface Template {
  events: number
  points: number
  /** Users with sessions. */
  active: number
}

/** Simulates the template fleet and writes it, as the collector stores it, into the template tables. */
async function writeTemplate(client: Warehouse, seed: number, templateUsers: number, days: number, end: Date): Promise<Template> {
  for (const table of ['events', 'metric_points'] as const) {
    const into = TEMPLATE_TABLES[table]
    await client.command({ query: `DROP TABLE IF EXISTS ${into}` })
    await client.command({ query: `CREATE TABLE ${into} AS ${table} ENGINE = MergeTree ORDER BY tuple()` })
  }
  const period = resolvePeriod(days, end)
  const tally = new Tally({ from: new Date(period.from), to: new Date(period.end) })
  const users = planUsers({ seed, users: templateUsers, days })
  const ctx = { privacy: new PrivacyFilter({ storeContent: false, pseudonymizeKey: undefined }), limits: seedLimits(period.end) }
  const rows: StoredRows = { events: [], points: [] }
  const active = new Set<string>()
  for (const { user, sessions } of generate(seed, users, period, tally)) {
    sessionRows(user, sessions, ctx, rows)
    active.add(user.key)
  }
  await storeRows(client, rows, { events: TEMPLATE_TABLES.events, points: TEMPLATE_TABLES.metric_points })
  return { events: rows.events.length, points: rows.points.length, active: active.size }
}

/**
 * Writes at least `options.events` events (and about 1.3 times as many metric points) into the raw tables: a simulated
 * template, then copies of it, each INSERT … SELECT evaluated by the engine.
 */
export async function seedWarehouse(client: Warehouse, options: SeedOptions): Promise<SeedResult> {
  const wanted = positiveInt('events', options.events)
  const users = positiveInt('users', options.users ?? 500)
  const days = positiveInt('days', options.days ?? 30)
  const seed = Math.trunc(options.seed ?? 1)
  if (!Number.isSafeInteger(seed) || seed < 0) throw new Error(`seed must be a non-negative integer (got ${options.seed})`)
  const chunkRows = positiveInt('chunkRows', options.chunkRows ?? 500_000)
  const end = options.end ?? new Date()
  if (!Number.isFinite(end.getTime())) throw new Error('end is not a valid date')

  const started = performance.now()
  const templateUsers = Math.max(
    1,
    Math.min(users, Math.round(Math.min(wanted, positiveInt('templateEvents', options.templateEvents ?? TEMPLATE_EVENTS)) / (EVENTS_PER_USER_DAY * days))),
  )
  const template = await writeTemplate(client, seed, templateUsers, days, end)
  if (template.events === 0) throw new Error(`the simulated template (${templateUsers} users over ${days} days) holds no events`)
  // At least `events`: the benchmarks seed a data directory again when it holds fewer (bench/api-latency.ts).
  const copies = Math.max(1, Math.ceil(wanted / template.events))
  const aliases = Math.max(1, Math.min(copies, Math.round(users / templateUsers)))
  const perInsert = Math.max(1, Math.floor(chunkRows / template.events))
  const total = copies * template.events
  try {
    for (let from = 0; from < copies; from += perInsert) {
      const n = Math.min(perInsert, copies - from)
      await client.command({ query: copiesInsert('events', from, n, aliases) })
      await client.command({ query: copiesInsert('metric_points', from, n, aliases) })
      options.onProgress?.((from + n) * template.events, total)
    }
  } finally {
    for (const table of Object.values(TEMPLATE_TABLES)) await client.command({ query: `DROP TABLE IF EXISTS ${table}` })
  }
  return {
    events: total,
    metricPoints: copies * template.points,
    users: template.active * aliases,
    template: { users: templateUsers, events: template.events, points: template.points },
    copies,
    seconds: (performance.now() - started) / 1000,
  }
}

// ---------------------------------------------------------------------------------------------------
// CLI

interface PartsRow {
  table: string
  rows: string
  parts: string
  bytes: string
  uncompressed: string
}

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`
}

function intArg(name: string, value: string | undefined, fallback?: number): number | undefined {
  if (value === undefined) return fallback
  const n = Number(value.replace(/_/g, ''))
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} must be a positive integer (got ${JSON.stringify(value)})`)
  return n
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      events: { type: 'string' },
      users: { type: 'string' },
      days: { type: 'string' },
      'data-dir': { type: 'string' },
      seed: { type: 'string' },
      chunk: { type: 'string' },
      end: { type: 'string' },
    },
    strict: true,
  })
  const events = intArg('events', values.events)
  if (events === undefined) {
    process.stderr.write(
      'usage: tsx bench/seed.ts --events N [--users 500] [--days 30] [--data-dir ./data-bench] [--seed 1] [--chunk 500000] [--end ISO-8601]\n',
    )
    process.exit(2)
  }
  const end = values.end === undefined ? new Date() : new Date(values.end)
  if (Number.isNaN(end.getTime())) throw new Error(`--end must be an ISO 8601 date (got ${JSON.stringify(values.end)})`)
  const dataDir = path.resolve(values['data-dir'] ?? './data-bench')
  // The embedded engine under the data directory, laid out as `npm start` lays it out with CCSCOPE_DATA_DIR.
  const config = loadConfig({ CCSCOPE_DATA_DIR: dataDir })
  const client = await openWarehouse(config.clickhouse)
  try {
    const report = await migrate(client)
    process.stdout.write(
      `warehouse ${config.clickhouse.mode === 'embedded' ? config.clickhouse.path : ''}: ` +
        `${report.applied.length} migration(s) applied, ${report.alreadyApplied} already applied\n`,
    )
    // The retention `npm start` sets, set before the rows are written: new parts get their TTL as they are
    // written, where setting it afterwards makes the first start recompute every part in the background.
    const retention = await applyRetention(client, config.retention)
    process.stdout.write(`retention: ${retention.summary}${retention.changed.length > 0 ? ` (set on ${retention.changed.length} tables)` : ''}\n`)
    const before = await selectRows<{ n: string }>(client, 'SELECT count() AS n FROM events')
    if (Number(before[0]?.n ?? 0) > 0) process.stdout.write(`note: events already holds ${before[0]?.n} rows; the same seed writes the same ids again\n`)

    const t0 = performance.now()
    let last = t0
    let lastDone = 0
    const result = await seedWarehouse(client, {
      events,
      users: intArg('users', values.users),
      days: intArg('days', values.days),
      seed: values.seed === undefined ? undefined : Number(values.seed),
      chunkRows: intArg('chunk', values.chunk),
      end,
      onProgress: (done, totalRows) => {
        const now = performance.now()
        const rate = ((done - lastDone) / (now - last)) * 1000
        process.stdout.write(
          `${done.toLocaleString('en-US')} / ${totalRows.toLocaleString('en-US')} events ` +
            `(${((100 * done) / totalRows).toFixed(1)}%)  ${Math.round(rate).toLocaleString('en-US')} events/s  ` +
            `${((now - t0) / 1000).toFixed(1)} s\n`,
        )
        last = now
        lastDone = done
      },
    })

    const parts = await selectRows<PartsRow>(
      client,
      `SELECT table, sum(rows) AS rows, count() AS parts, sum(bytes_on_disk) AS bytes, sum(data_uncompressed_bytes) AS uncompressed
       FROM system.parts WHERE database = currentDatabase() AND active GROUP BY table ORDER BY table`,
    )
    process.stdout.write(
      `done: ${result.events.toLocaleString('en-US')} events + ${result.metricPoints.toLocaleString('en-US')} metric points of ${result.users.toLocaleString('en-US')} users ` +
        `in ${result.seconds.toFixed(1)} s (${Math.round(result.events / result.seconds).toLocaleString('en-US')} events/s)\n`,
    )
    let all = 0
    for (const row of parts) {
      const bytes = Number(row.bytes)
      const rows = Number(row.rows)
      all += bytes
      if (row.table !== 'events' && row.table !== 'metric_points') continue
      process.stdout.write(
        `  ${row.table}: ${rows.toLocaleString('en-US')} rows, ${row.parts} parts, ${mib(bytes)} on disk ` +
          `(${rows > 0 ? (bytes / rows).toFixed(1) : '0'} B/row, ${mib(Number(row.uncompressed))} uncompressed)\n`,
      )
    }
    process.stdout.write(`  all tables (raw + rollups): ${mib(all)} on disk\n`)
  } finally {
    await client.close()
  }
}

const invoked = process.argv[1]
if (invoked !== undefined && import.meta.url === pathToFileURL(path.resolve(invoked)).href) {
  main().catch((error: unknown) => {
    process.stderr.write(`seed failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
    process.exit(1)
  })
}
