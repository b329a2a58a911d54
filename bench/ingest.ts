import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import * as grpc from '@grpc/grpc-js'
import { normalizeLogs } from '../collector/normalize/logs'
import { normalizeMetrics } from '../collector/normalize/metrics'
import { grpcServices, requestTypes } from '../collector/otlp/proto'
import type { ExportLogsRequest, ExportMetricsRequest } from '../schemas/otlp'
import { generateFleet } from '../test/helpers/fleet'
import type { Warehouse } from '../warehouse/client'
import { samplePeakMemory, startChild } from './child'

/**
 * Ingest throughput: Claude Code-shaped requests (the deterministic fleet of test/helpers/fleet.ts, one
 * request per session and signal, as the CLI sends them) through a ccscope child process, timed from the
 * first request to the last acknowledgement (acknowledged = committed). The baseline inserts the very
 * same rows, already normalized, as JSONEachRow straight into the engine from this process.
 */

export type Protocol = 'http/protobuf' | 'http/json' | 'grpc'

export interface Workload {
  requests: { signal: 'logs' | 'metrics'; json: string; protobuf: Uint8Array; records: number; body: ExportLogsRequest | ExportMetricsRequest }[]
  records: number
}

function recordsOf(signal: 'logs' | 'metrics', body: ExportLogsRequest | ExportMetricsRequest): number {
  if (signal === 'logs')
    return ((body as ExportLogsRequest).resourceLogs ?? []).reduce((n, rl) => n + (rl.scopeLogs ?? []).reduce((m, sl) => m + (sl.logRecords ?? []).length, 0), 0)
  let n = 0
  for (const rm of (body as ExportMetricsRequest).resourceMetrics ?? [])
    for (const sm of rm.scopeMetrics ?? [])
      for (const m of sm.metrics ?? []) n += (m.sum?.dataPoints ?? m.gauge?.dataPoints ?? m.histogram?.dataPoints ?? []).length
  return n
}

/** About `users` × `days` of fleet activity ending yesterday, pre-encoded for every protocol. */
export function buildWorkload(users: number, days: number, seed = 1): Workload {
  const today = new Date()
  const start = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() - days - 1))
  const fleet = generateFleet({ seed, users, days, start })
  const requests = fleet.requests.map((r) => ({
    signal: r.signal,
    body: r.body,
    json: JSON.stringify(r.body),
    protobuf: requestTypes[r.signal].encode(requestTypes[r.signal].fromObject(r.body as unknown as Record<string, unknown>)).finish(),
    records: recordsOf(r.signal, r.body),
  }))
  return { requests, records: requests.reduce((n, r) => n + r.records, 0) }
}

async function pool<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await work(items[next++]!)
    }),
  )
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

export interface SendStats {
  retries: number
  /** 429/503 answers. */
  refused: number
  /** Connections refused or reset. */
  networkErrors: number
}

/** Sends every request like an OTel exporter: on 429/503 waits Retry-After and sends again. */
export async function sendAll(workload: Workload, protocol: Protocol, ports: { otlpHttp: number; otlpGrpc: number }, concurrency: number): Promise<SendStats> {
  const stats: SendStats = { retries: 0, refused: 0, networkErrors: 0 }
  if (protocol === 'grpc') {
    // A fleet is many processes, each with its own connection; ccscope allows 100 concurrent calls per
    // connection (grpc.max_concurrent_streams), so the senders share one connection per 100, not one in all.
    const clients = Array.from(
      { length: Math.max(1, Math.ceil(concurrency / 100)) },
      () => new grpc.Client(`127.0.0.1:${ports.otlpGrpc}`, grpc.credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1 }),
    )
    let next = 0
    const call = (path: string, bytes: Uint8Array) => {
      const client = clients[next++ % clients.length]!
      return new Promise<grpc.ServiceError | null>((resolve) =>
        client.makeUnaryRequest(path, (b: Uint8Array) => Buffer.from(b), (b: Buffer) => b, bytes, new grpc.Metadata(), (error) => resolve(error)),
      )
    }
    await pool(workload.requests, concurrency, async (r) => {
      for (;;) {
        const error = await call(grpcServices[r.signal].path, r.protobuf)
        if (!error) return
        if (error.code !== grpc.status.UNAVAILABLE && error.code !== grpc.status.RESOURCE_EXHAUSTED) throw error
        stats.retries++
        await sleep(200)
      }
    })
    for (const client of clients) client.close()
    return stats
  }
  const json = protocol === 'http/json'
  await pool(workload.requests, concurrency, async (r) => {
    for (;;) {
      let res: Response
      try {
        res = await fetch(`http://127.0.0.1:${ports.otlpHttp}/v1/${r.signal}`, {
          method: 'POST',
          headers: { 'content-type': json ? 'application/json' : 'application/x-protobuf' },
          body: json ? r.json : Buffer.from(r.protobuf),
        })
        await res.arrayBuffer()
      } catch {
        // A refused or reset connection: exporters retry those too.
        stats.retries++
        stats.networkErrors++
        await sleep(500)
        continue
      }
      if (res.status === 200) return
      if (res.status !== 429 && res.status !== 503) throw new Error(`HTTP ${res.status}`)
      stats.retries++
      stats.refused++
      await sleep(Number(res.headers.get('retry-after') ?? 1) * 1000)
    }
  })
  return stats
}

export interface IngestRun {
  seconds: number
  recordsPerSecond: number
  retries: number
  peakRssMb: number
  /** Peak anonymous RSS (no file-backed pages such as the engine's code). */
  peakAnonMb?: number
}

/** One end-to-end run on a fresh data directory (start-up not timed). */
export async function ingestRun(workload: Workload, protocol: Protocol, concurrency = 1000): Promise<IngestRun> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ccscope-bench-ingest-'))
  const child = await startChild(dir)
  const memory = samplePeakMemory(child)
  try {
    const began = performance.now()
    const stats = await sendAll(workload, protocol, child.ports, concurrency)
    const seconds = (performance.now() - began) / 1000
    return { seconds, recordsPerSecond: workload.records / seconds, retries: stats.retries, ...memory.stop() }
  } finally {
    memory.stop()
    await child.stop()
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

const RAW_TABLES = ['events', 'metric_points', 'usage_events_15m', 'usage_metrics_15m', 'activity_15m', 'tools_15m', 'policy_events', 'usage_event_coverage']

/** The same rows, normalized beforehand, inserted as JSONEachRow in the writer's batch size. */
export async function baselineRun(client: Warehouse, workload: Workload, batchRows = 50_000): Promise<IngestRun> {
  for (const table of RAW_TABLES) await client.command({ query: `TRUNCATE TABLE ${table}` })
  const limits = { nowMs: Date.now(), maxRecordAgeMs: 400 * 86_400_000, maxClockSkewMs: 86_400_000 }
  const events = workload.requests.filter((r) => r.signal === 'logs').flatMap((r) => normalizeLogs(r.body as ExportLogsRequest, limits).rows)
  // The fleet is delta temporality: each point adds its value (what the writer's delta step computes).
  const points = workload.requests
    .filter((r) => r.signal === 'metrics')
    .flatMap((r) => normalizeMetrics(r.body as ExportMetricsRequest, limits).rows)
    .map((p) => ({ ...p, delta: p.temporality === 'delta' ? p.value : 0 }))
  const began = performance.now()
  const tables: [string, object[]][] = [
    ['events', events],
    ['metric_points', points],
  ]
  for (const [table, rows] of tables)
    for (let i = 0; i < rows.length; i += batchRows)
      await client.insert({ table, values: rows.slice(i, i + batchRows), format: 'JSONEachRow', clickhouse_settings: { async_insert: 0 } })
  const seconds = (performance.now() - began) / 1000
  return { seconds, recordsPerSecond: workload.records / seconds, retries: 0, peakRssMb: process.memoryUsage().rss / 2 ** 20 }
}
