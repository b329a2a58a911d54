/**
 * Dashboard pages in a real Chromium against a seeded warehouse: each page's settle time (navigation
 * start to the last panel rendered with its data: no request in flight, no skeleton left) and each filter
 * change's (the interaction to the same state), as medians and maxima over runs, against the 1 s goal.
 * Every run of a page opens a fresh browser context, so nothing comes from the dashboard's own cache (a first
 * visit); then each page again as a returning visit, in a browser with a real profile whose disk cache and
 * compiled-code cache two earlier loads filled (the data is fetched again: the API answers no-store).
 * Beside each, the renderer main thread's busy and script time (CDP Performance metrics): the page's own
 * share of the time, apart from waiting for its data; and the CPU both sides spent (bench/cpu.ts), whose sum
 * over the cores is a floor no run on this machine can beat.
 * With --network vpn, Chromium throttles the link as a user's office VPN would (40 ms, 20 Mbit/s): the bytes count.
 *
 * Last, the same pages' first visits on a small warehouse (--baseline-events, 100 k by default: a small team's month),
 * each page's time against its own on little data: what the data adds, and what the dashboard costs anyway.
 *
 *   tsx bench/pages.ts --data-dir DIR [--events 10000000] [--runs 5] [--network local|vpn] [--baseline-events 100000] [--first-only] [--out FILE]
 *
 * The data directory is seeded (bench/seed.ts, ending now, so the default range shows it) when it holds
 * fewer than --events events; reuse bench:api's directory to save the seeding.
 */
import { launchChromium, launchChromiumProfile } from './chromium'
import { releaseEngine, startLocalCcscope } from './local'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import type { Browser, Page } from 'playwright-core'
import { buildDashboard } from '../scripts/build-dashboard'
import { selectRows, type Warehouse } from '../warehouse/client'
import { seedWarehouse } from './seed'
import { calibrateMachine, calibrateRenderer, describeMachine } from './calibrate'
import type { CpuTimes } from './cpu'
import { freshPage, instrumentedPage, measure, NETWORKS, settled, type Sample } from './page-load'

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '10000000' },
    runs: { type: 'string', default: '5' },
    'data-dir': { type: 'string' },
    out: { type: 'string' },
    // Prints each API request of a page's warm-up load with its time: where a page's time goes.
    requests: { type: 'boolean', default: false },
    // A user's network between the browser and ccscope (Chromium's throttling): local (none) or vpn.
    network: { type: 'string', default: 'local' },
    // Then the same pages' first visits on a small warehouse of this many events (0: not measured): what a page costs
    // with little data, the baseline its time at --events is compared with.
    'baseline-events': { type: 'string', default: '100000' },
    // First visits (and the baseline) only: no filter changes, no returning visits (a run of a few minutes).
    'first-only': { type: 'boolean', default: false },
  },
})
const events = Number(values.events)
const baselineEvents = Number(values['baseline-events'])
if (!Number.isInteger(baselineEvents) || baselineEvents < 0) throw new Error('--baseline-events: a whole number, 0 for none')
const runs = Number(values.runs)
const dataDir = values['data-dir'] ?? fs.mkdtempSync(path.join(os.tmpdir(), 'ccscope-pages-'))
const keep = values['data-dir'] !== undefined
const GOAL_MS = 1000

if (!(values.network in NETWORKS)) throw new Error(`--network: one of ${Object.keys(NETWORKS).join(', ')}`)
const network = NETWORKS[values.network as keyof typeof NETWORKS]
const cores = os.cpus().length

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? NaN

/** A first visit, a filter change, a returning visit, or a first visit on the small baseline warehouse (--baseline-events). */
type Kind = 'page' | 'filter change' | 'returning visit' | 'baseline page'
interface Row {
  what: string
  kind: Kind
  p50: number
  max: number
  ratioToGoal: number
  /** Medians of the renderer main thread's busy and script time over the same runs (rendererMs). */
  rendererBusyMs: number
  rendererScriptMs: number
  /** Medians of the CPU each side spent (bench/cpu.ts), and the settle time no run could beat on these cores: their sum over the cores. */
  cpuMs: CpuTimes
  cpuFloorMs: number
}
const rows: Row[] = []
const median = (xs: number[]) =>
  quantile(
    [...xs].sort((a, b) => a - b),
    0.5,
  )
const report = (what: string, kind: Kind, samples: Sample[]): Row => {
  const times = samples.map((r) => r.ms).sort((x, y) => x - y)
  const p50 = quantile(times, 0.5)
  const max = times[times.length - 1] ?? NaN
  const busy = median(samples.map((r) => r.renderer.busy))
  const script = median(samples.map((r) => r.renderer.script))
  const cpuMs = { ccscope: median(samples.map((r) => r.cpu.ccscope)), chromium: median(samples.map((r) => r.cpu.chromium)) }
  const cpuFloorMs = (cpuMs.ccscope + cpuMs.chromium) / cores
  const row: Row = { what, kind, p50, max, ratioToGoal: max / GOAL_MS, rendererBusyMs: busy, rendererScriptMs: script, cpuMs, cpuFloorMs }
  rows.push(row)
  process.stdout.write(
    `  ${what.padEnd(34)} median ${p50.toFixed(0).padStart(6)} ms   max ${max.toFixed(0).padStart(6)} ms  ${(max / GOAL_MS).toFixed(2).padStart(5)}× goal ${max < GOAL_MS ? 'ok  ' : 'OVER'}` +
      `   renderer busy ${busy.toFixed(0).padStart(4)} ms (script ${script.toFixed(0).padStart(4)})` +
      `   CPU ccscope ${cpuMs.ccscope.toFixed(0).padStart(4)} + Chromium ${cpuMs.chromium.toFixed(0).padStart(4)} ms → floor ${cpuFloorMs.toFixed(0).padStart(4)} ms\n`,
  )
  return row
}

/** The pages measured (the User and Session pages: those of the user with the most API requests in the last week), and the warehouse's events. */
async function pagesOf(client: Warehouse): Promise<{ pages: [string, string][]; events: number }> {
  const [top] = await selectRows<{ u: string; s: string }>(
    client,
    "SELECT user_key AS u, any(session_id) AS s FROM events WHERE event_name = 'api_request' AND timestamp > now() - INTERVAL 7 DAY GROUP BY u ORDER BY count() DESC LIMIT 1",
  )
  const [{ n } = { n: '0' }] = await selectRows<{ n: string }>(client, 'SELECT count() AS n FROM events')
  const pages: [string, string][] = [
    ['Overview', '/'],
    ['Adoption', '/adoption'],
    ['Cost', '/cost'],
    ['Policy', '/policy'],
    ['Users', '/users'],
    ['User', `/users/${encodeURIComponent(top?.u ?? '')}`],
    ['Session', `/sessions/${encodeURIComponent(top?.s ?? '')}`],
  ]
  return { pages, events: Number(n) }
}

/** Each page loaded `runs` times after a warm-up, each in a fresh browser context: first visits, their rows by page. */
async function firstVisits(browser: Browser, base: string, pages: [string, string][], kind: 'page' | 'baseline page'): Promise<Map<string, Row>> {
  const out = new Map<string, Row>()
  for (const [name, url] of pages) {
    const samples: Sample[] = []
    for (let i = 0; i <= runs; i++) {
      const { context, page, cdp } = await freshPage(browser, network)
      const errors: string[] = []
      page.on('pageerror', (e) => errors.push(e.message))
      const requests: string[] = []
      if (values.requests && i === 0)
        page.on('requestfinished', (r) => {
          const t = r.timing()
          if (r.url().includes('/api/'))
            requests.push(`    ${t.responseEnd.toFixed(0).padStart(6)} ms from ${t.startTime.toFixed(0)}  ${r.url().replace(base, '').slice(0, 150)}`)
        })
      const sample = await measure(page, cdp, () => page.goto(base + url))
      const failed = await page.locator('.error').count()
      await context.close()
      if (errors.length || failed) throw new Error(`${name}: ${failed} panels in error; ${errors.join('; ')}`)
      if (i > 0) samples.push(sample)
      if (requests.length) process.stdout.write(`  ${name} (warm-up, ${sample.ms.toFixed(0)} ms):\n${requests.join('\n')}\n`)
    }
    out.set(name, report(kind === 'page' ? name : `${name} (small warehouse)`, kind, samples))
  }
  return out
}

/**
 * The same pages' first visits on a small warehouse (--baseline-events, seeded to end now as the main one is): what the
 * dashboard costs with little data. A page's time at --events less its time here is what the data adds. The embedded
 * engine opens one data directory per process, so the caller has closed the main warehouse. Returns its events and rows.
 */
async function baselinePages(browser: Browser): Promise<{ events: number; rows: Map<string, Row> }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ccscope-pages-baseline-'))
  await releaseEngine()
  const { cc: small } = await startLocalCcscope(dir)
  try {
    await seedWarehouse(small.client, { events: baselineEvents, end: new Date() })
    const { pages, events: stored } = await pagesOf(small.client)
    process.stdout.write(`the same pages' first visits on a small warehouse of ${stored.toLocaleString('en-US')} events: what a page costs with little data\n`)
    return { events: stored, rows: await firstVisits(browser, `http://127.0.0.1:${small.ports.api}`, pages, 'baseline page') }
  } finally {
    await small.stop()
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

/** Each change `runs` times after a warm-up, from the page settled in a fresh browser context to the page settled again. */
async function filterChanges(browser: Browser, base: string, changes: [string, string, (page: Page) => Promise<void>][]): Promise<void> {
  for (const [name, url, act] of changes) {
    const samples: Sample[] = []
    for (let i = 0; i <= runs; i++) {
      const { context, page, cdp } = await freshPage(browser, network)
      await page.goto(base + url)
      await settled(page)
      const before = page.url()
      const sample = await measure(page, cdp, async () => {
        await act(page)
        await page.waitForURL((u) => u.toString() !== before)
      })
      await context.close()
      if (i > 0) samples.push(sample)
    }
    report(name, 'filter change', samples)
  }
}

/**
 * A returning visit: a browser with a real profile per page, as a person who opened it before has. Its scripts come
 * from the disk cache (immutable assets) and, from the third load on, with V8's compiled code cached; the data is
 * fetched again. (An off-the-record context keeps no compiled code: loaded that way, a return is no faster.)
 */
async function returningVisits(base: string, pages: [string, string][]): Promise<void> {
  process.stdout.write(`returning visits: ${runs} loads each in a browser profile, after two loads that fill its caches\n`)
  for (const [name, url] of pages) {
    const samples: Sample[] = []
    const profileDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ccscope-profile-'))
    const context = await launchChromiumProfile(profileDir, { width: 1366, height: 900 })
    for (let i = 0; i < runs + 2; i++) {
      const { page, cdp } = await instrumentedPage(context, network)
      const sample = await measure(page, cdp, () => page.goto(base + url))
      await page.close()
      if (i >= 2) samples.push(sample)
    }
    await context.close()
    fs.rmSync(profileDir, { recursive: true, force: true })
    report(`${name} (returning)`, 'returning visit', samples)
  }
}

process.stdout.write(`dashboard: ${await buildDashboard()}\n`)
const { cc, config } = await startLocalCcscope(
  dataDir,
  // How many engine sessions serve the API's reads (as in bench/api-latency.ts).
  process.env.CCSCOPE_READ_SESSIONS ? { CCSCOPE_READ_SESSIONS: process.env.CCSCOPE_READ_SESSIONS } : {},
)
const browser = await launchChromium()
let mainStopped = false
try {
  const [stored] = await selectRows<{ n: string }>(cc.client, 'SELECT count() AS n FROM events')
  if (Number(stored?.n ?? 0) < events) {
    process.stdout.write(`seeding ${events.toLocaleString('en-US')} events into ${dataDir}\n`)
    await seedWarehouse(cc.client, {
      events,
      end: new Date(),
      onProgress: (done, total) => process.stdout.write(`\r  ${done.toLocaleString('en-US')} / ${total.toLocaleString('en-US')}`),
    })
    process.stdout.write('\n')
  }
  const { pages, events: total } = await pagesOf(cc.client)
  const [team] = await selectRows<{ t: string }>(cc.client, "SELECT team_id AS t FROM events WHERE team_id != '' GROUP BY t ORDER BY count() DESC LIMIT 1")
  const base = `http://127.0.0.1:${cc.ports.api}`
  /** A filter change: from a settled page, an interaction, to the page settled again. */
  const changes: [string, string, (page: Page) => Promise<void>][] = [
    [
      'Overview: range 30 → 7 days',
      '/',
      (p) =>
        p
          .getByLabel('Range', { exact: true })
          .selectOption('7d')
          .then(() => undefined),
    ],
    [
      'Overview: one team',
      '/',
      (p) =>
        p
          .getByLabel('Team', { exact: true })
          .selectOption(team?.t ?? '')
          .then(() => undefined),
    ],
    [
      'Cost: group by team',
      '/cost',
      (p) =>
        p
          .getByLabel('Group by', { exact: true })
          .selectOption('team')
          .then(() => undefined),
    ],
    ['Cost: stack by team', '/cost', (p) => p.getByRole('group', { name: 'Stack by' }).getByRole('button', { name: 'Team' }).click()],
    [
      'Cost: zone Asia/Kolkata',
      '/cost',
      (p) =>
        p
          .getByLabel('Time zone', { exact: true })
          .selectOption('Asia/Kolkata')
          .then(() => undefined),
    ],
    ['Policy: movers by team', '/policy', (p) => p.getByRole('group', { name: 'Movers by' }).getByRole('button', { name: 'Team' }).click()],
    ['Adoption: per week', '/adoption', (p) => p.getByRole('group', { name: 'Chart period: day or week' }).getByRole('button', { name: 'Week' }).click()],
  ]
  const machine = await calibrateMachine(cc.client)
  const calibration = await browser.newContext()
  const rendererCalibrationMs = await calibrateRenderer(await calibration.newPage())
  await calibration.close()
  process.stdout.write(`${describeMachine(machine, rendererCalibrationMs)}\n`)
  process.stdout.write(
    `${total.toLocaleString('en-US')} events; ${runs} runs each after a warm-up, a fresh browser context per run, 1366×900, network ${values.network}\n`,
  )
  const firstRows = await firstVisits(browser, base, pages, 'page')
  if (!values['first-only']) {
    await filterChanges(browser, base, changes)
    await returningVisits(base, pages)
  }
  let baseline: { events: number; rows: Map<string, Row> } | undefined
  if (baselineEvents > 0) {
    await cc.stop()
    mainStopped = true
    baseline = await baselinePages(browser)
  }
  const cold = rows.filter((r) => r.kind === 'page' || r.kind === 'filter change')
  const returning = rows.filter((r) => r.kind === 'returning visit')
  const met = cold.filter((r) => r.max < GOAL_MS).length
  process.stdout.write(
    `\n${met} of ${cold.length} pages and changes settle under ${GOAL_MS} ms in every run; worst ${Math.max(...cold.map((r) => r.max)).toFixed(0)} ms\n`,
  )
  if (returning.length > 0)
    process.stdout.write(
      `${returning.filter((r) => r.max < GOAL_MS).length} of ${returning.length} pages on a returning visit; worst ${Math.max(...returning.map((r) => r.max)).toFixed(0)} ms\n`,
    )
  if (baseline) {
    process.stdout.write(
      `first visits at ${total.toLocaleString('en-US')} events against ${baseline.events.toLocaleString('en-US')} (medians): what the data adds\n`,
    )
    for (const [name, r] of firstRows) {
      const b = baseline.rows.get(name)
      if (!b) continue
      process.stdout.write(
        `  ${r.what.padEnd(10)} ${r.p50.toFixed(0).padStart(6)} ms against ${b.p50.toFixed(0).padStart(6)} ms  ${(r.p50 / b.p50).toFixed(2)}×  the data adds ${(r.p50 - b.p50).toFixed(0).padStart(5)} ms` +
          `  (CPU ccscope ${(r.cpuMs.ccscope - b.cpuMs.ccscope).toFixed(0)}, Chromium ${(r.cpuMs.chromium - b.cpuMs.chromium).toFixed(0)} ms)\n`,
      )
    }
  }
  if (values.out) {
    fs.mkdirSync(path.dirname(values.out), { recursive: true })
    const out = {
      when: new Date().toISOString(),
      goalMs: GOAL_MS,
      events: total,
      baselineEvents: baseline?.events ?? 0,
      runs,
      machine: { ...machine, rendererMs: rendererCalibrationMs },
      readSessions: config.readSessions,
      network: values.network,
      rows,
    }
    fs.writeFileSync(values.out, `${JSON.stringify(out, null, 2)}\n`)
    process.stdout.write(`wrote ${values.out}\n`)
  }
} finally {
  await browser.close()
  if (!mainStopped) await cc.stop()
  if (!keep) fs.rmSync(dataDir, { recursive: true, force: true })
}
