import * as grpc from '@grpc/grpc-js'
import { encodeStatus } from './otlp/proto'
import { clientAddress } from '../runtime/connections'
import { AdmissionRefused, decodedEstimate, REQUEST_OVERHEAD_BYTES, shrinkToQueued, type Admission, type Ticket } from './admission'
import type { TokenSet } from './auth'

/**
 * The gate of the OTLP/gRPC receiver (token, admission against the budget of collector/admission.ts,
 * request timeout), and the retryable status ccscope answers with when it refuses a call or the
 * warehouse is unavailable.
 */

/** A retryable gRPC status with the delay as RetryInfo and as a plain `retry-after` trailer. */
export function retryableStatus(
  code: grpc.status,
  message: string,
  retryAfterSeconds: number,
): { code: grpc.status; details: string; metadata: grpc.Metadata } {
  const metadata = new grpc.Metadata()
  metadata.set('retry-after', String(retryAfterSeconds))
  // google.rpc.Status with RetryInfo: the OTLP specification's throttling signal for gRPC exporters.
  metadata.set('grpc-status-details-bin', Buffer.from(encodeStatus(code, message, retryAfterSeconds)))
  return { code, details: message, metadata }
}

/** Why the gate ended a call before its handler ran. */
export type GateRefusal = 'unauthenticated' | 'overloaded' | 'request_timeout'

export interface GrpcGateOptions {
  tokens: TokenSet
  /** The in-flight budget; none = unbounded. */
  admission?: Admission
  /** A call whose message has not fully arrived this long after its headers is answered DEADLINE_EXCEEDED. */
  requestTimeoutMs: number
  onRefused: (path: string, reason: GateRefusal) => void
}

/**
 * The gate every OTLP/gRPC call passes when its headers (metadata) arrive, before anything of its
 * message is read (grpc-js reads a call's message only once the metadata has been passed on):
 * - the bearer token is checked first: a call without a valid one is answered UNAUTHENTICATED at once,
 *   its message never read;
 * - the call is admitted against the in-flight budget (its overhead), or answered UNAVAILABLE with
 *   RetryInfo; when its message has arrived its share grows by the message's decoded estimate (the
 *   bytes of a message still arriving are counted per connection, grpc-listener.ts);
 * - a message that has not fully arrived within the request timeout is answered DEADLINE_EXCEEDED
 *   (retryable for an OTLP exporter), and the listener closes the connection if the client goes on.
 * The share is released with the call's status.
 */
/**
 * What the handler calls once a call's rows are queued for the writer, keyed by the call's message (the buffer
 * grpc-js hands the gate is the one it hands the handler): the call's share shrinks to its rows (admission.ts).
 */
const queuedHooks = new WeakMap<object, () => void>()

/** The hook that shrinks the share of the call whose message this is, if the gate admitted it. */
export function onQueuedOf(message: unknown): (() => void) | undefined {
  return typeof message === 'object' && message !== null ? queuedHooks.get(message) : undefined
}

export function grpcGate(options: GrpcGateOptions): grpc.ServerInterceptor {
  const { tokens, admission, requestTimeoutMs, onRefused } = options
  return (method, call) => {
    let ticket: Ticket | undefined
    let ended = false
    let timer: NodeJS.Timeout | undefined
    const end = (reason: GateRefusal, status: { code: grpc.status; details: string; metadata?: grpc.Metadata }) => {
      ended = true
      clearTimeout(timer)
      ticket?.release()
      onRefused(method.path, reason)
      call.sendStatus(status)
    }
    return new grpc.ServerInterceptingCall(call, {
      start(next) {
        next({
          onReceiveMetadata(metadata, nextMetadata) {
            const authorization = metadata.get('authorization')[0]
            if (!tokens.identify(typeof authorization === 'string' ? authorization : undefined)) {
              end('unauthenticated', { code: grpc.status.UNAUTHENTICATED, details: 'missing or invalid bearer token' })
              return
            }
            if (admission) {
              try {
                // grpc-js does not know the address of a connection handed to it (grpc-listener.ts), so a call's
                // own share is not held to its address's: the listener holds the bytes of messages still
                // arriving (what a slow client can pile up) to it, per connection.
                ticket = admission.admit(REQUEST_OVERHEAD_BYTES, { receiver: 'grpc', address: clientAddress(call.getConnectionInfo()) })
              } catch (error) {
                if (!(error instanceof AdmissionRefused)) throw error
                end('overloaded', retryableStatus(grpc.status.UNAVAILABLE, error.message, error.retryAfterSeconds))
                return
              }
            }
            timer = setTimeout(
              () =>
                end('request_timeout', { code: grpc.status.DEADLINE_EXCEEDED, details: `the request's message did not arrive within ${requestTimeoutMs} ms` }),
              requestTimeoutMs,
            )
            nextMetadata(metadata)
          },
          onReceiveMessage(message: unknown, nextMessage) {
            if (ended) return
            const size = Buffer.isBuffer(message) ? message.length : 0
            try {
              // grpc-js hands the message over decompressed: the buffer, its decoded objects and rows.
              ticket?.grow(decodedEstimate(size, 'protobuf'))
              const held = ticket
              if (held && Buffer.isBuffer(message)) queuedHooks.set(message, () => shrinkToQueued(size, 'protobuf', held))
            } catch (error) {
              if (!(error instanceof AdmissionRefused)) throw error
              end('overloaded', retryableStatus(grpc.status.UNAVAILABLE, error.message, error.retryAfterSeconds))
              return
            }
            nextMessage(message)
          },
          onReceiveHalfClose(nextHalfClose) {
            if (ended) return
            clearTimeout(timer)
            nextHalfClose()
          },
          onCancel() {
            clearTimeout(timer)
            ticket?.release()
          },
        })
      },
      sendStatus(status, nextStatus) {
        clearTimeout(timer)
        ticket?.release()
        nextStatus(status)
      },
    })
  }
}
