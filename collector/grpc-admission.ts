import * as grpc from '@grpc/grpc-js'
import { encodeStatus } from './otlp/proto'
import { AdmissionRefused, decodedEstimate, REQUEST_OVERHEAD_BYTES, type Admission, type Ticket } from './admission'

/**
 * Admission control on the OTLP/gRPC receiver (the budget itself is collector/admission.ts), and the
 * retryable status ccscope answers with when it refuses a call or the warehouse is unavailable.
 */

/** A retryable gRPC status with the delay as RetryInfo and as a plain `retry-after` trailer. */
export function retryableStatus(code: grpc.status, message: string, retryAfterSeconds: number): { code: grpc.status; details: string; metadata: grpc.Metadata } {
  const metadata = new grpc.Metadata()
  metadata.set('retry-after', String(retryAfterSeconds))
  // google.rpc.Status with RetryInfo: the OTLP specification's throttling signal for gRPC exporters.
  metadata.set('grpc-status-details-bin', Buffer.from(encodeStatus(code, message, retryAfterSeconds)))
  return { code, details: message, metadata }
}

/**
 * The gRPC side: a server interceptor that admits each call when its metadata arrives (before the
 * message is read) and grows its ticket by the decoded estimate when the message has arrived;
 * refusals end the call with UNAVAILABLE + RetryInfo, and the ticket is released with the status.
 */
export function grpcAdmission(admission: Admission, onRefused: (path: string) => void): grpc.ServerInterceptor {
  return (method, call) => {
    let ticket: Ticket | undefined
    let refused = false
    const refuse = (error: AdmissionRefused) => {
      refused = true
      ticket?.release()
      onRefused(method.path)
      call.sendStatus(retryableStatus(grpc.status.UNAVAILABLE, error.message, error.retryAfterSeconds))
    }
    return new grpc.ServerInterceptingCall(call, {
      start(next) {
        next({
          onReceiveMetadata(metadata, nextMetadata) {
            try {
              ticket = admission.admit(REQUEST_OVERHEAD_BYTES)
            } catch (error) {
              if (!(error instanceof AdmissionRefused)) throw error
              refuse(error)
              return
            }
            nextMetadata(metadata)
          },
          onReceiveMessage(message: unknown, nextMessage) {
            if (refused) return
            const size = Buffer.isBuffer(message) ? message.length : 0
            try {
              // grpc-js hands the message over decompressed: the buffer, its decoded objects and rows.
              ticket?.grow(decodedEstimate(size, 'protobuf'))
            } catch (error) {
              if (!(error instanceof AdmissionRefused)) throw error
              refuse(error)
              return
            }
            nextMessage(message)
          },
          onReceiveHalfClose(nextHalfClose) {
            if (!refused) nextHalfClose()
          },
          onCancel() {
            ticket?.release()
          },
        })
      },
      sendStatus(status, nextStatus) {
        ticket?.release()
        nextStatus(status)
      },
    })
  }
}
