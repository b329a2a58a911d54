import * as grpc from '@grpc/grpc-js'
import { encodeStatus } from './otlp/proto'
import { clientAddress } from '../runtime/connections'
import { ADMISSION_WAIT_MS, AdmissionRefused, decodedEstimate, REQUEST_OVERHEAD_BYTES, shrinkToQueued, type Admission, type Ticket } from './admission'
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
 *   bytes of a message still arriving are counted per connection, grpc-listener.ts). When that does not
 *   fit, the call waits for room as an HTTP request waits for room for its body (ADMISSION_WAIT_MS, behind
 *   the requests already waiting), its message parked (up to PARKED_SHARE of the budget of parked messages,
 *   beyond which calls are refused at once), and is answered UNAVAILABLE only if none is made in time.
 *   Refused at once, a burst of exporters came back together a moment later and was refused again (3 397
 *   retries for 2 296 calls in the ingest bench);
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

/** Messages waiting for room may hold at most this part of the budget besides it (they are in memory already). */
const PARKED_SHARE = 0.25

export function grpcGate(options: GrpcGateOptions): grpc.ServerInterceptor {
  const { tokens, admission, requestTimeoutMs, onRefused } = options
  /** Bytes of the messages waiting for room now (not in the budget: holding them there, they would block each other). */
  let parked = 0
  return (method, call) => {
    let ticket: Ticket | undefined
    /** The rest of the message's share, when it had to wait for room (see above). */
    let rest: Ticket | undefined
    let ended = false
    let timer: NodeJS.Timeout | undefined
    /** The client's half-close, held while the message waits for room: the handler must get the message first. */
    let halfClose: (() => void) | undefined
    let waiting = false
    const release = () => {
      ticket?.release()
      rest?.release()
    }
    const end = (reason: GateRefusal, status: { code: grpc.status; details: string; metadata?: grpc.Metadata }) => {
      ended = true
      clearTimeout(timer)
      release()
      onRefused(method.path, reason)
      call.sendStatus(status)
    }
    const overloaded = (error: AdmissionRefused) => end('overloaded', retryableStatus(grpc.status.UNAVAILABLE, error.message, error.retryAfterSeconds))
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
                overloaded(error)
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
            // grpc-js hands the message over decompressed: the buffer, its decoded objects and rows.
            const share = decodedEstimate(size, 'protobuf')
            const pass = () => {
              const held = ticket
              const extra = rest
              if (held && Buffer.isBuffer(message)) queuedHooks.set(message, () => shrinkToQueued(size, 'protobuf', ...(extra ? [extra, held] : [held])))
              nextMessage(message)
              const close = halfClose
              halfClose = undefined
              close?.()
            }
            try {
              ticket?.grow(share)
              pass()
              return
            } catch (error) {
              if (!(error instanceof AdmissionRefused) || !admission || !ticket) throw error
            }
            // No room for it now. Its bytes are in memory already; up to a quarter of the budget of such messages wait
            // for room outside the budget (inside it, they would hold back each other), the rest are refused at once.
            // A message too large to get in beside anything else is refused at once, as before: waiting, it would
            // hold back the others (its share is held from its metadata on) and they it.
            if (share > admission.receiverLimitBytes || parked + size > admission.limitBytes * PARKED_SHARE) {
              overloaded(new AdmissionRefused(admission.inFlightBytes, admission.limitBytes))
              return
            }
            parked += size
            waiting = true
            admission.admitWaiting(share, ADMISSION_WAIT_MS, ticket.holder, share, ticket).then(
              (extra) => {
                parked -= size
                waiting = false
                if (ended) {
                  extra.release()
                  return
                }
                rest = extra
                pass()
              },
              (error: unknown) => {
                parked -= size
                waiting = false
                if (ended) return
                overloaded(error instanceof AdmissionRefused ? error : new AdmissionRefused(admission.inFlightBytes, admission.limitBytes))
              },
            )
          },
          onReceiveHalfClose(nextHalfClose) {
            if (ended) return
            clearTimeout(timer)
            if (waiting) halfClose = nextHalfClose
            else nextHalfClose()
          },
          onCancel() {
            ended = true
            clearTimeout(timer)
            release()
          },
        })
      },
      sendStatus(status, nextStatus) {
        clearTimeout(timer)
        release()
        nextStatus(status)
      },
    })
  }
}
