/**
 * How far the demo's history has loaded: what /api/v1/meta reports (the dashboard's banner) and what the
 * console says. Progress counts planned records (simulator/backfill.ts plannedRecords) of the windows
 * written; the rate, hence the ETA, counts only the windows written by this process.
 */
import type { MetaLoading } from '../schemas/meta'
import { formatDuration } from './progress'

export class DemoProgress {
  private loaded = 0
  private loadedThisRun = 0
  private loadedFrom: number | undefined
  private state: MetaLoading['state'] = 'loading'
  private message: string | null = null
  private readonly startedAt = Date.now()

  constructor(
    private readonly total: number,
    private readonly period: { fromMs: number; endMs: number },
    private readonly what = "the demo fleet's history",
  ) {}

  /** A window that an earlier run already wrote. */
  alreadyDone(records: number, fromMs: number): void {
    this.loaded += records
    this.loadedFrom = Math.min(this.loadedFrom ?? fromMs, fromMs)
  }

  windowDone(records: number, fromMs: number): void {
    this.loaded += records
    this.loadedThisRun += records
    this.loadedFrom = Math.min(this.loadedFrom ?? fromMs, fromMs)
  }

  complete(): void {
    this.state = 'complete'
    this.loaded = this.total
  }

  failed(message: string): void {
    this.state = 'failed'
    this.message = message
  }

  get percent(): number {
    return this.total > 0 ? Math.min(100, (100 * this.loaded) / this.total) : 100
  }

  get seconds(): number {
    return (Date.now() - this.startedAt) / 1000
  }

  private eta(): number | null {
    // The first windows are small and the start slow: no estimate until a twentieth is in.
    if (this.state !== 'loading' || this.loadedThisRun < this.total / 20) return null
    const rate = this.loadedThisRun / Math.max(0.001, this.seconds)
    return Math.max(0, (this.total - this.loaded) / rate)
  }

  meta(): MetaLoading {
    return {
      what: this.what,
      state: this.state,
      percent: Math.round(this.percent * 10) / 10,
      records: { loaded: this.loaded, total: this.total },
      from: new Date(this.period.fromMs).toISOString(),
      to: new Date(this.period.endMs).toISOString(),
      loadedFrom: this.loadedFrom === undefined ? null : new Date(this.loadedFrom).toISOString(),
      startedAt: new Date(this.startedAt).toISOString(),
      etaSeconds: this.eta(),
      message: this.message,
    }
  }

  /** One console line: `demo history 42.0%  765,000 / 1,823,443 records, 12.3 s, ETA 0:17 (complete from 2026-11-25)`. */
  line(): string {
    const eta = this.eta()
    return (
      `demo history ${this.percent.toFixed(1).padStart(5)}%  ${fmt(this.loaded)} / ${fmt(this.total)} records, ${this.seconds.toFixed(1)} s` +
      `${eta === null ? '' : `, ETA ${formatDuration(eta)}`}` +
      `${this.loadedFrom === undefined ? '' : ` (complete from ${new Date(this.loadedFrom).toISOString().slice(0, 16).replace('T', ' ')} UTC)`}`
    )
  }
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US')
}
