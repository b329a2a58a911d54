/**
 * Sending batches through the exporters: several exports in flight, each retried on failure with
 * exponential backoff (the collector answers 429/503 when its buffer is full; the SDK's own retries
 * give up after its timeout), and fewer in flight after a failure (additive increase, multiplicative
 * decrease), so that a busy collector is slowed down to, not hammered.
 */
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs'
import type { ResourceMetrics } from '@opentelemetry/sdk-metrics'
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base'
import { ExportResultCode } from '@opentelemetry/core'
import { describeFailure, isPermanent, type Exporters } from './exporters'

export interface SenderOptions {
  /** Most exports in flight. */
  concurrency: number
  /** Attempts per export before the run fails. */
  maxAttempts: number
  /** Called with the records of each acknowledged export. */
  onSent(records: number): void
  /** Called with a line to show when an export is retried. */
  onRetry(message: string): void
}

export type Batch =
  | { signal: 'logs'; payload: ReadableLogRecord[]; records: number }
  | { signal: 'metrics'; payload: ResourceMetrics; records: number }
  | { signal: 'traces'; payload: ReadableSpan[]; records: number }

export interface SendStats {
  exports: number
  retries: number
  /** Lowest concurrency reached after failures. */
  minConcurrency: number
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

export class Sender {
  readonly stats: SendStats
  private inFlight = 0
  private limit: number
  private successes = 0
  private readonly waiters: Array<() => void> = []
  private readonly running = new Set<Promise<void>>()
  private failure: Error | undefined

  constructor(
    private readonly exporters: Exporters,
    private readonly options: SenderOptions,
  ) {
    this.limit = options.concurrency
    this.stats = { exports: 0, retries: 0, minConcurrency: options.concurrency }
  }

  /** Waits for a free slot, then starts the export in the background. Throws once any export has failed for good. */
  async submit(batch: Batch): Promise<void> {
    if (this.failure) throw this.failure
    while (this.inFlight >= this.limit) await new Promise<void>((resolve) => this.waiters.push(resolve))
    if (this.failure) throw this.failure
    this.inFlight++
    const task = this.send(batch)
      .catch((error: unknown) => {
        this.failure ??= error instanceof Error ? error : new Error(String(error))
      })
      .finally(() => {
        this.inFlight--
        this.running.delete(task)
        this.wake()
      })
    this.running.add(task)
  }

  /** Waits for every export in flight; throws if any failed for good. */
  async drain(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running])
    if (this.failure) throw this.failure
  }

  private wake(): void {
    while (this.waiters.length > 0 && this.inFlight < this.limit) this.waiters.shift()?.()
    if (this.failure) for (const w of this.waiters.splice(0)) w()
  }

  private async send(batch: Batch): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const result =
        batch.signal === 'logs'
          ? await this.exporters.logs(batch.payload)
          : batch.signal === 'metrics'
            ? await this.exporters.metrics(batch.payload)
            : await this.exporters.traces(batch.payload)
      if (result.code === ExportResultCode.SUCCESS) {
        this.stats.exports++
        this.options.onSent(batch.records)
        if (++this.successes >= this.limit && this.limit < this.options.concurrency) {
          this.limit++
          this.successes = 0
          this.wake()
        }
        return
      }
      const reason = describeFailure(result)
      if (isPermanent(this.exporters.protocol, result)) throw new Error(`${batch.signal} export refused: ${reason}`)
      if (attempt >= this.options.maxAttempts) {
        throw new Error(`${batch.signal} export of ${batch.records} records failed ${attempt} times; last: ${reason}`)
      }
      this.stats.retries++
      this.limit = Math.max(1, Math.floor(this.limit / 2))
      this.successes = 0
      this.stats.minConcurrency = Math.min(this.stats.minConcurrency, this.limit)
      const delay = Math.min(30_000, 500 * 2 ** (attempt - 1)) * (0.75 + Math.random() * 0.5)
      this.options.onRetry(
        `${batch.signal} export (${batch.records} records) failed: ${reason}; retry ${attempt}/${this.options.maxAttempts - 1} in ${(delay / 1000).toFixed(1)} s, ${this.limit} in flight`,
      )
      await sleep(delay)
    }
  }
}
