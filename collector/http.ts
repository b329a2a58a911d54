import type { IncomingMessage, ServerResponse } from 'node:http'
import { pipeline } from 'node:stream'
import express from 'express'
import getRawBody from 'raw-body'
import type { Signal } from '../schemas/otlp'
import { isLoopbackHost } from '../runtime/host'
import type { Logger } from '../runtime/logger'
import type { SelfMetrics } from '../runtime/self-metrics'
import { clientAddress, type ConnectionLimits } from '../runtime/connections'
import { createHttpService, type HttpService } from '../runtime/http-server'
import type { Timeouts } from '../runtime/timeouts'
import {
  ADMISSION_WAIT_MS,
  decompressMetered,
  heldPerWireByte,
  initialEstimate,
  meteredBody,
  REQUEST_OVERHEAD_BYTES,
  shrinkToQueued,
  type Admission,
  type Ticket,
} from './admission'
import type { TokenSet } from './auth'
import type { Ingestor } from './ingest'
import type { RequestLimits } from './limits'
import { decodeBody, decompress, encodingOf, type Encoding } from './otlp/decode'
import { encodeResponse, encodeStatus, responseObject } from './otlp/proto'
import { HTTP_ANSWER, INTERNAL, Refusal, refusalOf } from './refusal'

/**
 * OTLP/HTTP receiver (express): POST /v1/logs, /v1/metrics, /v1/traces with application/json or
 * application/x-protobuf bodies, gzip-encoded or not. Answers as the OTLP specification says:
 * 200 (with partial success when some records were refused), 400, 401, 413, 415, and 429/503 with
 * Retry-After when the exporter should try again.
 *
 * A request goes through, in order: the token (401, body unread), admission into the in-flight
 * budget (429, body unread), the media type (415, body unread), the body (413 past the limit, metered
 * into the budget as it arrives), decoding (400/413) and ingest (200, or 429/503 to retry).
 */

export interface HttpReceiverOptions {
  ingestor: Ingestor
  tokens: TokenSet
  metrics: SelfMetrics
  log: Logger
  maxBodyBytes: number
  maxDecompressedBytes: number
  /** Records per request, attributes per record, string bytes, value depth (collector/limits.ts). */
  requestLimits?: RequestLimits
  /** Headers, whole-request and idle timeouts (runtime/timeouts.ts). */
  timeouts?: Timeouts
  /** Connections at once, in total and per client address (runtime/connections.ts). */
  connections?: ConnectionLimits
  /** The bytes budget shared with the gRPC receiver (collector/admission.ts); none = unbounded. */
  admission?: Admission
}

const PATHS: Record<string, Signal> = { '/v1/logs': 'logs', '/v1/metrics': 'metrics', '/v1/traces': 'traces' }

/**
 * The signal a path names, after percent-decoding: /v1/%6cogs is /v1/logs, and is checked like it
 * (a check keyed on the raw URL would let it through unchecked).
 */
export function signalOfPath(pathname: string): Signal | undefined {
  try {
    return PATHS[decodeURIComponent(pathname)]
  } catch {
    return undefined
  }
}

function send(response: ServerResponse, encoding: Encoding, status: number, payload: Uint8Array | object): void {
  const body = encoding === 'protobuf' ? Buffer.from(payload as Uint8Array) : Buffer.from(JSON.stringify(payload))
  response.statusCode = status
  response.setHeader('content-type', encoding === 'protobuf' ? 'application/x-protobuf' : 'application/json; charset=utf-8')
  response.setHeader('content-length', body.length)
  response.end(body)
}

function sendStatus(response: ServerResponse, encoding: Encoding, status: number, rpcCode: number, message: string): void {
  send(response, encoding, status, encoding === 'protobuf' ? encodeStatus(rpcCode, message) : { code: rpcCode, message })
}

/** The share of the in-flight budget a request holds: `reserved` before its body, `body` as it arrives. */
interface Admitted {
  reserved: Ticket
  body: Ticket
  perByte: number
}

export function createHttpReceiver(options: HttpReceiverOptions): HttpService {
  const { ingestor, tokens, metrics } = options
  const log = options.log.child({ component: 'otlp-http' })
  const count = (signal: string, encoding: string, status: number) => metrics.requests.inc({ signal, transport: 'http', encoding, status: String(status) })

  /** What stopped a request; unexpected errors are logged and answered 500. */
  function refused(error: unknown, signal: Signal): Refusal {
    const refusal = refusalOf(error)
    if (refusal) {
      if (refusal.kind === 'invalid' || refusal.kind === 'too_large') log.warn({ signal, reason: refusal.reason }, refusal.message)
      return refusal
    }
    // The body reader's own errors (raw-body).
    const bodyError = error as { type?: string }
    if (bodyError.type === 'entity.too.large') return new Refusal('too_large', `body larger than the ${options.maxBodyBytes}-byte limit`, 'body_too_large')
    if (bodyError.type === 'request.aborted' || bodyError.type === 'request.size.invalid')
      return new Refusal('invalid', (error as Error).message, bodyError.type.replace('.', '_'))
    log.error({ err: error, signal }, 'unexpected error while ingesting')
    return INTERNAL
  }

  /** Admission before the body is read: a request that does not fit waits for room a little, then is refused unread. */
  async function admit(request: IncomingMessage, response: ServerResponse, admission: Admission, encoding: Encoding): Promise<Admitted | undefined> {
    const length = request.headers['content-length'] === undefined ? undefined : Number(request.headers['content-length'])
    const known = length !== undefined && Number.isSafeInteger(length) && length >= 0 ? length : undefined
    let reserved: Ticket | undefined
    const body = admission.admit(0, { receiver: 'http', address: '' })
    let closed = false
    response.once('close', () => {
      closed = true
      reserved?.release()
      body.release()
    })
    const holder = { receiver: 'http' as const, address: clientAddress(request.socket) }
    const expected = initialEstimate(known, encoding, request.headers['content-encoding'])
    // The body's share up to Admission.upfrontBodyBytes now, the rest as the bytes arrive (meteredBody): a client
    // that announces a large body and trickles it holds little more than what it has sent.
    const upfront = Math.min(expected, REQUEST_OVERHEAD_BYTES + admission.upfrontBodyBytes)
    reserved = await admission.admitWaiting(upfront, ADMISSION_WAIT_MS, holder, expected)
    body.partner = reserved
    // The client gave up while it waited: give the room back at once.
    if (closed) {
      reserved.release()
      return undefined
    }
    return { reserved, body, perByte: heldPerWireByte(encoding, request.headers['content-encoding']) }
  }

  /** The body as bytes, counted into the budget as it streams (with a Content-Length or chunked). */
  function readBody(request: IncomingMessage, response: ServerResponse, admitted: Admitted | undefined): Promise<Buffer> {
    const length = Number(request.headers['content-length'])
    if (Number.isSafeInteger(length) && length > options.maxBodyBytes)
      // Refused on its announced length, unread: Node discards the body and the connection stays usable.
      return Promise.reject(new Refusal('too_large', `body larger than the ${options.maxBodyBytes}-byte limit`, 'body_too_large'))
    // A body cut off part way cannot be drained: the connection closes after the answer.
    const fail = (error: unknown) => {
      response.setHeader('connection', 'close')
      throw error
    }
    // pipeline, not pipe: an aborted upload fails the metered stream too, so the reader does not wait for ever.
    const source = admitted ? pipeline(request, meteredBody(admitted.reserved, admitted.body, admitted.perByte), () => {}) : request
    return getRawBody(source, { limit: options.maxBodyBytes }).catch(fail)
  }

  async function receive(signal: Signal, request: IncomingMessage, response: ServerResponse): Promise<void> {
    const encoding = encodingOf(request.headers['content-type'])
    try {
      if (!tokens.required && !isLoopbackHost(request.headers.host))
        // Without a token ccscope listens on 127.0.0.1 only; a foreign Host there is a rebinding web page.
        throw new Refusal('forbidden', 'without an ingest token ccscope accepts telemetry from this machine only (Host must be localhost)', 'foreign_host')
      // The token is checked (and hashed) once, before the body is read.
      const sender = tokens.identify(request.headers.authorization)
      if (!sender) throw new Refusal('unauthenticated', 'missing or invalid bearer token', 'unauthenticated')
      const admitted = options.admission && encoding ? await admit(request, response, options.admission, encoding) : undefined
      if (!encoding)
        throw new Refusal(
          'unsupported',
          `unsupported Content-Type "${request.headers['content-type'] ?? ''}": use application/x-protobuf or application/json`,
          'unsupported_media_type',
        )
      if (options.admission && !admitted) return // the client left while it waited
      const raw = await readBody(request, response, admitted)
      const bytes = admitted
        ? await decompressMetered(raw, request.headers['content-encoding'], options.maxDecompressedBytes, admitted.body, encoding)
        : await decompress(raw, request.headers['content-encoding'], options.maxDecompressedBytes)
      const batch = decodeBody(signal, encoding, bytes, options.requestLimits)
      // While the rows wait for the writer, the request holds only them (admission.ts).
      const size = bytes.length
      const result = await ingestor.ingest(batch, sender, admitted ? () => shrinkToQueued(size, encoding, admitted.body, admitted.reserved) : undefined)
      count(signal, encoding, 200)
      send(response, encoding, 200, encoding === 'protobuf' ? encodeResponse(signal, result.partial) : responseObject(signal, result.partial))
    } catch (error) {
      answer(response, signal, encoding, refused(error, signal))
    }
  }

  /** A refusal, counted, answered in the request's encoding (JSON when it has none we read). */
  function answer(response: ServerResponse, signal: Signal, encoding: Encoding | undefined, refusal: Refusal): void {
    const { status, rpc } = HTTP_ANSWER[refusal.kind]
    metrics.refused.inc({ signal, reason: refusal.reason })
    count(signal, encoding ?? 'unknown', status)
    if (response.headersSent || response.destroyed) return
    if (refusal.retryAfterSeconds !== undefined) response.setHeader('retry-after', String(refusal.retryAfterSeconds))
    if (refusal.kind === 'unauthenticated') response.setHeader('www-authenticate', 'Bearer')
    sendStatus(response, encoding ?? 'json', status, rpc, refusal.message)
  }

  const app = express()
  app.disable('x-powered-by')
  app.disable('etag')
  const service = createHttpService(app, {
    timeouts: options.timeouts ?? { headersMs: 30_000, requestMs: 30_000, idleMs: 30_000 },
    ...(options.connections ? { connections: { port: 'otlp_http', limits: options.connections, metrics } } : {}),
  })

  // One handler for every path: the signal comes from the percent-decoded path (signalOfPath).
  app.use((request, response, next) => {
    const signal = signalOfPath(request.path)
    if (!signal || request.method !== 'POST') {
      response.status(404).json({ code: 5, message: `no OTLP endpoint at ${request.method} ${request.url}; use POST /v1/logs, /v1/metrics or /v1/traces` })
      return
    }
    if (service.closing) {
      // Shutting down: the exporter sends the request again, to this instance once it is back or to another one.
      response.setHeader('connection', 'close')
      return answer(response, signal, encodingOf(request.headers['content-type']), new Refusal('unavailable', 'ccscope is shutting down', 'shutting_down', 1))
    }
    receive(signal, request, response).catch(next)
  })
  return service
}
