import * as grpc from '@grpc/grpc-js'
import type { Signal } from '../schemas/otlp'
import type { Logger } from '../server/logger'
import type { SelfMetrics } from '../server/self-metrics'
import type { TokenSet } from './auth'
import type { Ingestor } from './ingest'
import { DecodeError, decodeBody } from './otlp/decode'
import { encodeResponse, grpcServices } from './otlp/proto'
import { ClosedError, OverloadedError, WarehouseUnavailableError } from './writer/writer'

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

function retryable(code: grpc.status, message: string, retryAfterSeconds: number): grpc.ServiceError {
  const metadata = new grpc.Metadata()
  metadata.set('retry-after', String(retryAfterSeconds))
  return Object.assign(new Error(message), { code, details: message, metadata })
}

function failure(code: grpc.status, message: string): Partial<grpc.StatusObject> {
  return { code, details: message }
}

export function createGrpcReceiver(options: GrpcReceiverOptions): grpc.Server {
  const { ingestor, tokens, metrics, log } = options
  const server = new grpc.Server({
    'grpc.max_receive_message_length': options.maxMessageBytes,
    'grpc.max_send_message_length': 4 * 1024 * 1024,
  })

  const handler =
    (signal: Signal): Handler =>
    (call, callback) => {
      const count = (status: string) => metrics.requests.inc({ signal, transport: 'grpc', encoding: 'protobuf', status })
      const authorization = call.metadata.get('authorization')[0]
      if (!tokens.allows(typeof authorization === 'string' ? authorization : undefined)) {
        metrics.refused.inc({ signal, reason: 'unauthenticated' })
        count('UNAUTHENTICATED')
        callback(failure(grpc.status.UNAUTHENTICATED, 'missing or invalid bearer token'))
        return
      }
      let batch
      try {
        batch = decodeBody(signal, 'protobuf', call.request)
      } catch (error) {
        const reason = error instanceof DecodeError ? error.reason : 'invalid_protobuf'
        metrics.refused.inc({ signal, reason })
        count('INVALID_ARGUMENT')
        callback(failure(grpc.status.INVALID_ARGUMENT, (error as Error).message))
        return
      }
      ingestor.ingest(batch).then(
        (result) => {
          count('OK')
          callback(null, encodeResponse(signal, result.partial))
        },
        (error: unknown) => {
          if (error instanceof OverloadedError || error instanceof WarehouseUnavailableError || error instanceof ClosedError) {
            metrics.refused.inc({ signal, reason: error instanceof OverloadedError ? 'overloaded' : 'warehouse_unavailable' })
            count('UNAVAILABLE')
            callback(retryable(grpc.status.UNAVAILABLE, error.message, error.retryAfterSeconds))
            return
          }
          metrics.refused.inc({ signal, reason: 'internal_error' })
          count('INTERNAL')
          log.error({ err: error, signal }, 'unexpected error while ingesting (gRPC)')
          callback(failure(grpc.status.INTERNAL, 'internal error'))
        },
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
