import { pipeline } from 'node:stream'
import Fastify, { LogController, type FastifyReply, type FastifyRequest } from 'fastify'
import type { Signal } from '../schemas/otlp'
import { isLoopbackHost } from '../runtime/host'
import type { Logger } from '../runtime/logger'
import type { SelfMetrics } from '../runtime/self-metrics'
import { clientAddress, ConnectionGuard, type ConnectionLimits } from '../runtime/connections'
import { httpTimeoutOptions, type Timeouts } from '../runtime/timeouts'
import {
  ADMISSION_WAIT_MS,
  AdmissionRefused,
  decompressMetered,
  heldPerWireByte,
  initialEstimate,
  meteredBody,
  REQUEST_OVERHEAD_BYTES,
  type Admission,
  type Ticket,
} from './admission'
import type { Sender, TokenSet } from './auth'
import type { Ingestor } from './ingest'
import type { RequestLimits } from './limits'
import { DecodeError, decodeBody, decompress, encodingOf, type Encoding } from './otlp/decode'
import { encodeResponse, encodeStatus, responseObject } from './otlp/proto'
import { ClosedError, OverloadedError, WarehouseUnavailableError } from './writer/writer'

/**
 * OTLP/HTTP receiver: POST /v1/logs, /v1/metrics, /v1/traces with application/json or
 * application/x-protobuf bodies, gzip-encoded or not. Answers as the OTLP specification says:
 * 200 (with partial success when some records were refused), 400, 401, 413, 415, and 429/503 with
 * Retry-After when the exporter should try again.
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
  /** Headers, whole-request and idle timeouts (server/timeouts.ts). */
  timeouts?: Timeouts
  /** Connections at once, in total and per client address (server/connections.ts). */
  connections?: ConnectionLimits
  /** The bytes budget shared with the gRPC receiver (collector/admission.ts); none = unbounded. */
  admission?: Admission
}

const PATHS: Record<string, Signal> = { '/v1/logs': 'logs', '/v1/metrics': 'metrics', '/v1/traces': 'traces' }

/**
 * The signal of the route Fastify matched. Not the raw URL: the router decodes it, so /v1/%6cogs
 * reaches the /v1/logs handler, and a check keyed on the raw URL would let it through unchecked.
 */
function signalOf(request: FastifyRequest): Signal | undefined {
  const url = request.routeOptions.url
  return url === undefined ? undefined : PATHS[url]
}

// google.rpc.Code values used in Status bodies.
const RPC = { INVALID_ARGUMENT: 3, RESOURCE_EXHAUSTED: 8, UNAUTHENTICATED: 16, UNAVAILABLE: 14, INTERNAL: 13 }

function send(reply: FastifyReply, encoding: Encoding, status: number, payload: Uint8Array | object): FastifyReply {
  if (encoding === 'protobuf') {
    return reply
      .code(status)
      .type('application/x-protobuf')
      .send(Buffer.from(payload as Uint8Array))
  }
  return reply.code(status).type('application/json').send(payload)
}

function sendStatus(reply: FastifyReply, encoding: Encoding, status: number, rpcCode: number, message: string) {
  return send(reply, encoding, status, encoding === 'protobuf' ? encodeStatus(rpcCode, message) : { code: rpcCode, message })
}

export async function createHttpReceiver(options: HttpReceiverOptions) {
  const { ingestor, tokens, metrics, log } = options
  const app = Fastify({
    loggerInstance: log.child({ component: 'otlp-http' }),
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: options.maxBodyBytes,
    ...httpTimeoutOptions(options.timeouts ?? { headersMs: 30_000, requestMs: 30_000, idleMs: 30_000 }),
  })
  if (options.connections) new ConnectionGuard('otlp_http', options.connections, metrics).guard(app.server)

  // Bodies are taken as raw bytes; decoding is ours (and answers in the request's encoding).
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: options.maxBodyBytes }, (_req, body, done) => {
    done(null, body)
  })

  const count = (signal: string, encoding: string, status: number) => metrics.requests.inc({ signal, transport: 'http', encoding, status: String(status) })

  /** 429 + Retry-After: the exporter sends the same request again later. */
  function overloaded(reply: FastifyReply, signal: string, encoding: Encoding, error: OverloadedError | AdmissionRefused) {
    metrics.refused.inc({ signal, reason: 'overloaded' })
    count(signal, encoding, 429)
    reply.header('Retry-After', String(error.retryAfterSeconds))
    return sendStatus(reply, encoding, 429, RPC.RESOURCE_EXHAUSTED, error.message)
  }

  // Each admitted request's share of the in-flight budget, released when its response is done.
  // `reserved`: held before the body, to the client address's share; `body`: what has arrived (no address).
  const tickets = new WeakMap<FastifyRequest, { reserved: Ticket; body: Ticket; perByte: number }>()
  // The sender the token check found, for the handler: the token is hashed once per request.
  const senders = new WeakMap<FastifyRequest, Sender>()

  app.addHook('onRequest', async (request, reply) => {
    const signal = signalOf(request)
    if (!signal || request.method !== 'POST') return
    if (!tokens.required && !isLoopbackHost(request.headers.host)) {
      // Without a token ccscope listens on 127.0.0.1 only; a foreign Host there is a rebinding web page.
      const encoding = encodingOf(request.headers['content-type']) ?? 'json'
      metrics.refused.inc({ signal, reason: 'foreign_host' })
      count(signal, encoding, 403)
      return sendStatus(
        reply,
        encoding,
        403,
        RPC.UNAUTHENTICATED,
        'without an ingest token ccscope accepts telemetry from this machine only (Host must be localhost)',
      )
    }
    const sender = tokens.identify(request.headers.authorization)
    if (sender) {
      senders.set(request, sender)
      return
    }
    const encoding = encodingOf(request.headers['content-type']) ?? 'json'
    metrics.refused.inc({ signal, reason: 'unauthenticated' })
    count(signal, encoding, 401)
    reply.header('WWW-Authenticate', 'Bearer')
    return sendStatus(reply, encoding, 401, RPC.UNAUTHENTICATED, 'missing or invalid bearer token')
  })

  // Admission, before the body is read: a request whose Content-Length does not fit waits for room a
  // little (ADMISSION_WAIT_MS), its body unread, and is then refused unread. Admitted, it reserves its body's
  // share up to Admission.upfrontBodyBytes, and the rest as the bytes arrive (preParsing below): a client
  // that announces a large body and trickles it holds little more than what it has sent.
  app.addHook('onRequest', async (request, reply) => {
    const signal = signalOf(request)
    const admission = options.admission
    if (!signal || request.method !== 'POST' || !admission) return
    const encoding = encodingOf(request.headers['content-type']) ?? 'json'
    const length = request.headers['content-length'] === undefined ? undefined : Number(request.headers['content-length'])
    const known = length !== undefined && Number.isSafeInteger(length) && length >= 0 ? length : undefined
    let ticket: Ticket | undefined
    const body = admission.admit(0, { receiver: 'http', address: '' })
    let closed = false
    reply.raw.once('close', () => {
      closed = true
      ticket?.release()
      body.release()
    })
    try {
      const holder = { receiver: 'http' as const, address: clientAddress(request.socket) }
      const expected = initialEstimate(known, encoding, request.headers['content-encoding'])
      const upfront = Math.min(expected, REQUEST_OVERHEAD_BYTES + admission.upfrontBodyBytes)
      ticket = await admission.admitWaiting(upfront, ADMISSION_WAIT_MS, holder, expected)
    } catch (error) {
      if (!(error instanceof AdmissionRefused)) throw error
      // The body is not read into memory: Node discards it as it arrives, and the connection stays open
      // (an OpenTelemetry JS exporter does not retry a reset connection, but does retry a 429).
      return overloaded(reply, signal, encoding, error)
    }
    // The client gave up while it waited: give the room back at once.
    body.partner = ticket
    if (closed) ticket.release()
    else tickets.set(request, { reserved: ticket, body, perByte: heldPerWireByte(encoding, request.headers['content-encoding']) })
  })

  // Every body, with a Content-Length or chunked (as the OpenTelemetry JS exporters send), is counted as it streams.
  app.addHook('preParsing', async (request, _reply, payload) => {
    const admitted = tickets.get(request)
    // pipeline, not pipe: an aborted upload fails the metered stream too, so the parser does not wait for ever.
    return admitted ? pipeline(payload, meteredBody(admitted.reserved, admitted.body, admitted.perByte), () => {}) : payload
  })

  async function handle(signal: Signal, request: FastifyRequest, reply: FastifyReply) {
    const encoding = encodingOf(request.headers['content-type'])
    if (!encoding) {
      metrics.refused.inc({ signal, reason: 'unsupported_media_type' })
      count(signal, 'unknown', 415)
      return sendStatus(
        reply,
        'json',
        415,
        RPC.INVALID_ARGUMENT,
        `unsupported Content-Type "${request.headers['content-type'] ?? ''}": use application/x-protobuf or application/json`,
      )
    }
    try {
      const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0)
      const admitted = tickets.get(request)
      const bytes = admitted
        ? await decompressMetered(raw, request.headers['content-encoding'], options.maxDecompressedBytes, admitted.body, encoding)
        : await decompress(raw, request.headers['content-encoding'], options.maxDecompressedBytes)
      const batch = decodeBody(signal, encoding, bytes, options.requestLimits)
      // Only a request that passed the token check has a sender: a route the hook did not recognise
      // (defence in depth) is refused rather than stored unlabelled.
      const sender = senders.get(request)
      if (!sender) throw new Error('a request the token check did not pass reached the OTLP handler')
      const result = await ingestor.ingest(batch, sender)
      count(signal, encoding, 200)
      const payload = encoding === 'protobuf' ? encodeResponse(signal, result.partial) : responseObject(signal, result.partial)
      return send(reply, encoding, 200, payload)
    } catch (error) {
      if (error instanceof DecodeError) {
        metrics.refused.inc({ signal, reason: error.reason })
        count(signal, encoding, error.status)
        request.log.warn({ signal, reason: error.reason }, error.message)
        return sendStatus(reply, encoding, error.status, RPC.INVALID_ARGUMENT, error.message)
      }
      if (error instanceof OverloadedError || error instanceof AdmissionRefused) return overloaded(reply, signal, encoding, error)
      if (error instanceof WarehouseUnavailableError || error instanceof ClosedError) {
        metrics.refused.inc({ signal, reason: error instanceof ClosedError ? 'shutting_down' : 'warehouse_unavailable' })
        count(signal, encoding, 503)
        reply.header('Retry-After', String(error.retryAfterSeconds))
        return sendStatus(reply, encoding, 503, RPC.UNAVAILABLE, error.message)
      }
      metrics.refused.inc({ signal, reason: 'internal_error' })
      count(signal, encoding, 500)
      request.log.error({ err: error, signal }, 'unexpected error while ingesting')
      return sendStatus(reply, encoding, 500, RPC.INTERNAL, 'internal error')
    }
  }

  for (const [path, signal] of Object.entries(PATHS)) {
    app.post(path, (request, reply) => handle(signal, request, reply))
  }

  // Errors raised before a handler runs (body too large, aborted upload, …).
  app.setErrorHandler((error: Error & { statusCode?: number; code?: string }, request, reply) => {
    const signal = signalOf(request) ?? 'unknown'
    const encoding = encodingOf(request.headers['content-type']) ?? 'json'
    if (error instanceof AdmissionRefused) return overloaded(reply, signal, encoding, error)
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500
    const reason = error.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? 'body_too_large' : (error.code ?? 'error').toLowerCase()
    metrics.refused.inc({ signal, reason })
    count(signal, encoding, status)
    if (status === 500) request.log.error({ err: error }, 'unexpected error in the OTLP receiver')
    const message = status === 413 ? `body larger than the ${options.maxBodyBytes}-byte limit` : status === 500 ? 'internal error' : error.message
    return sendStatus(reply, encoding, status, status === 413 ? RPC.RESOURCE_EXHAUSTED : RPC.INVALID_ARGUMENT, message)
  })

  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send({ code: 5, message: `no OTLP endpoint at ${request.method} ${request.url}; use POST /v1/logs, /v1/metrics or /v1/traces` })
  })

  return app
}
