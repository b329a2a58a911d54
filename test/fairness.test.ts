import * as grpc from '@grpc/grpc-js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ExportLogsRequest } from '../schemas/otlp'
import { startTestCcscope, type TestCcscope } from './helpers/ccscope'
import { exportLogsGrpc } from './helpers/grpc-export'
import { apiRequest, events } from './helpers/otlp-factory'

/**
 * Fair shares of the in-flight budget between the receivers: a flood on OTLP/HTTP leaves OTLP/gRPC
 * room, and the reverse (each keeps a reserved part of the budget). Every sender retries like an
 * exporter until acknowledged; the quiet receiver's requests must be accepted at least 9 times in 10.
 * (Before each receiver kept a share, gRPC calls starved under an HTTP flood: HTTP requests wait for room
 * in a queue, and took every byte given back before a gRPC call, refused at once, could.)
 */

const BUDGET = 2 * 1024 * 1024
/** Records per request: the flood's, and the quiet receiver's (larger, but within its reserved quarter of the budget). */
const RECORDS = { loud: 25, quiet: 100 }

let cc: TestCcscope
let grpcClient: grpc.Client

beforeAll(async () => {
  cc = await startTestCcscope({ CCSCOPE_MAX_INFLIGHT_BYTES: String(BUDGET), CCSCOPE_MAX_INFLIGHT_BYTES_PER_ADDRESS: '0', CCSCOPE_FLUSH_INTERVAL_MS: '100' })
  grpcClient = new grpc.Client(`127.0.0.1:${cc.ports.otlpGrpc}`, grpc.credentials.createInsecure())
})

afterAll(async () => {
  grpcClient?.close()
  await cc?.stop()
})

interface Tally {
  accepted: number
  refused: number
  firstTry: number
  requests: number
}

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms * (0.5 + Math.random() / 2)))

function body(tag: string, n: number, records: number): ExportLogsRequest {
  const now = Date.now()
  return events(
    { user: `${tag}${n % 13}@x`, session: `${tag}-${n}` },
    Array.from({ length: records }, (_, i) => apiRequest(now - 60_000 + i, 0.001)),
  )
}

/** Sends one request until acknowledged, as an exporter does; counts every answer. */
async function send(receiver: 'http' | 'grpc', request: ExportLogsRequest, t: Tally): Promise<void> {
  t.requests++
  for (let attempt = 0; ; attempt++) {
    let ok: boolean
    if (receiver === 'grpc') {
      const error = await exportLogsGrpc(grpcClient, request)
      if (error && error.code !== grpc.status.UNAVAILABLE) throw error
      ok = error === null
    } else {
      const res = await fetch(`${cc.otlpUrl}/v1/logs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(request) })
      await res.arrayBuffer()
      if (res.status !== 200 && res.status !== 429 && res.status !== 503) throw new Error(`HTTP ${res.status}`)
      ok = res.status === 200
    }
    if (ok) {
      t.accepted++
      if (attempt === 0) t.firstTry++
      return
    }
    t.refused++
    await wait(300)
  }
}

/** A flood of `loud` senders on one receiver and `quiet` senders on the other, all at once. */
async function flood(loudOn: 'http' | 'grpc', loud: number, quiet: number): Promise<{ loud: Tally; quiet: Tally }> {
  const quietOn = loudOn === 'http' ? 'grpc' : 'http'
  const tallies = { loud: { accepted: 0, refused: 0, firstTry: 0, requests: 0 }, quiet: { accepted: 0, refused: 0, firstTry: 0, requests: 0 } }
  const loudDone = Promise.all(Array.from({ length: loud }, (_, n) => send(loudOn, body(`loud-${loudOn}`, n, RECORDS.loud), tallies.loud)))
  // The quiet receiver's sender starts once the flood is under way (it has filled the budget: a first
  // refusal), and sends one request after another.
  await expect.poll(() => tallies.loud.refused).toBeGreaterThan(0)
  const quietDone = (async () => {
    for (let n = 0; n < quiet; n++) await send(quietOn, body(`quiet-${quietOn}`, n, RECORDS.quiet), tallies.quiet)
  })()
  await Promise.all([loudDone, quietDone])
  return tallies
}

describe('each receiver keeps a share of the budget', () => {
  it('OTLP/gRPC keeps serving under an OTLP/HTTP flood', async () => {
    // Queued requests hold only their rows (admission.ts), so it takes more senders than the gRPC flood to fill the budget.
    const t = await flood('http', 300, 10)
    // eslint-disable-next-line no-console
    console.log(`HTTP flood: ${JSON.stringify(t)}`)
    expect(t.quiet.accepted / (t.quiet.accepted + t.quiet.refused)).toBeGreaterThanOrEqual(0.9)
    expect(t.loud.refused).toBeGreaterThan(0) // it was a flood
  }, 120_000)

  it('OTLP/HTTP keeps serving under an OTLP/gRPC flood', async () => {
    const t = await flood('grpc', 100, 10)
    // eslint-disable-next-line no-console
    console.log(`gRPC flood: ${JSON.stringify(t)}`)
    expect(t.quiet.accepted / (t.quiet.accepted + t.quiet.refused)).toBeGreaterThanOrEqual(0.9)
    expect(t.loud.refused).toBeGreaterThan(0) // it was a flood
  }, 120_000)
})
