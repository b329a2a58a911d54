import zlib from 'node:zlib'
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs'
import type { ResourceMetrics } from '@opentelemetry/sdk-metrics'
import { planUsers, resolvePeriod } from '../../simulator/fleet'
import { exportPoints, type PointDraft, type Temporality } from '../../simulator/metrics'
import { logRecords, resourceMetrics } from '../../simulator/otlp'
import { logsJson, logsProtobuf, metricsJson, metricsProtobuf } from '../../simulator/otlp-json'
import type { Rng } from '../../simulator/random'
import { generate } from '../../simulator/run'
import type { SessionRecords } from '../../simulator/session'
import { Tally } from '../../simulator/truths'
import { addEvent, addPoint, type Totals, zeroTotals } from './totals'

/**
 * The crash test's telemetry: the simulator's sessions (simulator/run.ts), their records built and
 * encoded as a Claude Code exporter sends them (simulator/otlp.ts, simulator/otlp-json.ts: the SDK's own
 * JSON and protobuf serializers), each record marked so that the verifier can find it again (events by
 * `crash.seq`, metric points by `crash.stream` + time), with what each request adds to every figure when
 * it is stored exactly once, counted from the records it holds.
 */

export type Encoding = 'json' | 'protobuf'
export type Transport = 'http' | 'grpc'

export interface Batch {
  /** Unique per request, e.g. "events1-42". */
  key: string
  signal: 'logs' | 'metrics'
  transport: Transport
  /** 'protobuf' for gRPC. */
  encoding: Encoding
  gzip: boolean
  /** The bytes on the wire: a retry re-sends exactly these, as an exporter does. */
  body: Buffer
  /** Events' crash.seq values, or metric points' `crash.stream|timeNanos` keys. */
  keys: string[]
  adds: Totals
}

export interface Source {
  next(): Batch
}

/** OTLP/HTTP (protobuf or JSON, gzip or not) for two requests in three, OTLP/gRPC for the third. */
function wire(rng: Rng): { transport: Transport; encoding: Encoding; gzip: boolean } {
  if (rng.chance(1 / 3)) return { transport: 'grpc', encoding: 'protobuf', gzip: false }
  return { transport: 'http', encoding: rng.chance(0.5) ? 'protobuf' : 'json', gzip: rng.chance(0.5) }
}

const zipped = (bytes: Buffer, gzip: boolean) => (gzip ? zlib.gzipSync(bytes) : bytes)

/** Sessions are simulated over the last days, so that one INSERT writes parts in several daily partitions. */
const DAYS = 3
const USERS = 5
/** Claude Code's default metric export interval. */
const INTERVAL_MS = 60_000

/** Simulated sessions without end: a fleet of a few users over the last days, then another (new seed). */
function* sessions(rng: Rng): Generator<SessionRecords> {
  for (;;) {
    const seed = rng.int(1, 2 ** 31 - 1)
    const period = resolvePeriod(DAYS)
    const tally = new Tally({ from: new Date(period.from), to: new Date(period.end) })
    for (const day of generate(seed, planUsers({ seed, users: USERS, days: DAYS }), period, tally)) yield* day.sessions
  }
}

function nextOf<T>(iterator: Iterator<T>): T {
  const step = iterator.next()
  if (step.done) throw new Error('the simulated sessions ran out')
  return step.value
}

/**
 * Claude Code events of simulated sessions, `sizes` records a request: one session's records, numbered
 * once (event.sequence) in time order, and when it ends the next session's, as an OTel collector in front
 * of ccscope batches several processes' exports (grouped in the request by their resource).
 */
export function eventSource(name: string, rng: Rng, sizes: [number, number]): Source {
  const stream = sessions(rng)
  const pending: ReadableLogRecord[] = []
  let batchNo = 0
  let seq = 0
  return {
    next() {
      batchNo++
      const size = rng.int(sizes[0], sizes[1])
      // Metrics-only installs send no events: their sessions add none.
      while (pending.length < size) pending.push(...logRecords(nextOf(stream)))
      const records = pending.splice(0, size)
      const adds = zeroTotals()
      const keys: string[] = []
      const marked = records.map((r) => {
        const key = `${name}-${++seq}`
        keys.push(key)
        addEvent(adds, r.attributes)
        return { ...r, attributes: { ...r.attributes, 'crash.seq': key } }
      })
      const { transport, encoding, gzip } = wire(rng)
      const bytes = encoding === 'json' ? Buffer.from(JSON.stringify(logsJson(marked))) : logsProtobuf(marked)
      return { key: `${name}-${batchNo}`, signal: 'logs', transport, encoding, gzip, body: zipped(bytes, gzip), keys, adds }
    },
  }
}

/** One simulated process's metric exports, one collection after the other. */
interface Exporting {
  session: SessionRecords
  collections: PointDraft[][]
}

function exporting(session: SessionRecords, temporality: Temporality): Exporting {
  const byTime = new Map<number, PointDraft[]>()
  for (const p of exportPoints(session, INTERVAL_MS, temporality)) byTime.set(p.endMs, [...(byTime.get(p.endMs) ?? []), p])
  return { session, collections: [...byTime.values()] }
}

/**
 * Claude Code's counters of `concurrent` simulated sessions at a time, whose events are not sent (so
 * their cost counts): each request is one collection of one session's metric reader, in the session's
 * order (a cumulative series' running total grows from one to the next); the sessions take turns.
 */
export function metricSource(name: string, rng: Rng, temporality: Temporality, concurrent: number): Source {
  const stream = sessions(rng)
  const running: Exporting[] = []
  /** Cumulative: each stream's last running total, in the unit the totals count. */
  const previous = temporality === 'cumulative' ? new Map<string, number>() : undefined
  let batchNo = 0
  return {
    next() {
      batchNo++
      const turn = (batchNo - 1) % concurrent
      let current = running[turn]
      while (!current || current.collections.length === 0) {
        current = exporting(nextOf(stream), temporality)
        running[turn] = current
      }
      const { session } = current
      const points = current.collections.shift() ?? []
      // Each series marked as its own stream: its points are found again by mark and time.
      const marks = session.series.map((_, i) => `${name}|${session.sessionId}|${i}`)
      const series = session.series.map((s, i) => ({ ...s, attrs: { ...s.attrs, 'crash.stream': marks[i] ?? '' } }))
      const adds = zeroTotals()
      const keys: string[] = []
      for (const p of points) {
        const mark = marks[p.series]
        const s = session.series[p.series]
        if (mark === undefined || s === undefined) continue
        keys.push(`${mark}|${BigInt(p.endMs) * 1_000_000n}`)
        addPoint(adds, s, p, previous, mark)
      }
      const metrics: ResourceMetrics = resourceMetrics(session.plan.user, [{ session: { sessionId: session.sessionId, series }, points }], temporality)
      const { transport, encoding, gzip } = wire(rng)
      const bytes = encoding === 'json' ? Buffer.from(JSON.stringify(metricsJson(metrics))) : metricsProtobuf(metrics)
      return { key: `${name}-${batchNo}`, signal: 'metrics', transport, encoding, gzip, body: zipped(bytes, gzip), keys, adds }
    },
  }
}
