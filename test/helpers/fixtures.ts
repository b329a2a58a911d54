import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Signal } from '../../schemas/otlp'
import { decodeBody } from '../../collector/otlp/decode'
import type { ExportBatch } from '../../collector/ingest'

/** The captured Claude Code payloads shipped beside the repository (../shared/fixtures/claude-code). */
export const FIXTURES_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../shared/fixtures/claude-code')

export const FIXTURE_FOLDERS = ['http-json-delta', 'http-protobuf-delta', 'http-protobuf-cumulative', 'http-json-traces'] as const
export type FixtureFolder = (typeof FIXTURE_FOLDERS)[number]

/** What the fixtures' README states for every folder, and the CLI's own total_cost_usd sums. */
export const FIXTURE_TRUTH = {
  users: 2,
  sessions: 4,
  apiRequests: 7,
  policyDenials: 1,
  toolDecisions: 3,
  costUsd: {
    'http-json-delta': 0.01918 + 0.01942 + 0.01946 + 0.00954,
    'http-protobuf-delta': 0.01926 + 0.0193 + 0.01954 + 0.00958,
    'http-protobuf-cumulative': 0.01914 + 0.01938 + 0.01952 + 0.00952,
    'http-json-traces': 0.01922 + 0.01936 + 0.0195 + 0.00956,
  } satisfies Record<FixtureFolder, number>,
}

export interface CapturedRequest {
  name: string
  signal: Signal
  url: string
  headers: Record<string, string>
  body: Buffer
}

/** A folder's requests in arrival order, each with the headers the CLI sent. */
export function loadFixture(folder: FixtureFolder): CapturedRequest[] {
  const dir = path.join(FIXTURES_DIR, folder)
  if (!fs.existsSync(dir)) throw new Error(`Claude Code fixtures not found at ${dir}: the tests expect the shared/ folder beside this repository`)
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.headers.json'))
    .sort()
    .map((file) => {
      const meta = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as { url: string; headers: Record<string, string> }
      const base = file.replace(/\.headers\.json$/, '')
      const bodyFile = fs.existsSync(path.join(dir, `${base}.pb`)) ? `${base}.pb` : `${base}.json`
      const signal = meta.url.replace('/v1/', '') as Signal
      return { name: base, signal, url: meta.url, headers: meta.headers, body: fs.readFileSync(path.join(dir, bodyFile)) }
    })
}

/** Headers worth replaying (the transport-level ones are the client's business). */
export function replayHeaders(request: CapturedRequest): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(request.headers)) {
    if (!['host', 'content-length', 'connection'].includes(k.toLowerCase())) out[k] = v
  }
  return out
}

export async function replay(baseUrl: string, requests: CapturedRequest[]): Promise<Response[]> {
  const responses: Response[] = []
  for (const request of requests) {
    responses.push(await fetch(`${baseUrl}${request.url}`, { method: 'POST', headers: replayHeaders(request), body: new Uint8Array(request.body) }))
  }
  return responses
}

function decoded(request: CapturedRequest): ExportBatch {
  const encoding = request.headers['content-type']?.includes('protobuf') ? 'protobuf' : 'json'
  return decodeBody(request.signal, encoding, request.body)
}

/** [first, last] record time of a folder in milliseconds, from the payloads themselves. */
export function fixtureWindow(requests: CapturedRequest[]): { from: Date; to: Date } {
  let min = Number.POSITIVE_INFINITY
  let max = 0
  const see = (nanos: string | number | null | undefined) => {
    const ms = Number(BigInt(nanos ?? 0) / 1_000_000n)
    if (ms > 0) {
      min = Math.min(min, ms)
      max = Math.max(max, ms)
    }
  }
  for (const request of requests) {
    const batch = decoded(request)
    if (batch.signal === 'logs')
      for (const rl of batch.request.resourceLogs ?? []) for (const sl of rl.scopeLogs ?? []) for (const r of sl.logRecords ?? []) see(r.timeUnixNano)
    if (batch.signal === 'metrics')
      for (const rm of batch.request.resourceMetrics ?? [])
        for (const sm of rm.scopeMetrics ?? [])
          for (const m of sm.metrics ?? []) for (const p of m.sum?.dataPoints ?? m.gauge?.dataPoints ?? []) see(p.timeUnixNano)
  }
  return { from: new Date(min), to: new Date(max + 1) }
}
