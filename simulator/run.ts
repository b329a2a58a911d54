/**
 * The simulator's programmatic entry point: plan a fleet, simulate its sessions day by day, and send
 * them as history through the real OTel exporters, in sizeable batches; return the truths of what was
 * sent. Used by the CLI (simulator/cli.ts), `npm start -- --demo` and the tests.
 *
 * Two passes over the same deterministic generation: the first counts records (for the progress bar's
 * total) and the truths, the second builds and sends; both must agree, which doubles as a check that a
 * seed fully determines the fleet. Memory stays bounded: a day's sessions are turned into batches and
 * sent before the next day is generated.
 */
import { diag, DiagLogLevel, type DiagLogger } from '@opentelemetry/api'
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs'
import { createExporters, type Protocol } from './exporters'
import { MINUTE, planDay, planUsers, resolvePeriod, type Period, type SimUser } from './fleet'
import { exportPoints, type PointDraft, type Temporality } from './metrics'
import { logRecords, resourceMetrics } from './otlp'
import { Progress, type ProgressStream } from './progress'
import { Rng } from './random'
import { Sender, type SendStats } from './send'
import { SessionSim, type SessionRecords } from './session'
import { sessionSpans } from './traces'
import { Tally, type Truths } from './truths'

export interface SimulateOptions {
  users: number
  days: number
  seed: number
  /** End of the simulated period (exclusive); default now, rounded down to the minute. */
  end?: Date
  protocol: Protocol
  temporality: Temporality
  /** OTLP/HTTP base URL. */
  endpoint: string
  /** OTLP/gRPC URL; default the HTTP endpoint's host on port 4317. */
  grpcEndpoint?: string
  token?: string
  compression?: 'none' | 'gzip'
  /** Metric export interval of the simulated CLIs (OTEL_METRIC_EXPORT_INTERVAL), seconds. Default 60. */
  metricIntervalSeconds?: number
  /** Log records per logs export. Default 4000. */
  batchSize?: number
  /** Most data points per metrics export (a session is never split). Default 6000. */
  maxPointsPerExport?: number
  /** Exports in flight. Default 8. */
  concurrency?: number
  /** Attempts per export. Default 8. */
  maxAttempts?: number
  /** Per export, SDK retries included. Default 60 s. */
  timeoutMillis?: number
  /** Show a progress bar on this stream (true = stderr). Default none. */
  progress?: boolean | ProgressStream
  /** Where retry notices and exporter warnings go. Default: the progress stream, or nowhere. */
  onMessage?: (line: string) => void
  /** Generate and count, send nothing. */
  dryRun?: boolean
  /** Also send each session's beta traces (simulator/traces.ts) for users who send events. Default off. */
  traces?: boolean
}

export interface SimulateResult {
  truths: Truths
  seed: number
  protocol: Protocol
  temporality: Temporality
  /** Wall time of the sending pass (generation included), seconds. */
  seconds: number
  /** Wall time of the counting pass, seconds. */
  countSeconds: number
  records: number
  recordsPerSecond: number
  stats: SendStats
  /** Partial-success answers the exporters received (records the collector refused). */
  partialSuccess: string[]
  /** Spans sent (with `traces`), besides the records. */
  spans: number
}

export { resolvePeriod, type Period } from './fleet'

export interface UserDay {
  day: number
  user: SimUser
  sessions: SessionRecords[]
}

/** Every session of the period, a user-day at a time, in day order. */
export function* generate(seed: number, users: readonly SimUser[], period: Period, tally: Tally): Generator<UserDay> {
  const window = { from: period.from, lastStart: period.end - 20 * MINUTE }
  for (let day = 0; day <= period.days; day++) {
    for (const user of users) {
      const plans = planDay(seed, user, day, period.days, period.firstUtcMidnight, window)
      if (plans.length === 0) continue
      const sessions = plans.map((plan) => new SessionSim(new Rng(plan.seed), plan, tally, period.end).run())
      yield { day, user, sessions }
    }
  }
}

/** The UTC days the session's records fall on (events, if sent, and metric points). */
function noteActivity(tally: Tally, session: SessionRecords, points: readonly PointDraft[]): void {
  const user = session.plan.user
  if (user.eventsOn)
    tally.activity(
      user.key,
      session.events.map((e) => e.ms),
    )
  tally.activity(
    user.key,
    points.map((p) => p.endMs),
  )
}

/** Counts what a run would send (and its truths) without building or sending anything. */
export function countFleet(options: Pick<SimulateOptions, 'users' | 'days' | 'seed' | 'end' | 'temporality' | 'metricIntervalSeconds'>): Truths {
  const period = resolvePeriod(options.days, options.end)
  const tally = new Tally({ from: new Date(period.from), to: new Date(period.end) })
  const users = planUsers({ seed: options.seed, users: options.users, days: options.days })
  const intervalMs = (options.metricIntervalSeconds ?? 60) * 1000
  for (const { user, sessions } of generate(options.seed, users, period, tally)) {
    for (const s of sessions) {
      const points = exportPoints(s, intervalMs, options.temporality)
      if (user.eventsOn) tally.t.logRecords += s.events.length
      tally.t.metricPoints += points.length
      noteActivity(tally, s, points)
    }
  }
  return tally.snapshot()
}

function captureDiag(messages: string[], partial: string[]): void {
  const note =
    (level: string) =>
    (message: string, ...args: unknown[]) => {
      const text = [message, ...args.map((a) => (a instanceof Error ? a.message : typeof a === 'string' ? a : JSON.stringify(a)))].join(' ')
      if (message.includes('Partial Success')) partial.push(text)
      else messages.push(`otel ${level}: ${text}`)
    }
  const logger: DiagLogger = { error: note('error'), warn: note('warn'), info: () => {}, debug: () => {}, verbose: () => {} }
  diag.setLogger(logger, { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true })
}

export async function simulate(options: SimulateOptions): Promise<SimulateResult> {
  if (!Number.isInteger(options.users) || options.users < 1) throw new Error('users must be a positive integer')
  if (!Number.isInteger(options.days) || options.days < 1) throw new Error('days must be a positive integer')
  const period = resolvePeriod(options.days, options.end)
  const intervalMs = (options.metricIntervalSeconds ?? 60) * 1000
  const batchSize = options.batchSize ?? 4000
  const maxPoints = options.maxPointsPerExport ?? 6000

  const countStarted = performance.now()
  const expected = countFleet({ ...options, end: new Date(period.end) })
  const countSeconds = (performance.now() - countStarted) / 1000
  const total = expected.logRecords + expected.metricPoints

  const stream = options.progress === true ? process.stderr : options.progress === false ? undefined : options.progress
  const progress = stream ? new Progress(total, { stream }) : undefined
  const say = options.onMessage ?? ((line: string) => (progress ? progress.note(line) : undefined))

  const emptyStats: SendStats = { exports: 0, retries: 0, minConcurrency: options.concurrency ?? 8 }
  if (options.dryRun) {
    return {
      truths: expected,
      seed: options.seed,
      protocol: options.protocol,
      temporality: options.temporality,
      seconds: 0,
      countSeconds,
      records: 0,
      recordsPerSecond: 0,
      stats: emptyStats,
      partialSuccess: [],
      spans: 0,
    }
  }

  const grpcEndpoint = options.grpcEndpoint ?? `http://${new URL(options.endpoint).hostname}:4317`
  const concurrency = options.concurrency ?? 8
  const exporters = createExporters({
    protocol: options.protocol,
    endpoint: options.endpoint,
    grpcEndpoint,
    token: options.token,
    compression: options.compression ?? 'none',
    timeoutMillis: options.timeoutMillis ?? 60_000,
    concurrencyLimit: concurrency * 2 + 4,
  })
  const diagMessages: string[] = []
  const partial: string[] = []
  captureDiag(diagMessages, partial)
  const sender = new Sender(exporters, {
    concurrency,
    maxAttempts: options.maxAttempts ?? 8,
    onSent: (records) => progress?.add(records),
    onRetry: say,
  })

  const tally = new Tally({ from: new Date(period.from), to: new Date(period.end) })
  const users = planUsers({ seed: options.seed, users: options.users, days: options.days })
  const started = performance.now()
  let spans = 0
  try {
    let logs: ReadableLogRecord[] = []
    const flushLogs = async (all: boolean) => {
      while (logs.length >= batchSize || (all && logs.length > 0)) {
        const payload = logs.length > batchSize ? logs.slice(0, batchSize) : logs
        logs = logs.length > batchSize ? logs.slice(batchSize) : []
        await sender.submit({ signal: 'logs', payload, records: payload.length })
      }
    }
    for (const { user, sessions } of generate(options.seed, users, period, tally)) {
      let group: Array<{ session: SessionRecords; points: PointDraft[] }> = []
      let groupPoints = 0
      const flushMetrics = async () => {
        if (group.length === 0) return
        await sender.submit({ signal: 'metrics', payload: resourceMetrics(user, group, options.temporality), records: groupPoints })
        group = []
        groupPoints = 0
      }
      for (const session of sessions) {
        const points = exportPoints(session, intervalMs, options.temporality)
        tally.t.metricPoints += points.length
        noteActivity(tally, session, points)
        if (groupPoints > 0 && groupPoints + points.length > maxPoints) await flushMetrics()
        group.push({ session, points })
        groupPoints += points.length
        if (user.eventsOn && session.events.length > 0) {
          const records = logRecords(session)
          tally.t.logRecords += records.length
          for (const r of records) logs.push(r)
          if (options.traces) {
            const payload = sessionSpans(session)
            spans += payload.length
            // Not in the progress bar's records (the truths count logs and metric points).
            if (payload.length > 0) await sender.submit({ signal: 'traces', payload, records: 0 })
          }
        }
      }
      await flushMetrics()
      await flushLogs(false)
      for (const m of diagMessages.splice(0)) say(m)
    }
    await flushLogs(true)
    await sender.drain()
  } finally {
    for (const m of diagMessages.splice(0)) say(m)
    await exporters.shutdown().catch(() => {})
    diag.disable()
  }
  progress?.finish()
  const seconds = (performance.now() - started) / 1000
  const truths = tally.snapshot()
  if (JSON.stringify(truths) !== JSON.stringify(expected)) throw new Error('the sending pass generated a different fleet than the counting pass')
  for (const p of partial) say(`collector refused records: ${p}`)
  return {
    truths,
    seed: options.seed,
    protocol: options.protocol,
    temporality: options.temporality,
    seconds,
    countSeconds,
    records: total,
    recordsPerSecond: total / seconds,
    stats: sender.stats,
    partialSuccess: partial,
    spans,
  }
}
