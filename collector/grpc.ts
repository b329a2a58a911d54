import * as grpc from '@grpc/grpc-js'
import type { Signal } from '../schemas/otlp'
import type { Logger } from '../runtime/logger'
import type { SelfMetrics } from '../runtime/self-metrics'
import type { Admission } from './admission'
import type { TokenSet } from './auth'
import { grpcGate, onQueuedOf, retryableStatus } from './grpc-admission'
import type { ExportBatch, Ingestor } from './ingest'
import type { RequestLimits } from './limits'
import { decodeBody } from './otlp/decode'
import { encodeResponse, grpcServices } from './otlp/proto'
import { GRPC_CODE, INTERNAL, Refusal, refusalOf } from './refusal'

/**
 * OTLP/gRPC receiver (port 4317): the Export method of the logs, metrics and trace services.
 * Messages are taken as raw bytes and decoded by the same protobuf codec as OTLP/HTTP; gzip
 * message compression is handled by grpc-js.
 */

export interface GrpcReceiverOptions {
  ingestor: Ingestor
  tokens: TokenSet
  metrics: SelfMetrics
  log: Logger
  maxMessageBytes: number
  /** Records per request, attributes per record, string bytes, value depth (collector/limits.ts). */
  requestLimits?: RequestLimits
  /** The bytes budget shared with the HTTP receiver (collector/admission.ts); none = unbounded. */
  admission?: Admission
  /** Concurrent calls per connection (HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS); more wait in the client. */
  maxConcurrentStreams?: number
  /** A call's message must arrive within this (DEADLINE_EXCEEDED past it). */
  requestTimeoutMs?: number
  /** A connection without calls is closed (GOAWAY) after this long. */
  idleTimeoutMs?: number
}

type Handler = grpc.handleUnaryCall<Buffer, Uint8Array>

function serviceDefinition(signal: Signal): grpc.ServiceDefinition {
  return {
    Export: {
      path: grpcServices[signal].path,
      requestStream: false,
      responseStream: false,
      requestSerialize: (value: Buffer) => value,
      requestDeserialize: (bytes: Buffer) => bytes,
      responseSerialize: (value: Uint8Array) => Buffer.from(value),
      responseDeserialize: (bytes: Buffer) => bytes,
      originalName: 'export',
    },
  }
}

/** A retryable status: the delay as google.rpc.RetryInfo (the OTLP throttling signal) and as `retry-after`. */
function retryable(code: grpc.status, message: string, retryAfterSeconds: number): grpc.ServiceError {
  return Object.assign(new Error(message), retryableStatus(code, message, retryAfterSeconds))
}

function failure(code: grpc.status, message: string): Partial<grpc.StatusObject> {
  return { code, details: message }
}

export function createGrpcReceiver(options: GrpcReceiverOptions): grpc.Server {
  const { ingestor, tokens, metrics, log } = options
  const signalOf = new Map(Object.entries(grpcServices).map(([signal, service]) => [service.path, signal]))
  const admission = options.admission
  const server = new grpc.Server({
    'grpc.max_receive_message_length': options.maxMessageBytes,
    'grpc.max_send_message_length': 4 * 1024 * 1024,
    'grpc.max_concurrent_streams': options.maxConcurrentStreams ?? 100,
    ...(options.idleTimeoutMs ? { 'grpc.max_connection_idle_ms': options.idleTimeoutMs } : {}),
    // Calls are authenticated and admitted against the in-flight budget before their message is read.
    interceptors: [
      grpcGate({
        tokens,
        ...(admission ? { admission } : {}),
        requestTimeoutMs: options.requestTimeoutMs ?? 30_000,
        onRefused: (path, reason) => {
          const signal = signalOf.get(path) ?? 'unknown'
          const status = reason === 'unauthenticated' ? 'UNAUTHENTICATED' : reason === 'overloaded' ? 'UNAVAILABLE' : 'DEADLINE_EXCEEDED'
          metrics.refused.inc({ signal, reason })
          metrics.requests.inc({ signal, transport: 'grpc', encoding: 'protobuf', status })
        },
      }),
    ],
  })

  const handler =
    (signal: Signal): Handler =>
    (call, callback) => {
      const count = (status: string) => metrics.requests.inc({ signal, transport: 'grpc', encoding: 'protobuf', status })
      // The gate (grpc-admission.ts) refused calls without a valid token before their message was read;
      // the sender's label is looked up again here (defence in depth).
      const authorization = call.metadata.get('authorization')[0]
      const sender = tokens.identify(typeof authorization === 'string' ? authorization : undefined)
      if (!sender) {
        metrics.refused.inc({ signal, reason: 'unauthenticated' })
        count('UNAUTHENTICATED')
        callback(failure(grpc.status.UNAUTHENTICATED, 'missing or invalid bearer token'))
        return
      }
      const refuse = (error: unknown, fallback: Refusal) => {
        const refusal = refusalOf(error) ?? fallback
        if (refusal === INTERNAL) log.error({ err: error, signal }, 'unexpected error while ingesting (gRPC)')
        const code: grpc.status = GRPC_CODE[refusal.kind]
        metrics.refused.inc({ signal, reason: refusal.reason })
        count(grpc.status[code])
        callback(refusal.retryAfterSeconds !== undefined ? retryable(code, refusal.message, refusal.retryAfterSeconds) : failure(code, refusal.message))
      }
      let batch: ExportBatch
      try {
        batch = decodeBody(signal, 'protobuf', call.request, options.requestLimits)
      } catch (error) {
        // Whatever stops the decoder is the message's fault.
        refuse(error, new Refusal('invalid', (error as Error).message, 'invalid_protobuf'))
        return
      }
      ingestor.ingest(batch, sender, onQueuedOf(call.request)).then(
        (result) => {
          count('OK')
          callback(null, encodeResponse(signal, result.partial))
        },
        (error: unknown) => refuse(error, INTERNAL),
      )
    }

  for (const signal of ['logs', 'metrics', 'traces'] as const) {
    server.addService(serviceDefinition(signal), { Export: handler(signal) })
  }
  return server
}

/** Binds the server; resolves with the port actually bound (useful with port 0). */
export function bindGrpc(server: grpc.Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync(`${host}:${port}`, grpc.ServerCredentials.createInsecure(), (error, bound) => {
      if (error) reject(error)
      else resolve(bound)
    })
  })
}
