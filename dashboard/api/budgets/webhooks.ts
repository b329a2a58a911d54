import { z } from 'zod'
import type { Claimant } from '../../../warehouse/claims'
import { selectRows, type Warehouse } from '../../../warehouse/client'
import { run } from '../../../warehouse/query'
import { deliveryStateSql, type DeliveryRow } from './alerts'

/**
 * Webhook delivery of budget alerts, with retries (docs/finance.md, "Alerts"). A delivery is tried when
 * due; a 2xx answer delivers it, anything else (another status, a network error, no answer in time) is
 * written to the log and tried again later, with the wait doubling, until the attempts run out: then it
 * is 'failed' and stays in the log. Every attempt is a row, so a restart resumes where the log stands.
 *
 * Several instances on one warehouse each run these rounds: an attempt is claimed first (warehouse/claims.ts,
 * key delivery, attempt number), and only the instance whose claim is first makes it. The winner reads the
 * delivery's state once more before sending, so an instance whose round read it before another's attempt
 * (whose claim has since left the window) does not send it again.
 */

export interface RetryPolicy {
  /** Attempts before a delivery is 'failed'. */
  maxAttempts: number
  /** Wait after the first failure; doubled after each further one. */
  firstDelayMs: number
  maxDelayMs: number
  /** A receiver that has not answered by then has failed this attempt. */
  timeoutMs: number
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 8, firstDelayMs: 30_000, maxDelayMs: 3_600_000, timeoutMs: 10_000 }

export type Fetch = (
  url: string,
  init: { method: string; headers: Record<string, string>; body: string; signal: AbortSignal; redirect: 'manual' },
) => Promise<{ status: number }>

interface Due extends DeliveryRow {
  budget_id: string
  budget_name: string
  kind: string
  threshold: number | null
  message: string
  fired_at: string
  spent_usd: string
  forecast_usd: string | null
  amount_usd: string
  period_first: string
}

/** The body a webhook receives: ccscope's JSON document, or Slack's incoming-webhook { text }. */
export function payloadOf(d: Due): string {
  if (d.format === 'slack') return JSON.stringify({ text: `:money_with_wings: ccscope budget alert — ${d.message}` })
  return JSON.stringify({
    type: 'ccscope.budget_alert',
    alert: {
      id: d.alert_id,
      kind: d.kind,
      threshold: d.threshold === null ? null : Number(d.threshold),
      message: d.message,
      firedAt: new Date(`${d.fired_at.replace(' ', 'T')}Z`).toISOString(),
      periodFirstDay: d.period_first,
      spentUsd: Number(d.spent_usd),
      forecastUsd: d.forecast_usd === null ? null : Number(d.forecast_usd),
      amountUsd: Number(d.amount_usd),
    },
    budget: { id: d.budget_id, name: d.budget_name },
  })
}

const text = (date: Date) => date.toISOString().replace('T', ' ').replace('Z', '')

const attemptsRow = z.object({ status: z.string(), attempts: z.coerce.number() })

/** Claims a delivery's next attempt; true if this instance makes it (no other claimed it, and it is still as read). */
async function claimAttempt(client: Warehouse, claimant: Claimant, d: Due): Promise<boolean> {
  const key = `delivery:${d.delivery_id}:${Number(d.attempts) + 1}`
  if ((await claimant.claim([{ key, user_key: '' }])).has(key)) return false
  const [current] = await run(client, { sql: deliveryStateSql('WHERE delivery_id = {id:String}'), params: { id: d.delivery_id }, row: attemptsRow })
  return current !== undefined && current.status === 'pending' && current.attempts === Number(d.attempts)
}

/**
 * Tries every delivery that is due; returns how many were tried (by this instance). With a claimant, each
 * attempt is made by one instance of those sharing the warehouse.
 */
export async function deliverDue(client: Warehouse, fetcher: Fetch, policy: RetryPolicy, now: () => Date, claimant?: Claimant): Promise<number> {
  const due = await selectRows<Due>(
    client,
    `SELECT d.*, a.budget_id, a.budget_name, a.kind, a.threshold, a.message, toString(a.fired_at) AS fired_at, toString(a.spent_usd) AS spent_usd,
        toString(a.forecast_usd) AS forecast_usd, toString(a.amount_usd) AS amount_usd, toString(a.period_first) AS period_first
     FROM (${deliveryStateSql('')}) AS d
     INNER JOIN (SELECT * FROM budget_alerts FINAL) AS a ON a.alert_id = d.alert_id
     WHERE d.status = 'pending' AND d.next_attempt <= {now:DateTime64(3, 'UTC')}
     ORDER BY d.next_attempt LIMIT 100`,
    { now: text(now()) },
  )
  let tried = 0
  for (const d of due) {
    if (claimant && !(await claimAttempt(client, claimant, d))) continue
    tried++
    const attempts = Number(d.attempts) + 1
    let error = ''
    try {
      const answer = await fetcher(d.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'ccscope-alerts' },
        body: payloadOf(d),
        signal: AbortSignal.timeout(policy.timeoutMs),
        redirect: 'manual',
      })
      if (answer.status < 200 || answer.status > 299) error = `HTTP ${answer.status}`
    } catch (e) {
      error = e instanceof Error ? (e.name === 'TimeoutError' ? `no answer within ${policy.timeoutMs} ms` : e.message) : String(e)
    }
    const at = now()
    const status = error === '' ? 'delivered' : attempts >= policy.maxAttempts ? 'failed' : 'pending'
    const wait = Math.min(policy.maxDelayMs, policy.firstDelayMs * 2 ** (attempts - 1))
    await client.insert({
      table: 'alert_deliveries',
      format: 'JSONEachRow',
      values: [
        {
          delivery_id: d.delivery_id,
          alert_id: d.alert_id,
          url: d.url,
          format: d.format,
          status,
          attempts,
          written_at: text(at),
          next_attempt: status === 'pending' ? text(new Date(at.getTime() + wait)) : null,
          last_error: error.slice(0, 500),
        },
      ],
    })
  }
  return tried
}
