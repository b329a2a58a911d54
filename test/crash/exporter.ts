import { setTimeout as sleep } from 'node:timers/promises'
import * as grpc from '@grpc/grpc-js'
import { grpcServices } from '../../collector/otlp/proto'
import type { Rng } from '../../simulator/random'
import type { Batch } from './telemetry'

/**
 * A sender that retries like the OpenTelemetry OTLP exporters: over HTTP on 429, 502, 503 and 504
 * (honouring Retry-After, capped) and on network errors; over gRPC on the retryable status codes
 * (UNAVAILABLE, RESOURCE_EXHAUSTED, …); with exponential backoff and jitter. Unlike the SDK,
 * which gives up after a few attempts, it retries until the collector acknowledges (200): the crash
 * test wants every batch to end up acknowledged, so that what was stored can be compared with it.
 */

export interface RetryPolicy {
  initialBackoffMs: number
  maxBackoffMs: number
  multiplier: number
  /** Retry-After is honoured up to this many milliseconds (the collector asks for seconds). */
  maxRetryAfterMs: number
  requestTimeoutMs: number
}

export const CRASH_RETRY_POLICY: RetryPolicy = {
  initialBackoffMs: 50,
  maxBackoffMs: 400,
  multiplier: 1.5,
  maxRetryAfterMs: 300,
  requestTimeoutMs: 30_000,
}

export interface SendStats {
  requests: number
  acknowledged: number
  retries: number
  /** Retries by cause: an HTTP status or a network error code. */
  retryCauses: Record<string, number>
  /** Requests whose outcome was unknown when the collector died (sent, no answer): always retried. */
  unknown: number
}

export class RefusedError extends Error {}

const RETRYABLE = new Set([429, 502, 503, 504])
// As @opentelemetry/otlp-grpc-exporter-base retries.
const GRPC_RETRYABLE = new Set([
  grpc.status.CANCELLED,
  grpc.status.DEADLINE_EXCEEDED,
  grpc.status.RESOURCE_EXHAUSTED,
  grpc.status.ABORTED,
  grpc.status.OUT_OF_RANGE,
  grpc.status.UNAVAILABLE,
  grpc.status.DATA_LOSS,
])

type Attempt = { ok: true } | { ok: false; cause: string; waitMs?: number; unknown: boolean }

/** ECONNREFUSED, ECONNRESET, UND_ERR_SOCKET… from fetch's cause chain. */
function networkCause(error: unknown): string {
  let e: unknown = error
  for (let depth = 0; depth < 4 && e instanceof Error; depth++) {
    const code = (e as Error & { code?: unknown }).code
    if (typeof code === 'string') return code
    if (e.name === 'TimeoutError') return 'timeout'
    e = e.cause
  }
  return error instanceof Error ? error.message : String(error)
}

export class Exporter {
  readonly stats: SendStats = { requests: 0, acknowledged: 0, retries: 0, retryCauses: {}, unknown: 0 }
  /** Requests sent and not yet answered: their outcome is unknown if the collector dies now. */
  inFlight = 0

  private readonly grpcClient: grpc.Client

  constructor(
    private readonly baseUrl: string,
    grpcAddress: string,
    private readonly rng: Rng,
    private readonly policy: RetryPolicy = CRASH_RETRY_POLICY,
  ) {
    this.grpcClient = new grpc.Client(grpcAddress, grpc.credentials.createInsecure(), {
      // While its connection is down the channel fails calls at once and reconnects after its own backoff,
      // which would otherwise grow to minutes across many restarts (and outlast the short load windows).
      'grpc.initial_reconnect_backoff_ms': 50,
      'grpc.max_reconnect_backoff_ms': 200,
    })
  }

  private closed = false

  /** Stops retrying (deliver throws) and closes the gRPC channel. */
  close(): void {
    this.closed = true
    this.grpcClient.close()
  }

  /** Sends until the collector acknowledges; throws RefusedError on an answer the exporters do not retry. */
  async deliver(batch: Batch): Promise<void> {
    let backoff = this.policy.initialBackoffMs
    for (;;) {
      if (this.closed) throw new Error(`exporter closed before ${batch.key} was acknowledged`)
      this.stats.requests++
      this.inFlight++
      let attempt: Attempt
      try {
        attempt = batch.transport === 'grpc' ? await this.grpcAttempt(batch) : await this.httpAttempt(batch)
      } finally {
        this.inFlight--
      }
      if (attempt.ok) {
        this.stats.acknowledged++
        return
      }
      if (attempt.unknown) this.stats.unknown++
      this.stats.retries++
      this.stats.retryCauses[attempt.cause] = (this.stats.retryCauses[attempt.cause] ?? 0) + 1
      // ±20 % jitter, as the OpenTelemetry JS exporters use.
      await sleep((attempt.waitMs ?? backoff) * (0.8 + 0.4 * this.rng.float()))
      backoff = Math.min(backoff * this.policy.multiplier, this.policy.maxBackoffMs)
    }
  }

  private async httpAttempt(batch: Batch): Promise<Attempt> {
    const headers: Record<string, string> = {
      'content-type': batch.encoding === 'json' ? 'application/json' : 'application/x-protobuf',
    }
    if (batch.gzip) headers['content-encoding'] = 'gzip'
    let connected = false
    try {
      const response = await fetch(`${this.baseUrl}${batch.signal === 'logs' ? '/v1/logs' : '/v1/metrics'}`, {
        method: 'POST',
        headers,
        body: new Uint8Array(batch.body),
        signal: AbortSignal.timeout(this.policy.requestTimeoutMs),
      })
      connected = true
      const text = Buffer.from(await response.arrayBuffer())
      if (response.status === 200) return { ok: true }
      if (!RETRYABLE.has(response.status)) throw new RefusedError(`${batch.key} refused with ${response.status}: ${text.toString('utf8').slice(0, 300)}`)
      const retryAfter = Number(response.headers.get('retry-after'))
      const waitMs = Number.isFinite(retryAfter) && retryAfter > 0 ? Math.min(retryAfter * 1000, this.policy.maxRetryAfterMs) : undefined
      return { ok: false, cause: `http ${response.status}`, waitMs, unknown: false }
    } catch (error) {
      if (error instanceof RefusedError) throw error
      const cause = networkCause(error)
      // A request that reached a collector which then died (reset, or closed without an answer).
      return { ok: false, cause, unknown: connected || cause !== 'ECONNREFUSED' }
    }
  }

  private grpcAttempt(batch: Batch): Promise<Attempt> {
    const service = grpcServices[batch.signal === 'logs' ? 'logs' : 'metrics']
    return new Promise((resolve, reject) => {
      this.grpcClient.makeUnaryRequest(
        service.path,
        (body: Buffer) => body,
        (bytes: Buffer) => bytes,
        batch.body,
        new grpc.Metadata(),
        { deadline: Date.now() + this.policy.requestTimeoutMs },
        (error: grpc.ServiceError | null) => {
          if (!error) return resolve({ ok: true })
          if (!GRPC_RETRYABLE.has(error.code)) return reject(new RefusedError(`${batch.key} refused over gRPC: ${error.code} ${error.details}`))
          // "No connection established" is a refused connection; anything else may have reached the collector.
          const refused = /No connection established|ECONNREFUSED/.test(error.details)
          resolve({ ok: false, cause: `grpc ${grpc.status[error.code]}${refused ? ' (no connection)' : ''}`, unknown: !refused })
        },
      )
    })
  }
}
