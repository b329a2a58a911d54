import { createHash } from 'node:crypto'
import type { Alert, Budget, BudgetStatus, Delivery } from '../../../schemas/budgets'
import { selectRows, type Warehouse } from '../../../warehouse/client'

/**
 * Budget alerts (docs/finance.md, "Alerts"): each threshold (percent of the amount) and the forecast
 * alert fire once per budget and period. The alert's id is derived from the three, and an alert is
 * written only if its id is not stored yet, so evaluating again (every few minutes, after every edit,
 * after a restart) never fires it twice. Each webhook of the budget gets a delivery, queued at once.
 */

const sha = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 32)

export interface DueAlert {
  id: string
  kind: 'threshold' | 'forecast'
  threshold: number | null
  message: string
}

const usd = (n: number) => `$${n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`

/** The alerts a budget's status calls for in its current period (pure; fired or not). */
export function dueAlerts(budget: Budget, status: BudgetStatus): DueAlert[] {
  if (status.period.state !== 'current') return []
  const due: DueAlert[] = []
  const key = `${budget.id}\u0000${status.period.firstDay}`
  for (const t of budget.thresholds) {
    if (status.spentUsd >= (budget.amountUsd * t) / 100)
      due.push({
        id: sha(`${key}\u0000threshold:${t}`),
        kind: 'threshold',
        threshold: t,
        message: `${budget.name}: ${usd(status.spentUsd)} spent, ${status.percent}% of ${usd(budget.amountUsd)} (alert at ${t}%), period ${status.period.firstDay} to ${status.period.lastDay}`,
      })
  }
  if (budget.forecastAlert && status.forecastUsd !== null && status.forecastUsd > budget.amountUsd && status.spentUsd < budget.amountUsd)
    due.push({
      id: sha(`${key}\u0000forecast`),
      kind: 'forecast',
      threshold: null,
      message: `${budget.name}: forecast ${usd(status.forecastUsd)} by ${status.period.lastDay} exceeds ${usd(budget.amountUsd)}${
        status.crossing ? `; crossing expected on ${status.crossing.date}` : ''
      } (${usd(status.spentUsd)} spent so far)`,
    })
  return due
}

/** Writes the due alerts not fired yet, and queues a delivery per webhook. Returns the new ones. */
export async function fireAlerts(client: Warehouse, budget: Budget, status: BudgetStatus, now: Date): Promise<DueAlert[]> {
  const due = dueAlerts(budget, status)
  if (due.length === 0) return []
  const fired = new Set(
    (
      await selectRows<{ id: string }>(client, 'SELECT DISTINCT alert_id AS id FROM budget_alerts WHERE alert_id IN {ids:Array(String)}', {
        ids: due.map((d) => d.id),
      })
    ).map((r) => r.id),
  )
  const fresh = due.filter((d) => !fired.has(d.id))
  if (fresh.length === 0) return []
  const at = now.toISOString().replace('T', ' ').replace('Z', '')
  await client.insert({
    table: 'budget_alerts',
    format: 'JSONEachRow',
    values: fresh.map((d) => ({
      alert_id: d.id,
      budget_id: budget.id,
      budget_name: budget.name,
      period_first: status.period.firstDay,
      kind: d.kind,
      threshold: d.threshold,
      fired_at: at,
      spent_usd: status.spentUsd.toFixed(6),
      forecast_usd: status.forecastUsd === null ? null : status.forecastUsd.toFixed(6),
      amount_usd: budget.amountUsd.toFixed(2),
      message: d.message,
    })),
  })
  const deliveries = fresh.flatMap((d) =>
    budget.webhooks.map((w) => ({
      delivery_id: sha(`${d.id}\u0000${w.url}`),
      alert_id: d.id,
      url: w.url,
      format: w.format,
      status: 'pending',
      attempts: 0,
      written_at: at,
      next_attempt: at,
      last_error: '',
    })),
  )
  if (deliveries.length > 0) await client.insert({ table: 'alert_deliveries', format: 'JSONEachRow', values: deliveries })
  return fresh
}

interface AlertRow {
  alert_id: string
  budget_id: string
  budget_name: string
  period_first: string
  kind: 'threshold' | 'forecast'
  threshold: number | null
  fired_at: string
  spent_usd: string
  forecast_usd: string | null
  amount_usd: string
  message: string
}

export interface DeliveryRow {
  delivery_id: string
  alert_id: string
  url: string
  format: 'json' | 'slack'
  status: Delivery['status']
  attempts: number
  written_at: string
  next_attempt: string | null
  last_error: string
}

const utc = (text: string | null) => (text === null ? null : new Date(`${text.replace(' ', 'T')}Z`).toISOString())

/**
 * Each delivery's current state: its row with the most attempts, the newest of those (attempts and errors
 * accumulate in it). Attempts first: every instance evaluates the budgets, and one that fires an alert a moment
 * after another did writes the same queued row (0 attempts) again, maybe after the first attempt's row; the
 * attempt still counts. `where` is code-owned SQL.
 */
export function deliveryStateSql(where: string): string {
  return `SELECT delivery_id, alert_id, url, format, status, attempts, written_at, next_attempt, last_error
    FROM alert_deliveries ${where} ORDER BY delivery_id, attempts DESC, written_at DESC LIMIT 1 BY delivery_id`
}

/** The alert log, newest first, with each delivery's state. */
export async function listAlerts(client: Warehouse, limit = 200): Promise<Alert[]> {
  const alerts = await selectRows<AlertRow>(
    client,
    `SELECT alert_id, any(budget_id) AS budget_id, any(budget_name) AS budget_name, toString(any(period_first)) AS period_first, any(kind) AS kind,
        any(threshold) AS threshold, toString(min(fired_at)) AS fired_at, toString(any(spent_usd)) AS spent_usd,
        toString(any(forecast_usd)) AS forecast_usd, toString(any(amount_usd)) AS amount_usd, any(message) AS message
     FROM budget_alerts GROUP BY alert_id ORDER BY fired_at DESC, alert_id LIMIT {limit:UInt32}`,
    { limit },
  )
  if (alerts.length === 0) return []
  const deliveries = await selectRows<DeliveryRow>(client, deliveryStateSql('WHERE alert_id IN {ids:Array(String)}'), { ids: alerts.map((a) => a.alert_id) })
  const byAlert = new Map<string, Delivery[]>()
  for (const d of deliveries) {
    const list = byAlert.get(d.alert_id) ?? []
    list.push({
      id: d.delivery_id,
      url: d.url,
      format: d.format,
      status: d.status,
      attempts: Number(d.attempts),
      lastAttemptAt: Number(d.attempts) > 0 ? utc(d.written_at) : null,
      nextAttemptAt: d.status === 'pending' ? utc(d.next_attempt) : null,
      lastError: d.last_error === '' ? null : d.last_error,
    })
    byAlert.set(d.alert_id, list)
  }
  return alerts.map((a) => ({
    id: a.alert_id,
    budgetId: a.budget_id,
    budgetName: a.budget_name,
    periodFirstDay: a.period_first,
    kind: a.kind,
    threshold: a.threshold === null ? null : Number(a.threshold),
    firedAt: utc(a.fired_at) ?? '',
    spentUsd: Number(a.spent_usd),
    forecastUsd: a.forecast_usd === null || a.forecast_usd === '' ? null : Number(a.forecast_usd),
    amountUsd: Number(a.amount_usd),
    message: a.message,
    deliveries: (byAlert.get(a.alert_id) ?? []).sort((x, y) => x.url.localeCompare(y.url)),
  }))
}
