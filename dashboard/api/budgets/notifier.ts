import type { Logger } from '../../../runtime/logger'
import { Claimant, type ClaimOptions } from '../../../warehouse/claims'
import type { Warehouse } from '../../../warehouse/client'
import type { Reader } from '../../../warehouse/pool'
import type { SendMail } from '../reports/mail'
import { runDueReports } from '../reports/runner'
import { fireAlerts } from './alerts'
import { budgetStatuses } from './status'
import { listBudgets } from './store'
import { DEFAULT_RETRY, deliverDue, type Fetch, type RetryPolicy } from './webhooks'

/**
 * The alert loop: evaluates every budget on a timer (and at once after a budget is saved), fires the
 * thresholds crossed, and delivers queued webhooks with retries; in the same rounds, sends the scheduled
 * reports whose period has completed (../reports/runner.ts). One evaluation or delivery round runs
 * at a time; stop() waits for the one in progress.
 *
 * Every instance on a warehouse may run this loop (CCSCOPE_ALERTS, on by default): evaluating is idempotent
 * (an alert's id is its budget, period and threshold), and each webhook attempt and report attempt is claimed
 * in the warehouse first and made by the one instance whose claim is first (warehouse/claims.ts), so an
 * alert or report is sent once however many instances evaluate it at the same moment.
 */

/** A delivery attempt's claim holds for 10 minutes (an attempt waits at most its timeout); a report's for 30 (it is computed first). */
export const DELIVERY_CLAIMS: ClaimOptions = { settleMs: 100, windowSeconds: 600 }
export const REPORT_CLAIMS: ClaimOptions = { settleMs: 100, windowSeconds: 1800 }

export interface NotifierOptions {
  client: Warehouse
  reader: Reader
  log: Logger
  now?: () => Date
  fetch?: Fetch
  retry?: RetryPolicy
  /** How often budgets are evaluated; default 5 minutes. */
  evaluateEveryMs?: number
  /** How often due deliveries are tried; default 10 s. */
  deliverEveryMs?: number
  /** False while the warehouse is not reachable or migrated yet: rounds are skipped meanwhile. */
  ready?: () => boolean
  /** Scheduled reports' folder (CCSCOPE_REPORTS_DIR); reports run in the same rounds as budgets. */
  reportsDir?: string
  /** Reports' e-mail (CCSCOPE_SMTP_URL). */
  sendMail?: SendMail
}

export interface Notifier {
  /** Evaluates every budget now, then tries the deliveries that are due. */
  evaluateNow(): Promise<void>
  /** Tries the due deliveries now. */
  deliverNow(): Promise<number>
  stop(): Promise<void>
}

const defaultFetch: Fetch = (url, init) => fetch(url, init)

export function startNotifier(options: NotifierOptions): Notifier {
  const { client, reader, log, now = () => new Date(), fetch: fetcher = defaultFetch, retry = DEFAULT_RETRY } = options
  let stopped = false
  const deliveries = new Claimant(client, DELIVERY_CLAIMS)
  const reports = new Claimant(client, REPORT_CLAIMS)
  // One round at a time: rounds queue behind each other instead of overlapping.
  let chain: Promise<unknown> = Promise.resolve()
  const serial = <T>(work: () => Promise<T>): Promise<T> => {
    const next = chain.then(work, work)
    chain = next.catch(() => undefined)
    return next
  }

  const evaluate = async () => {
    if (options.reportsDir !== undefined)
      await runDueReports({
        client,
        reader,
        now,
        fetch: fetcher,
        reportsDir: options.reportsDir,
        claimant: reports,
        ...(options.sendMail ? { sendMail: options.sendMail } : {}),
      })
    const budgets = await listBudgets(client)
    if (budgets.length === 0) return
    const at = now()
    const { statuses } = await budgetStatuses(reader, budgets, at)
    for (const budget of budgets) {
      const status = statuses.get(budget.id)
      if (!status) continue
      const fresh = await fireAlerts(client, budget, status, at)
      for (const a of fresh) log.info({ budget: budget.id, alert: a.id }, `budget alert: ${a.message}`)
    }
  }
  const deliver = () => deliverDue(client, fetcher, retry, now, deliveries)

  const ready = options.ready ?? (() => true)
  const run = (what: string, work: () => Promise<unknown>) => () => {
    if (stopped || !ready()) return
    serial(work).catch((error: unknown) => log.error({ err: error }, `budget alerts: ${what} failed; tried again at the next round`))
  }
  const evaluateTimer = setInterval(run('evaluating budgets', evaluate), options.evaluateEveryMs ?? 300_000)
  const deliverTimer = setInterval(run('delivering webhooks', deliver), options.deliverEveryMs ?? 10_000)
  evaluateTimer.unref()
  deliverTimer.unref()
  run('evaluating budgets', evaluate)()

  return {
    evaluateNow: () =>
      serial(async () => {
        await evaluate()
        await deliver()
      }),
    deliverNow: () => serial(deliver),
    async stop() {
      stopped = true
      clearInterval(evaluateTimer)
      clearInterval(deliverTimer)
      await chain
    },
  }
}
