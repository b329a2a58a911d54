import { AdmissionRefused } from './admission'
import { DecodeError } from './otlp/decode'
import { ClaimedElsewhereError, ClosedError, OverloadedError, WarehouseUnavailableError } from './writer/writer'

/**
 * Why a receiver refuses an export request, whatever the transport: the one place an error becomes
 * a refusal, with the reason counted in ccscope_otlp_requests_refused_total. Each receiver turns the
 * kind into its answer (HTTP_ANSWER here, GRPC_CODE for gRPC), as the OTLP specification says:
 * `overloaded` and `unavailable` are retryable (429/503 with Retry-After; gRPC UNAVAILABLE with RetryInfo),
 * the rest are not.
 */
export type RefusalKind = 'invalid' | 'too_large' | 'unsupported' | 'unauthenticated' | 'forbidden' | 'overloaded' | 'unavailable' | 'internal'

export class Refusal extends Error {
  constructor(
    readonly kind: RefusalKind,
    message: string,
    /** The counted reason (snake_case): decode reasons, overloaded, shutting_down, … */
    readonly reason: string,
    /** For the retryable kinds: when to send again. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message)
    this.name = 'Refusal'
  }
}

/** The refusal an error stands for; undefined for an unexpected error (answered as internal, and logged). */
export function refusalOf(error: unknown): Refusal | undefined {
  if (error instanceof Refusal) return error
  if (error instanceof DecodeError)
    return new Refusal(error.status === 413 ? 'too_large' : error.status === 415 ? 'unsupported' : 'invalid', error.message, error.reason)
  if (error instanceof OverloadedError || error instanceof AdmissionRefused)
    return new Refusal('overloaded', error.message, 'overloaded', error.retryAfterSeconds)
  if (error instanceof ClosedError) return new Refusal('unavailable', error.message, 'shutting_down', error.retryAfterSeconds)
  if (error instanceof WarehouseUnavailableError) return new Refusal('unavailable', error.message, 'warehouse_unavailable', error.retryAfterSeconds)
  if (error instanceof ClaimedElsewhereError) return new Refusal('unavailable', error.message, 'claimed_elsewhere', error.retryAfterSeconds)
  return undefined
}

export const INTERNAL = new Refusal('internal', 'internal error', 'internal_error')

/** google.rpc.Code values (the same numbers as grpc-js's `status`). */
export const RPC = { INVALID_ARGUMENT: 3, RESOURCE_EXHAUSTED: 8, UNAVAILABLE: 14, INTERNAL: 13, UNAUTHENTICATED: 16 } as const

/** OTLP/HTTP: the status, and the google.rpc.Status code of the body. */
export const HTTP_ANSWER: Record<RefusalKind, { status: number; rpc: number }> = {
  invalid: { status: 400, rpc: RPC.INVALID_ARGUMENT },
  too_large: { status: 413, rpc: RPC.RESOURCE_EXHAUSTED },
  unsupported: { status: 415, rpc: RPC.INVALID_ARGUMENT },
  unauthenticated: { status: 401, rpc: RPC.UNAUTHENTICATED },
  forbidden: { status: 403, rpc: RPC.UNAUTHENTICATED },
  overloaded: { status: 429, rpc: RPC.RESOURCE_EXHAUSTED },
  unavailable: { status: 503, rpc: RPC.UNAVAILABLE },
  internal: { status: 500, rpc: RPC.INTERNAL },
}

/** OTLP/gRPC: the status code (RESOURCE_EXHAUSTED is not retried by every exporter, so overload is UNAVAILABLE). */
export const GRPC_CODE: Record<RefusalKind, number> = {
  invalid: RPC.INVALID_ARGUMENT,
  too_large: RPC.INVALID_ARGUMENT,
  unsupported: RPC.INVALID_ARGUMENT,
  unauthenticated: RPC.UNAUTHENTICATED,
  forbidden: RPC.UNAUTHENTICATED,
  overloaded: RPC.UNAVAILABLE,
  unavailable: RPC.UNAVAILABLE,
  internal: RPC.INTERNAL,
}
