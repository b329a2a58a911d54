import { adminPageSchema, type AdminPage } from '../../../schemas/billing'
import type { Logger } from '../../../runtime/logger'
import type { Warehouse } from '../../../warehouse/client'
import { rowsFromAdminPages } from './normalize'
import { storeBilledRows } from './store'

/**
 * Polls the Claude Code Analytics Admin API (GET /v1/organizations/usage_report/claude_code) with the admin
 * key the admin configured (CCSCOPE_ANTHROPIC_ADMIN_KEY, server/config.ts) and imports what it reports. The
 * API answers one UTC day per request (`starting_at`), in pages chained by has_more / next_page. Each poll
 * fetches the last `days` complete UTC days (never today, which is still filling) and stores each day as its
 * own import, replacing what an earlier poll stored of it: polling twice stores what polling once does, and
 * a day the API revises later is corrected by the next poll. A day that fails (network, HTTP error, a page
 * that does not parse) is logged and left as it was; the next poll tries it again.
 *
 * `fetch` is injected: tests hand it recorded pages (test/fixtures/anthropic-admin/); nothing here runs
 * unless server/ccscope.ts starts it, which it does only when the key is configured.
 */

export const ANTHROPIC_VERSION = '2023-06-01'
/** The API's largest page. */
const PAGE_LIMIT = 1000
/** Pages followed for one day before giving up (a cursor that never ends is the API's bug, not a loop here). */
const MAX_PAGES = 10_000

export interface BillingPollerOptions {
  client: Warehouse
  adminKey: string
  /** https://api.anthropic.com, or a proxy in front of it. */
  apiUrl: string
  /** How many complete UTC days before today each poll fetches (and replaces). */
  days: number
  intervalMs: number
  now: () => Date
  log: Logger
  fetch: typeof fetch
  userAgent: string
  pseudonymize?: ((user: string) => string) | undefined
}

export interface PollReport {
  imported: string[]
  failed: { day: string; error: string }[]
}

const DAY_MS = 86_400_000

export class BillingPoller {
  private timer: NodeJS.Timeout | undefined
  private running: Promise<PollReport> | undefined
  private stopped = false

  constructor(private readonly options: BillingPollerOptions) {}

  /** The first poll at once, then one every interval. */
  start(): void {
    this.schedule(0)
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return
    this.timer = setTimeout(() => {
      void this.poll().finally(() => this.schedule(this.options.intervalMs))
    }, delayMs)
    this.timer.unref()
  }

  /** One poll; a poll already under way is joined, not doubled. */
  poll(): Promise<PollReport> {
    this.running ??= this.pollDays().finally(() => {
      this.running = undefined
    })
    return this.running
  }

  async stop(): Promise<void> {
    this.stopped = true
    clearTimeout(this.timer)
    await this.running?.catch(() => undefined)
  }

  /** The UTC days a poll fetches: the `days` complete ones before today, oldest first. */
  daysToFetch(): string[] {
    const today = Date.parse(`${this.options.now().toISOString().slice(0, 10)}T00:00:00Z`)
    const out: string[] = []
    for (let n = this.options.days; n >= 1; n--) out.push(new Date(today - n * DAY_MS).toISOString().slice(0, 10))
    return out
  }

  private async pollDays(): Promise<PollReport> {
    const { log } = this.options
    const report: PollReport = { imported: [], failed: [] }
    for (const day of this.daysToFetch()) {
      if (this.stopped) break
      try {
        const pages = await this.fetchDay(day)
        const rows = rowsFromAdminPages(pages, this.options.pseudonymize)
        // The day is imported even when nobody is on it: then its telemetry is "not billed", not "not imported".
        await storeBilledRows(this.options.client, rows, 'admin_api', [day])
        report.imported.push(day)
      } catch (error) {
        report.failed.push({ day, error: (error as Error).message })
      }
    }
    if (report.failed.length > 0)
      log.warn({ failed: report.failed }, `Anthropic usage report: ${report.failed.length} day(s) not imported, retried at the next poll`)
    if (report.imported.length > 0) log.info({ days: report.imported }, `Anthropic usage report: imported ${report.imported.length} day(s)`)
    return report
  }

  /** Every page of one day's report. */
  async fetchDay(day: string): Promise<AdminPage[]> {
    const pages: AdminPage[] = []
    const seen = new Set<string>()
    let cursor: string | undefined
    for (let n = 0; n < MAX_PAGES; n++) {
      const url = new URL('/v1/organizations/usage_report/claude_code', this.options.apiUrl)
      url.searchParams.set('starting_at', day)
      url.searchParams.set('limit', String(PAGE_LIMIT))
      if (cursor) url.searchParams.set('page', cursor)
      const res = await this.options.fetch(url, {
        headers: { 'x-api-key': this.options.adminKey, 'anthropic-version': ANTHROPIC_VERSION, 'user-agent': this.options.userAgent },
        signal: AbortSignal.timeout(30_000),
      })
      const body: unknown = await res.json().catch(() => null)
      if (!res.ok) {
        const message = (body as { error?: { message?: unknown } } | null)?.error?.message
        throw new Error(`${day}: Anthropic answered HTTP ${res.status}${typeof message === 'string' ? `: ${message}` : ''}`)
      }
      const page = adminPageSchema.safeParse(body)
      if (!page.success) {
        const issue = page.error.issues[0]
        throw new Error(`${day}, page ${n + 1}: not the documented shape (${issue?.path.join('.')}: ${issue?.message})`)
      }
      const other = page.data.data.find((r) => r.date !== day)
      if (other) throw new Error(`${day}, page ${n + 1}: a record of ${other.date}, not of the day asked for`)
      pages.push(page.data)
      const next = page.data.next_page ?? undefined
      if (!page.data.has_more || !next) return pages
      if (seen.has(next)) throw new Error(`${day}: next_page ${next} repeats`)
      seen.add(next)
      cursor = next
    }
    throw new Error(`${day}: more than ${MAX_PAGES} pages`)
  }
}
