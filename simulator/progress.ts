/**
 * A progress bar on a stream (stderr by default): records sent / total, rate, ETA. On a terminal it
 * redraws one line in place; elsewhere (CI logs, pipes) it prints a plain line every few seconds.
 */

export interface ProgressStream {
  write(text: string): unknown
  isTTY?: boolean
  columns?: number
}

export interface ProgressOptions {
  stream?: ProgressStream
  label?: string
  /** Plain-text line interval when the stream is not a terminal. */
  plainIntervalMs?: number
  now?: () => number
}

const fmtInt = (n: number) => Math.round(n).toLocaleString('en-US')

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--'
  const s = Math.round(seconds)
  const h = Math.floor(s / 3600)
  const m = Math.floor((s % 3600) / 60)
  const r = s % 60
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${String(r).padStart(2, '0')}` : `${m}:${String(r).padStart(2, '0')}`
}

export class Progress {
  private done = 0
  private readonly started: number
  private lastDraw = 0
  private drawn = false
  private readonly stream: ProgressStream
  private readonly tty: boolean
  private readonly label: string
  private readonly plainIntervalMs: number
  private readonly now: () => number

  constructor(
    private readonly total: number,
    options: ProgressOptions = {},
  ) {
    this.stream = options.stream ?? process.stderr
    this.tty = this.stream.isTTY === true
    this.label = options.label ?? 'sending'
    this.plainIntervalMs = options.plainIntervalMs ?? 5000
    this.now = options.now ?? Date.now
    this.started = this.now()
  }

  get sent(): number {
    return this.done
  }

  add(records: number): void {
    this.done += records
    const now = this.now()
    if (now - this.lastDraw >= (this.tty ? 100 : this.plainIntervalMs)) this.draw(now)
  }

  /** A message on its own line; the bar is redrawn below it. */
  note(message: string): void {
    if (this.tty && this.drawn) this.stream.write('\r\x1b[2K')
    this.stream.write(`${message}\n`)
    if (this.tty && this.drawn) this.draw(this.now())
  }

  finish(): void {
    this.draw(this.now(), true)
    if (this.tty) this.stream.write('\n')
  }

  line(now = this.now(), withBar = this.tty): string {
    const elapsed = Math.max(0.001, (now - this.started) / 1000)
    const rate = this.done / elapsed
    const fraction = this.total > 0 ? Math.min(1, this.done / this.total) : 1
    const eta = rate > 0 ? (this.total - this.done) / rate : Number.NaN
    const width = 24
    const filled = Math.round(fraction * width)
    const bar = withBar ? `[${'█'.repeat(filled)}${'░'.repeat(width - filled)}] ` : ''
    return (
      `${this.label} ${bar}${(fraction * 100).toFixed(1).padStart(5)}%  ${fmtInt(this.done)} / ${fmtInt(this.total)} records  ` +
      `${fmtInt(rate)} rec/s  ${this.done >= this.total ? `in ${formatDuration(elapsed)}` : `ETA ${formatDuration(eta)}`}`
    )
  }

  private draw(now: number, final = false): void {
    this.lastDraw = now
    const text = this.line(now)
    if (this.tty) {
      const cols = this.stream.columns || 120
      // On a narrow terminal the figures matter more than the bar.
      const fitted = text.length < cols ? text : this.line(now, false)
      this.stream.write(`\r\x1b[2K${fitted.slice(0, Math.max(20, cols - 1))}`)
      this.drawn = true
    } else if (final || this.done < this.total) {
      this.stream.write(`${text}\n`)
    }
  }
}
