/**
 * The demo's live part: the fleet keeps working after its history ends. Sessions are planned as the
 * simulator plans them (fleet.ts: each user's days, office hours in their time zone, weekends), fully
 * simulated (session.ts), and each record is sent when its time comes, through the real OpenTelemetry
 * exporters (http/protobuf, delta temporality, like Claude Code) into ccscope's own OTLP receiver: log
 * records every few seconds (the CLI's batch export), metric points at their export times.
 *
 * Rate: what the fleet does at that hour. 200 developers start about 250–300 sessions a weekday
 * (a few an hour at night, a few every ten minutes in the busy hours), each sending records for a
 * quarter of an hour or so; weekends are quiet.
 */
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs'
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base'
import { createExporters, type Protocol } from './exporters'
import { DAY, HOUR, planDay, type Period, type SessionPlan, type SimUser } from './fleet'
import { exportPoints, type PointDraft } from './metrics'
import { logRecords, resourceMetrics } from './otlp'
import { Rng } from './random'
import { Sender } from './send'
import { SessionSim, type SessionRecords } from './session'
import { sessionSpans } from './traces'
import { Tally } from './truths'

export interface LiveOptions {
  users: readonly SimUser[]
  seed: number
  /** The demo's period: live days are numbered on from it, as the history's were. */
  period: Period
  /** Sessions starting at or after this are streamed (records already due are sent at once). */
  fromMs: number
  /** OTLP/HTTP base URL. */
  endpoint: string
  token?: string
  protocol?: Protocol
  /** How often due records are sent (the CLI exports log records every 5 s). */
  tickMs?: number
  /** Where failures and notices go. */
  onMessage?: (line: string) => void
  now?: () => number
}

export interface LiveStats {
  sessions: number
  logRecords: number
  metricPoints: number
  /** api_request log records sent. */
  apiRequests: number
  /** Ticks completed (every record due at a tick's start is acknowledged by its end). */
  ticks: number
}

export interface LiveStream {
  readonly stats: LiveStats
  stop(): Promise<void>
}

interface Running {
  session: SessionRecords
  logs: ReadableLogRecord[]
  points: PointDraft[]
  /** Beta traces, each span sent once it has ended (as the SDK's span processor does). */
  spans: ReadableSpan[]
  nextLog: number
  nextPoint: number
  nextSpan: number
}

const METRIC_INTERVAL_MS = 60_000
/** A session's records all fall within this of its start (simulator deadline). */
const SESSION_SPAN_MS = 12 * HOUR
const LOG_BATCH = 4000

function spanEndMs(span: ReadableSpan): number {
  return span.endTime[0] * 1000 + span.endTime[1] / 1e6
}

function msOf(record: ReadableLogRecord): number {
  return record.hrTime[0] * 1000 + Math.floor(record.hrTime[1] / 1_000_000)
}

export function startLive(options: LiveOptions): LiveStream {
  const now = options.now ?? Date.now
  const say = options.onMessage ?? (() => {})
  const protocol = options.protocol ?? 'http/protobuf'
  const exporters = createExporters({
    protocol,
    endpoint: options.endpoint,
    grpcEndpoint: `http://${new URL(options.endpoint).hostname}:4317`,
    token: options.token,
    compression: 'none',
    timeoutMillis: 30_000,
    concurrencyLimit: 8,
  })
  const stats: LiveStats = { sessions: 0, logRecords: 0, metricPoints: 0, apiRequests: 0, ticks: 0 }
  const newSender = () => new Sender(exporters, { concurrency: 2, maxAttempts: 6, onSent: () => {}, onRetry: say })
  let sender = newSender()
  const tally = new Tally({ from: new Date(options.fromMs), to: new Date(options.fromMs + 3650 * DAY) })
  /** Sessions planned, not started yet (in start order), and sessions started, with their records. */
  let planned: SessionPlan[] = []
  const running: Running[] = []
  // Local days start up to 14 h before their UTC date: begin one day early, so no session of the live period is missed.
  let nextDay = Math.max(0, Math.floor((options.fromMs - options.period.firstUtcMidnight) / DAY) - 1)

  /** Plans the sessions of every day that can start before tomorrow; simulates those whose start has come. */
  const planAhead = (t: number) => {
    const window = { from: options.fromMs, lastStart: Number.MAX_SAFE_INTEGER }
    let added = false
    while (options.period.firstUtcMidnight + nextDay * DAY <= t + DAY) {
      for (const user of options.users) planned.push(...planDay(options.seed, user, nextDay, options.period.days, options.period.firstUtcMidnight, window))
      nextDay++
      added = true
    }
    if (added) planned.sort((a, b) => a.startMs - b.startMs)
    let started = 0
    while (started < planned.length && (planned[started] as SessionPlan).startMs <= t) started++
    // Simulated only once started: what is held in memory is the sessions running now.
    for (const plan of planned.slice(0, started)) {
      const session = new SessionSim(new Rng(plan.seed), plan, tally, plan.startMs + SESSION_SPAN_MS).run()
      running.push({
        session,
        logs: plan.user.eventsOn ? logRecords(session) : [],
        points: exportPoints(session, METRIC_INTERVAL_MS, 'delta').sort((a, b) => a.endMs - b.endMs),
        spans: plan.user.eventsOn ? sessionSpans(session).sort((a, b) => spanEndMs(a) - spanEndMs(b)) : [],
        nextLog: 0,
        nextPoint: 0,
        nextSpan: 0,
      })
    }
    planned = planned.slice(started)
  }

  /** Sends every record whose time has come. */
  const sendDue = async (t: number) => {
    const logs: ReadableLogRecord[] = []
    const spans: ReadableSpan[] = []
    for (const r of running) {
      while (r.nextSpan < r.spans.length && spanEndMs(r.spans[r.nextSpan] as ReadableSpan) <= t) spans.push(r.spans[r.nextSpan++] as ReadableSpan)
      const started = r.nextLog > 0 || r.nextPoint > 0
      while (r.nextLog < r.logs.length && msOf(r.logs[r.nextLog] as ReadableLogRecord) <= t) logs.push(r.logs[r.nextLog++] as ReadableLogRecord)
      const from = r.nextPoint
      while (r.nextPoint < r.points.length && (r.points[r.nextPoint] as PointDraft).endMs <= t) r.nextPoint++
      if (r.nextPoint > from) {
        const points = r.points.slice(from, r.nextPoint)
        await sender.submit({
          signal: 'metrics',
          payload: resourceMetrics(r.session.plan.user, [{ session: r.session, points }], 'delta'),
          records: points.length,
        })
        stats.metricPoints += points.length
      }
      if (!started && (r.nextLog > 0 || r.nextPoint > 0)) stats.sessions++
    }
    for (let i = 0; i < logs.length; i += LOG_BATCH) {
      const batch = logs.slice(i, i + LOG_BATCH)
      await sender.submit({ signal: 'logs', payload: batch, records: batch.length })
    }
    for (let i = 0; i < spans.length; i += LOG_BATCH) {
      const batch = spans.slice(i, i + LOG_BATCH)
      await sender.submit({ signal: 'traces', payload: batch, records: batch.length })
    }
    stats.logRecords += logs.length
    stats.apiRequests += logs.filter((l) => l.attributes['event.name'] === 'api_request').length
    await sender.drain()
    // Finished sessions leave.
    for (let i = running.length - 1; i >= 0; i--) {
      const r = running[i] as Running
      if (r.nextLog >= r.logs.length && r.nextPoint >= r.points.length && r.nextSpan >= r.spans.length) running.splice(i, 1)
    }
  }

  let timer: NodeJS.Timeout | undefined
  let stopped = false
  let tick: Promise<void> = Promise.resolve()
  const loop = () => {
    tick = (async () => {
      const t = now()
      try {
        planAhead(t)
        await sendDue(t)
      } catch (error) {
        // ccscope refused or did not answer for good: say so, and carry on with the next records.
        say(`demo live: an export failed: ${(error as Error).message}`)
        sender = newSender()
      }
      stats.ticks++
    })()
    void tick.then(() => {
      if (!stopped) timer = setTimeout(loop, options.tickMs ?? 5000)
    })
  }
  loop()

  return {
    stats,
    async stop() {
      stopped = true
      if (timer) clearTimeout(timer)
      await tick
      await exporters.shutdown().catch(() => {})
    },
  }
}
