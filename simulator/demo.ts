/**
 * `npm start -- --demo`: ccscope on its own data directory (./data-demo by default, never the real
 * ./data) with a simulated 200-developer fleet, so that a newcomer sees a full dashboard in seconds.
 *
 * - History: the fleet's last 30 days are simulated (simulator/backfill.ts: the simulator's own sessions of
 *   the same users as the live part), newest day first, and written as the collector would store them
 *   (its privacy step, normalization and writer marks), through the same tables and materialized views as
 *   ingest, without HTTP. The dashboard shows data after the first day is in (a few seconds) and the whole
 *   month later; /api/v1/meta reports the progress meanwhile.
 * - Live: from the end of the history on, the fleet's sessions are simulated as they happen and sent
 *   through the real OpenTelemetry exporters into ccscope's own OTLP receiver (simulator/live.ts).
 * - Restart: a complete history is reused and the live part resumes from now (the time ccscope was off
 *   stays empty, as it would for a real fleet). An interrupted history is resumed: windows recorded as
 *   done in demo.json are kept, the one that was being written is cleared and written again (rows are
 *   deterministic), the rest are written. Nothing is counted twice.
 */
import type { Ccscope } from '../server/ccscope'
import type { Config } from '../server/config'
import type { Logger } from '../runtime/logger'
import { PrivacyFilter } from '../collector/privacy'
import { selectRows } from '../warehouse/client'
import { clearDays, plannedRecords, windowDays, windowKey, windowRows, windowsNewestFirst, writeWindow, type Window } from './backfill'
import { readMarker, writeMarker, type DemoMarker } from './demo-marker'
import { DemoProgress } from './demo-progress'
import { planUsers, resolvePeriod, type Period, type SimUser } from './fleet'
import { startLive, type LiveStream } from './live'
import { seedLimits, type StoredRows } from './rows'

export const DEMO_SEED = 1
/**
 * Windows of one UTC day, the newest day's last two hours first (data on screen sooner: a weekday's two
 * hours are a few seconds' work): the dashboard gets each day as soon as it is in, progress moves every few
 * seconds, and an interruption redoes one day. The time is per record (simulating, the collector's mapping,
 * the engine's insert through every materialized view), not per window: larger windows would only delay
 * the first data.
 */
export const DEMO_WINDOWS = { firstMs: 2 * 3_600_000, firstDays: 1, daysPerWindow: 1 } as const
const MINUTE = 60_000
const QUARTER_HOUR = 15 * MINUTE
/** Console progress at most this often; the live part's counts this often (when they changed). */
const PROGRESS_LOG_MS = 5000
const LIVE_LOG_MS = 5 * MINUTE
const LIVE_CATCH_UP_MS = 30 * MINUTE

export interface DemoOptions {
  users: number
  days: number
  /** The history's end for a fresh start (default now, rounded down to a quarter hour: a rollup bucket boundary). */
  end?: Date
  /** Stream the live part once the history is complete (default true). */
  live?: boolean
  /** The live part sends at once at most this much of the past since the history's end (default 30 minutes). */
  liveCatchUpMs?: number
  /** Called with the progress whenever it changes (for /api/v1/meta). */
  onProgress?: (progress: DemoProgress) => void
  /** Awaited before each window is written (0 = the newest): tests hold the load at a given point with it. */
  beforeWindow?: (index: number) => Promise<void>
}

export interface Demo {
  /** Settles once the history is complete (or has failed: the error is logged and the promise rejects). */
  readonly history: Promise<void>
  /** The live stream, once it runs. */
  live(): LiveStream | undefined
  /** Stops after the window being written and stops the live stream. */
  stop(): Promise<void>
}

function dashboardUrl(config: Config, port: number): string {
  const host = config.bindHost === '0.0.0.0' || config.bindHost === '::' ? 'localhost' : config.bindHost
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}/`
}

function otlpUrl(config: Config, port: number): string {
  const host = config.bindHost === '0.0.0.0' || config.bindHost === '::' ? '127.0.0.1' : config.bindHost
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`
}

class Stopped extends Error {}

/** Starts the demo on a running ccscope: loads or resumes the history unless it is complete, then streams the live part. */
export function startDemo(ccscope: Ccscope, config: Config, log: Logger, options: DemoOptions): Demo {
  let stopping = false
  let live: LiveStream | undefined
  let liveLog: NodeJS.Timeout | undefined
  const url = dashboardUrl(config, ccscope.ports.api)

  const run = async () => {
    const found = readMarker(config.dataDir)
    if (found.kind === 'unreadable')
      throw new Error(`${config.dataDir}/demo.json cannot be read (${found.reason}); delete ${config.dataDir} to start the demo afresh`)
    const [row] = await selectRows<{ n: string }>(ccscope.client, 'SELECT count() AS n FROM events')
    const events = Number(row?.n ?? 0)
    let marker: DemoMarker
    let clearAll = false
    if (found.kind === 'none' && events > 0) {
      log.info({ events, dataDir: config.dataDir }, `demo: ${config.dataDir} holds data but no demo.json: reusing it as it is; dashboard at ${url}`)
      return
    }
    if (found.kind === 'none') {
      const end = options.end ?? new Date(Math.floor(Date.now() / QUARTER_HOUR) * QUARTER_HOUR)
      marker = { version: 2, users: options.users, days: options.days, seed: DEMO_SEED, end: end.toISOString(), state: 'loading', done: [] }
    } else if (found.kind === 'legacy') {
      // Written by the demo of before (its month went through OTLP): complete is reused; a partial one is cleared and backfilled.
      marker = { version: 2, ...found.marker, done: [] }
      clearAll = found.marker.state === 'loading'
    } else marker = found.marker
    if (marker.users !== options.users || marker.days !== options.days)
      log.info(
        `demo: ${config.dataDir} holds a fleet of ${marker.users} developers over ${marker.days} days; keeping it (delete the directory for another size)`,
      )

    const end = new Date(marker.end)
    if (marker.state === 'complete') {
      log.info({ events, dataDir: config.dataDir }, `demo: reusing the data in ${config.dataDir} (history up to ${end.toISOString()}); dashboard at ${url}`)
      if (Date.now() - end.getTime() > 7 * 86_400_000)
        log.warn(`demo: the history ended ${end.toISOString().slice(0, 10)}; delete ${config.dataDir} and start again for a current month`)
      return Math.floor(Date.now() / MINUTE) * MINUTE
    }
    await loadHistory(marker, clearAll)
    // Live from the history's end; a history resumed long after it was begun leaves the time in between empty.
    return Math.max(end.getTime(), Math.floor((Date.now() - (options.liveCatchUpMs ?? LIVE_CATCH_UP_MS)) / MINUTE) * MINUTE)
  }

  const loadHistory = async (marker: DemoMarker, clearAll: boolean) => {
    const end = new Date(marker.end)
    const period = resolvePeriod(marker.days, end)
    const users = planUsers({ seed: marker.seed, users: marker.users, days: marker.days })
    const windows = windowsNewestFirst(period.from, period.end, DEMO_WINDOWS)
    const weights = plannedRecords(marker.seed, users, period, windows)
    const progress = new DemoProgress(
      weights.reduce((a, b) => a + b, 0),
      { fromMs: period.from, endMs: period.end },
    )
    const done = new Set(marker.done)
    const resuming = done.size > 0 || marker.current !== undefined || clearAll
    // A window interrupted half-way: its UTC days are cleared first, and a done window that shares one of them
    // (the newest day's last hours) is written again with it. Cut short, the next start clears them again.
    const interrupted = windows.find((w) => windowKey(w) === marker.current)
    if (interrupted) {
      const days = windowDays(interrupted)
      await clearDays(ccscope.client, days)
      for (const w of windows) if (windowDays(w).some((d) => days.includes(d))) done.delete(windowKey(w))
    }
    windows.forEach((w, i) => {
      if (done.has(windowKey(w))) progress.alreadyDone(weights[i] ?? 0, w.fromMs)
    })
    options.onProgress?.(progress)
    // The old demo's partial month is cleared before its marker is replaced: cut short, the next start clears again.
    if (clearAll) await clearDays(ccscope.client, windows.flatMap(windowDays))
    writeMarker(config.dataDir, { ...marker, done: [...done] })
    log.info(
      `demo: ${resuming ? 'resuming the history of' : 'loading the history of'} ${marker.users} simulated developers over ${marker.days} days ` +
        `(about ${Math.round(progress.meta().records.total / 1000).toLocaleString('en-US')} k records), newest day first; ` +
        `the dashboard at ${url} shows it as it loads`,
    )

    try {
      await writeWindows(marker, users, period, windows, weights, progress, done)
    } catch (error) {
      if (!(error instanceof Stopped)) {
        progress.failed((error as Error).message)
        options.onProgress?.(progress)
      }
      throw error
    }
    const [counts] = await selectRows<{ events: string; points: string }>(
      ccscope.client,
      'SELECT (SELECT count() FROM events) AS events, (SELECT count() FROM metric_points) AS points',
    )
    const summary = { events: Number(counts?.events ?? 0), metricPoints: Number(counts?.points ?? 0), seconds: Math.round(progress.seconds * 10) / 10 }
    writeMarker(config.dataDir, { ...marker, done: [...done], state: 'complete', loadedAt: new Date().toISOString(), summary })
    progress.complete()
    options.onProgress?.(progress)
    log.info(
      summary,
      `demo: history complete in ${summary.seconds} s: ${summary.events.toLocaleString('en-US')} events and ${summary.metricPoints.toLocaleString('en-US')} metric points ` +
        `(${new Date(period.from).toISOString().slice(0, 16)} to ${end.toISOString().slice(0, 16)} UTC); dashboard at ${url}`,
    )
  }

  const writeWindows = async (
    marker: DemoMarker,
    users: readonly SimUser[],
    period: Period,
    windows: readonly Window[],
    weights: readonly number[],
    progress: DemoProgress,
    done: Set<string>,
  ) => {
    // Rows as this collector stores them: content only with CCSCOPE_STORE_CONTENT, identities pseudonymised with a key.
    const rows = { privacy: new PrivacyFilter(config.privacy), limits: seedLimits(period.end) }
    const writer = { client: ccscope.client, seed: marker.seed, users, period, rows }
    let lastLog = Date.now()
    let first = true
    const todo = windows.map((w, i) => ({ w, i })).filter(({ w }) => !done.has(windowKey(w)))
    // The next window's rows are made while this one's are inserted (pure: nothing is written ahead).
    let ahead: Promise<StoredRows> | undefined
    for (const [n, { w, i }] of todo.entries()) {
      if (stopping) throw new Stopped()
      await options.beforeWindow?.(i)
      const key = windowKey(w)
      writeMarker(config.dataDir, { ...marker, done: [...done], current: key })
      const rows = await (ahead ?? windowRows(writer, w))
      const next = todo[n + 1]
      ahead = next ? windowRows(writer, next.w) : undefined
      ahead?.catch(() => undefined) // awaited at the next window
      await writeWindow(writer, w, rows)
      done.add(key)
      writeMarker(config.dataDir, { ...marker, done: [...done] })
      progress.windowDone(weights[i] ?? 0, w.fromMs)
      options.onProgress?.(progress)
      // The first window with records in it: the newest hours can hold none (a weekend night: the fleet works office
      // hours, rarely on weekends), and then the dashboard has nothing to show until an earlier day is in.
      const shows = first && rows.events.length + rows.points.length > 0
      if (shows) log.info(`demo: the newest records are in after ${progress.seconds.toFixed(1)} s: the dashboard shows data (${progress.line()})`)
      else if (Date.now() - lastLog >= PROGRESS_LOG_MS) log.info(progress.line())
      if (shows || Date.now() - lastLog >= PROGRESS_LOG_MS) lastLog = Date.now()
      if (shows) first = false
    }
  }

  const history = run().then(
    (liveFrom) => {
      if (liveFrom === undefined || stopping || options.live === false) return
      const marker = readMarker(config.dataDir)
      if (marker.kind !== 'current') return
      const m = marker.marker
      live = startLive({
        users: planUsers({ seed: m.seed, users: m.users, days: m.days }),
        seed: m.seed,
        period: resolvePeriod(m.days, new Date(m.end)),
        fromMs: liveFrom,
        endpoint: otlpUrl(config, ccscope.ports.otlpHttp),
        ...(config.ingestTokens[0] ? { token: config.ingestTokens[0].token } : {}),
        onMessage: (line) => log.warn(line),
      })
      log.info(
        `demo: the fleet works on live from ${new Date(liveFrom).toISOString()}: its sessions go through the OpenTelemetry exporters to OTLP/HTTP port ${ccscope.ports.otlpHttp} as they happen`,
      )
      const stats = live.stats
      let said = ''
      liveLog = setInterval(() => {
        const line = `demo live: ${stats.sessions} session(s) so far, ${(stats.logRecords + stats.metricPoints).toLocaleString('en-US')} records sent (${stats.apiRequests.toLocaleString('en-US')} API requests)`
        if (line !== said) log.info(line)
        said = line
      }, LIVE_LOG_MS).unref()
    },
    (error: unknown) => {
      if (error instanceof Stopped) return
      throw error
    },
  )

  return {
    history,
    live: () => live,
    async stop() {
      stopping = true
      await history.catch(() => {})
      clearInterval(liveLog)
      await live?.stop()
    },
  }
}
