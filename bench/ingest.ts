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
import { insertRows } from '../warehouse/columns'
import { DERIVED_TABLES, RETENTION_TABLES } from '../warehouse/retention'
import type { EventRow, MetricPointRow, TableRows } from '../warehouse/rows'
import { samplePeakMemory, startChild } from './child'

/**
 * Ingest throughput: Claude Code-shaped requests (the deterministic fleet of test/helpers/fleet.ts, one
 * request per session and signal, as the CLI sends them) through a ccscope child process, timed from the
 * first request to the last acknowledgement (acknowledged = committed). Two baselines insert the very
 * same rows, already normalized, straight into the engine from this process: into view-less copies of the
 * raw tables (the engine's limit) and into the full schema with its rollup views (what storage costs).
 */

export type Protocol = 'http/protobuf' | 'http/json' | 'grpc'

export interface Workload {
  requests: { signal: 'logs' | 'metrics'; json: string; protobuf: Uint8Array; records: number; body: ExportLogsRequest | ExportMetricsRequest }[]
  records: number
}

function recordsOf(signal: 'logs' | 'metrics', body: ExportLogsRequest | ExportMetricsRequest): number {
  if (signal === 'logs')
    return ((body as ExportLogsRequest).resourceLogs ?? []).reduce(
      (n, rl) => n + (rl.scopeLogs ?? []).reduce((m, sl) => m + (sl.logRecords ?? []).length, 0),
      0,
    )
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
        client.makeUnaryRequest(
          path,
          (b: Uint8Array) => Buffer.from(b),
          (b: Buffer) => b,
          bytes,
          new grpc.Metadata(),
          (error) => resolve(error),
        ),
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
  // The bench's senders all connect from 127.0.0.1; a fleet's come from many addresses. With the per-address
  // bounds (1,024 connections and 16 MiB in flight per address, meant for one hostile client) the 1,000
  // senders would measure those bounds: connections reset past 1,024 (undici opens a few more while old ones
  // close) and a quarter of the budget. They are lifted here; the total bounds stay (npm run probe checks both).
  const child = await startChild(dir, { CCSCOPE_MAX_CONNECTIONS_PER_ADDRESS: '0', CCSCOPE_MAX_INFLIGHT_BYTES_PER_ADDRESS: '0' })
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

/** The tables an insert feeds: the raw ones and every view-fed one (emptied between baseline runs). */
const FED_TABLES = [...Object.keys(RETENTION_TABLES.raw), ...Object.keys(DERIVED_TABLES)]

/** Where the engine-limit baseline writes: the raw tables' structure and engine, with no views on them. */
export const PLAIN_DATABASE = 'bench_plain'

export type BaselineKind = 'plain' | 'full'

/** Creates the view-less copies of the raw tables the plain baseline writes to (once per warehouse). */
export async function preparePlainTables(client: Warehouse): Promise<void> {
  await client.command({ query: `CREATE DATABASE IF NOT EXISTS ${PLAIN_DATABASE}` })
  for (const table of Object.keys(RETENTION_TABLES.raw)) await client.command({ query: `CREATE TABLE IF NOT EXISTS ${PLAIN_DATABASE}.${table} AS ${table}` })
}

/** The workload's rows as the writer inserts them: normalized, with delta values (the fleet sends delta temporality). */
export function normalizedRows(workload: Workload): { events: EventRow[]; points: MetricPointRow[] } {
  const limits = { nowMs: Date.now(), maxRecordAgeMs: 400 * 86_400_000, maxClockSkewMs: 86_400_000 }
  const events = workload.requests.filter((r) => r.signal === 'logs').flatMap((r) => normalizeLogs(r.body as ExportLogsRequest, limits).rows)
  const points = workload.requests
    .filter((r) => r.signal === 'metrics')
    .flatMap((r) => normalizeMetrics(r.body as ExportMetricsRequest, limits).rows)
    .map((p) => ({ ...p, delta: p.temporality === 'delta' ? p.value : 0 }))
  return { events, points }
}

/**
 * The same rows, normalized beforehand, inserted straight into the engine from this process in the writer's
 * format (JSONCompactEachRow, warehouse/columns.ts) and batch size: `plain` into tables without views (what
 * the engine can take at all), `full` into the real schema with every rollup view (what storage costs).
 */
export async function baselineRun(
  client: Warehouse,
  rows: ReturnType<typeof normalizedRows>,
  records: number,
  kind: BaselineKind,
  batchRows = 50_000,
): Promise<IngestRun> {
  const prefix = kind === 'plain' ? `${PLAIN_DATABASE}.` : ''
  const tables = kind === 'plain' ? Object.keys(RETENTION_TABLES.raw) : FED_TABLES
  for (const table of tables) await client.command({ query: `TRUNCATE TABLE ${prefix}${table}` })
  const began = performance.now()
  const insert = async <T extends 'events' | 'metric_points'>(table: T, all: TableRows[T][]) => {
    for (let i = 0; i < all.length; i += batchRows) await insertRows(client, table, all.slice(i, i + batchRows), `${prefix}${table}`)
  }
  await insert('events', rows.events)
  await insert('metric_points', rows.points)
  const seconds = (performance.now() - began) / 1000
  return { seconds, recordsPerSecond: records / seconds, retries: 0, peakRssMb: process.memoryUsage().rss / 2 ** 20 }
}
