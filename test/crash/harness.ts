import { execFile } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { promisify } from 'node:util'
import type { SummaryResponse } from '../../schemas/analytics'
import { Rng } from '../../simulator/random'
import { ROOT, startCollector, type CollectorProcess } from './collector-process'
import { Exporter, type SendStats } from './exporter'
import { mismatches, type CrashReport, type Trial } from './report'
import { eventSource, metricSource, type Source } from './telemetry'
import { addTotals, zeroTotals } from './totals'
import type { KeysFile, Verification } from './verify'

/**
 * The crash test: ccscope runs as a child process; exporters stream telemetry into it and retry like
 * the OpenTelemetry exporters; the harness kills ccscope with SIGKILL at random moments, restarts it,
 * and at the end compares what the exporters got acknowledged with what the warehouse holds, in the
 * raw tables and in the rollups the dashboard reads. Every random choice comes from the seed.
 */

export interface CrashOptions {
  trials: number
  seed: number
  /** Load time after ccscope is ready, before the kill (uniform in [min, max] ms). */
  loadMs: [number, number]
  /** Share of trials that kill ccscope while it starts up (opening the engine, migrating). */
  startupKillShare: number
  eventSenders: number
  /** Log records per events request. */
  eventsPerRequest: [number, number]
  /** Extra environment for ccscope. */
  env?: Record<string, string>
  /** Progress lines. */
  log?: (line: string) => void
  /** Keep the data directory afterwards (its path is in the report). */
  keepDataDir?: boolean
  /** Write the last log lines of each killed ccscope here (trial-N.log), to see where kills landed. */
  logDir?: string
}

export const DEFAULT_OPTIONS: CrashOptions = {
  trials: 100,
  seed: 1,
  loadMs: [50, 2000],
  startupKillShare: 0.1,
  eventSenders: 2,
  eventsPerRequest: [50, 600],
}

/**
 * A free port below Linux's ephemeral range (32768–60999). The ports stay fixed across restarts, like a
 * real collector's address; one in the ephemeral range could be taken, while ccscope is down, by an
 * outgoing connection's local port (even the exporters' own reconnects), and the restart would fail.
 */
async function freePort(rng: Rng, taken: number[]): Promise<number> {
  for (;;) {
    const port = rng.int(20_000, 32_000)
    if (taken.includes(port)) continue
    const free = await new Promise<boolean>((resolve) => {
      const server = net.createServer()
      server.once('error', () => resolve(false))
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
    })
    if (free) return port
  }
}

async function waitReady(apiUrl: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const ok = await fetch(`${apiUrl}/readyz`).then(
      (r) => r.status === 200,
      () => false,
    )
    if (ok) return
    await sleep(50)
  }
  throw new Error('GET /readyz never answered 200')
}

export async function runCrashTest(partial: Partial<CrashOptions> = {}): Promise<CrashReport> {
  const options: CrashOptions = { ...DEFAULT_OPTIONS, ...partial }
  const log = options.log ?? (() => {})
  const began = performance.now()
  const rng = new Rng(options.seed)
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ccscope-crash-'))
  const portRng = new Rng(process.pid)
  const taken: number[] = []
  for (let i = 0; i < 3; i++) taken.push(await freePort(portRng, taken))
  const [otlpHttp = 0, otlpGrpc = 0, api = 0] = taken
  const ports = { otlpHttp, otlpGrpc, api }
  const env = {
    OTLP_HTTP_PORT: String(ports.otlpHttp),
    OTLP_GRPC_PORT: String(ports.otlpGrpc),
    PORT: String(ports.api),
    CCSCOPE_MAX_RECORD_AGE_DAYS: '3650',
    CCSCOPE_FLUSH_INTERVAL_MS: '100',
    ...options.env,
  }
  const otlpUrl = `http://127.0.0.1:${ports.otlpHttp}`
  const apiUrl = `http://127.0.0.1:${ports.api}`

  // Sources and exporters: several concurrent senders, each with its own seeded stream of choices.
  const sources: Source[] = []
  for (let i = 1; i <= options.eventSenders; i++) sources.push(eventSource(`events${i}`, new Rng(options.seed * 1000 + i), options.eventsPerRequest))
  sources.push(metricSource('delta', new Rng(options.seed * 1000 + 7), 'delta', 3))
  sources.push(metricSource('cumulative', new Rng(options.seed * 1000 + 8), 'cumulative', 3))
  const exporters = sources.map((_, i) => new Exporter(otlpUrl, `127.0.0.1:${ports.otlpGrpc}`, new Rng(options.seed * 1000 + 100 + i)))

  const acknowledged = zeroTotals()
  const keys: KeysFile = { events: [], points: [] }
  let batches = 0
  let producing = true
  let refused: Error | undefined
  const senders = sources.map(async (source, i) => {
    const exporter = exporters[i]
    if (!exporter) return
    while (producing && !refused) {
      const batch = source.next()
      batches++
      try {
        await exporter.deliver(batch)
      } catch (error) {
        refused = error as Error
        return
      }
      addTotals(acknowledged, batch.adds)
      ;(batch.signal === 'logs' ? keys.events : keys.points).push(...batch.keys)
    }
  })
  const inFlight = () => exporters.reduce((n, e) => n + e.inFlight, 0)

  const trialLog: Trial[] = []
  let current: CollectorProcess | undefined
  try {
    for (let trial = 1; trial <= options.trials && !refused; trial++) {
      const proc = startCollector(dataDir, env)
      current = proc
      let startMs: number | undefined
      proc.ready.then(
        (r) => (startMs = r.startMs),
        () => {},
      )
      let killAfterMs: number
      const startupKill = rng.chance(options.startupKillShare)
      if (startupKill) {
        // A moment after spawn: usually while the engine opens or migrations run; if ccscope got ready
        // first, during the first requests.
        killAfterMs = rng.int(100, 4_000)
        await sleep(killAfterMs)
      } else {
        await proc.ready
        await waitReady(apiUrl)
        killAfterMs = rng.int(options.loadMs[0], options.loadMs[1])
        await sleep(killAfterMs)
      }
      const pending = inFlight()
      const death = await proc.kill()
      if (options.logDir) {
        fs.mkdirSync(options.logDir, { recursive: true })
        fs.writeFileSync(path.join(options.logDir, `trial-${trial}.log`), proc.tail() + '\n')
      }
      trialLog.push({
        trial,
        startMs,
        killAfterMs,
        died: death.at,
        table: death.table,
        inFlight: pending,
        insertsCommitted: proc.inserts.committed,
        insertMs: proc.inserts.ms,
        rebuilds: proc.rebuilds.count,
        rebuildMs: proc.rebuilds.ms,
        duplicatesSkipped: proc.duplicatesSkipped,
      })
      log(
        `trial ${String(trial).padStart(3)}/${options.trials}: ` +
          (death.at === 'startup'
            ? `killed during start-up, ${killAfterMs} ms after spawn`
            : startupKill
              ? `ready in ${Math.round(startMs ?? 0)} ms, killed ${killAfterMs} ms after spawn`
              : `ready in ${Math.round(startMs ?? 0)} ms, killed after ${killAfterMs} ms of load`) +
          ` ${death.at === 'insert' ? `MID-INSERT (${death.table})` : death.at === 'rebuild' ? 'MID-REBUILD' : `(${death.at})`}, ${pending} requests in flight, ` +
          `${proc.inserts.committed} inserts (${proc.inserts.ms} ms)${proc.rebuilds.count > 0 ? `, rebuilt rollups (${proc.rebuilds.ms} ms)` : ''}; acknowledged so far ${keys.events.length} events, ${keys.points.length} points`,
      )
    }

    // Final run: let every sender finish (its last batch retried until acknowledged), read the summary
    // through the API, then stop gracefully.
    const last = startCollector(dataDir, env)
    current = last
    await last.ready
    await waitReady(apiUrl)
    producing = false
    await Promise.all(senders)
    if (refused) throw refused
    const from = new Date(Date.now() - 5 * 86_400_000).toISOString()
    const to = new Date(Date.now() + 86_400_000).toISOString()
    const res = await fetch(`${apiUrl}/api/v1/summary?${new URLSearchParams({ from, to })}`)
    if (res.status !== 200) throw new Error(`summary answered ${res.status}: ${await res.text()}`)
    const summary = (await res.json()) as SummaryResponse
    const gracefulExitCode = await last.stop()
    log(`final run: drained, summary read, stopped with exit code ${gracefulExitCode}; verifying`)

    const keysPath = path.join(dataDir, 'crash-keys.json')
    fs.writeFileSync(keysPath, JSON.stringify(keys))
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'test/crash/verify.ts', dataDir, keysPath], {
      cwd: ROOT,
      maxBuffer: 64 * 1024 * 1024,
    })
    const verification = JSON.parse(stdout) as Verification

    const stats: SendStats[] = exporters.map((e) => e.stats)
    const retryCauses: Record<string, number> = {}
    for (const s of stats) for (const [cause, n] of Object.entries(s.retryCauses)) retryCauses[cause] = (retryCauses[cause] ?? 0) + n
    const byTable: Record<string, number> = {}
    for (const t of trialLog) if (t.died === 'insert' && t.table) byTable[t.table] = (byTable[t.table] ?? 0) + 1
    const expected = {
      apiRequests: acknowledged.apiRequests,
      costUsd: (acknowledged.costMicros + acknowledged.metricCostMicros) / 1e6,
      prompts: acknowledged.prompts,
      inputTokens: acknowledged.inputTokens + acknowledged.metricInputTokens,
    }
    const summaryApi = {
      apiRequests: summary.apiRequests,
      costUsd: summary.costUsd,
      prompts: summary.prompts,
      inputTokens: summary.tokens.input,
      expected,
    }
    const found = mismatches(acknowledged, verification)
    const summaryOk =
      summaryApi.apiRequests === expected.apiRequests &&
      Math.abs(summaryApi.costUsd - expected.costUsd) < 1e-6 &&
      summaryApi.prompts === expected.prompts &&
      summaryApi.inputTokens === expected.inputTokens
    const report: CrashReport = {
      seed: options.seed,
      trials: trialLog.length,
      durationMs: Math.round(performance.now() - began),
      dataDir,
      requests: {
        batches,
        acknowledged: stats.reduce((n, s) => n + s.acknowledged, 0),
        sent: stats.reduce((n, s) => n + s.requests, 0),
        retries: stats.reduce((n, s) => n + s.retries, 0),
        retryCauses,
        unknownOutcomes: stats.reduce((n, s) => n + s.unknown, 0),
      },
      records: { events: keys.events.length, metricPoints: keys.points.length },
      kills: {
        total: trialLog.length,
        duringStartup: trialLog.filter((t) => t.died === 'startup').length,
        duringInsert: trialLog.filter((t) => t.died === 'insert').length,
        duringInsertByTable: byTable,
        duringRebuild: trialLog.filter((t) => t.died === 'rebuild').length,
        withRequestsInFlight: trialLog.filter((t) => t.inFlight > 0).length,
      },
      recovery: {
        rebuilds: trialLog.reduce((n, t) => n + t.rebuilds, 0) + last.rebuilds.count,
        rebuildMs: trialLog.reduce((n, t) => n + t.rebuildMs, 0) + last.rebuilds.ms,
        duplicatesSkipped: trialLog.reduce((n, t) => n + t.duplicatesSkipped, 0) + last.duplicatesSkipped,
      },
      events: verification.events,
      points: verification.points,
      mismatches: found,
      acknowledged,
      summaryApi,
      gracefulExitCode,
      parts: verification.parts,
      trialLog,
      ok:
        verification.events.lost === 0 &&
        verification.events.duplicated === 0 &&
        verification.events.unexpected === 0 &&
        verification.points.lost === 0 &&
        verification.points.duplicated === 0 &&
        verification.points.unexpected === 0 &&
        found.length === 0 &&
        summaryOk &&
        gracefulExitCode === 0,
    }
    return report
  } finally {
    producing = false
    for (const exporter of exporters) exporter.close()
    await current?.kill()
    if (!options.keepDataDir) fs.rmSync(dataDir, { recursive: true, force: true })
  }
}
