import { budgetInputSchema, type Alert, type Budget, type BudgetInput, type BudgetStatus, type Delivery } from '../../../schemas/budgets'
import { formatPeriod, formatUsd } from '../format'

/**
 * The Budgets page's pure parts: a budget's card (figures, bar, crossing), the alert log's rows, and the
 * form ↔ budget conversion (checked by the API's own schema before it is sent). Tested in
 * test/ui-prepare-budgets.test.ts.
 */

export type Tone = 'ok' | 'warn' | 'over'

export interface BudgetView {
  scope: string
  period: string
  spent: string
  amount: string
  percent: string
  /** Bar widths in % of the track: the track is the larger of the amount and the forecast. */
  bar: { spent: number; forecast: number | null; amount: number }
  forecast: string
  crossing: string
  tone: Tone
  runRate: string
  error: string
}

const SCOPE_LABEL = { team: 'Team', costCenter: 'Cost center', user: 'User' } as const

export function scopeLabel(budget: Pick<Budget, 'scope'>): string {
  return budget.scope.kind === 'organization' ? 'Organization' : `${SCOPE_LABEL[budget.scope.kind]} ${budget.scope.value}`
}

export function budgetView(budget: Budget, status: BudgetStatus): BudgetView {
  const { period } = status
  const forecast = status.forecastUsd
  const top = Math.max(budget.amountUsd, forecast ?? 0, status.spentUsd)
  const pct = (usd: number) => Math.min(100, Math.round((usd / top) * 1000) / 10)
  const over = status.spentUsd >= budget.amountUsd
  const heading = budget.thresholds.length > 0 ? Math.min(...budget.thresholds) : 100
  const tone: Tone = over ? 'over' : (forecast !== null && forecast > budget.amountUsd) || status.percent >= heading ? 'warn' : 'ok'
  const crossing =
    status.crossing === null
      ? period.state === 'ended'
        ? 'Stayed within the budget'
        : forecast === null
          ? 'No spend history to forecast from yet'
          : 'Not expected to cross in this period'
      : status.crossing.past
        ? `Crossed on ${formatPeriod(status.crossing.date)}`
        : `Forecast to cross on ${formatPeriod(status.crossing.date)}`
  const stateNote =
    period.state === 'upcoming' ? ' (not started)' : period.state === 'ended' ? ' (ended)' : `, day ${Math.ceil(period.elapsedDays)} of ${period.days}`
  const rate = status.runRate
  const error = status.backtest.meanAbsErrorPct
  return {
    scope: scopeLabel(budget),
    period: `${formatPeriod(period.firstDay)} – ${formatPeriod(period.lastDay)}${stateNote}`,
    spent: formatUsd(status.spentUsd),
    amount: formatUsd(budget.amountUsd),
    percent: `${status.percent}%`,
    bar: { spent: pct(status.spentUsd), forecast: forecast === null ? null : pct(forecast), amount: pct(budget.amountUsd) },
    forecast: period.state === 'ended' ? formatUsd(status.spentUsd) : forecast === null ? '—' : formatUsd(forecast),
    crossing,
    tone,
    runRate: rate ? `${formatUsd(rate.weekdayUsd)} a weekday, ${formatUsd(rate.weekendUsd)} a weekend day (last ${rate.days} days)` : '—',
    error:
      error === null
        ? 'No complete past month to test the forecast on yet'
        : `±${error}% on average over ${status.backtest.forecasts.length} forecasts of past months (made on days 8, 15 and 22)`,
  }
}

export interface DeliveryView {
  label: string
  tone: 'good' | 'warn' | 'bad'
  detail: string
}

export function deliveryView(d: Delivery, timeZone: string, format: (iso: string, tz: string) => string): DeliveryView {
  const host = hostOf(d.url)
  if (d.status === 'delivered') return { label: `${host}: delivered`, tone: 'good', detail: `after ${d.attempts} attempt${d.attempts === 1 ? '' : 's'}` }
  if (d.status === 'failed')
    return { label: `${host}: failed`, tone: 'bad', detail: `gave up after ${d.attempts} attempts; last error: ${d.lastError ?? 'unknown'}` }
  return {
    label: `${host}: retrying`,
    tone: 'warn',
    detail: `${d.attempts} attempt${d.attempts === 1 ? '' : 's'} so far${d.lastError ? ` (${d.lastError})` : ''}${d.nextAttemptAt ? `; next at ${format(d.nextAttemptAt, timeZone)}` : ''}`,
  }
}

function hostOf(url: string): string {
  try {
    return new URL(url).host
  } catch {
    return url
  }
}

export function alertLabel(alert: Pick<Alert, 'kind' | 'threshold'>): string {
  return alert.kind === 'forecast' ? 'Forecast over budget' : `${alert.threshold}% reached`
}

/** The form's fields, all text (as inputs hold them). */
export interface BudgetForm {
  name: string
  scopeKind: 'organization' | 'team' | 'costCenter' | 'user'
  scopeValue: string
  periodKind: 'month' | 'custom'
  firstDay: string
  lastDay: string
  amount: string
  timeZone: string
  thresholds: string
  forecastAlert: boolean
  webhooks: string
}

export function emptyForm(timeZone: string): BudgetForm {
  return {
    name: '',
    scopeKind: 'organization',
    scopeValue: '',
    periodKind: 'month',
    firstDay: '',
    lastDay: '',
    amount: '',
    timeZone,
    thresholds: '75, 95',
    forecastAlert: true,
    webhooks: '',
  }
}

export function formOf(budget: Budget): BudgetForm {
  return {
    name: budget.name,
    scopeKind: budget.scope.kind,
    scopeValue: budget.scope.kind === 'organization' ? '' : budget.scope.value,
    periodKind: budget.period.kind,
    firstDay: budget.period.kind === 'custom' ? budget.period.firstDay : '',
    lastDay: budget.period.kind === 'custom' ? budget.period.lastDay : '',
    amount: String(budget.amountUsd),
    timeZone: budget.timeZone,
    thresholds: budget.thresholds.join(', '),
    forecastAlert: budget.forecastAlert,
    webhooks: budget.webhooks.map((w) => w.url).join('\n'),
  }
}

/** A Slack incoming webhook gets Slack's { text } body; any other URL ccscope's JSON document. */
export function webhookFormat(url: string): 'json' | 'slack' {
  return /^https:\/\/hooks\.slack\.com\//.test(url) ? 'slack' : 'json'
}

/** The form as the API's budget, or the first problem in words (the field named as on the form). */
export function budgetFromForm(form: BudgetForm): { budget: BudgetInput } | { error: string } {
  const amount = Number(form.amount.replace(/[$,\s]/g, ''))
  const thresholds = form.thresholds
    .split(/[,\s]+/)
    .filter((t) => t !== '')
    .map((t) => Number(t.replace(/%$/, '')))
  if (thresholds.some((t) => !Number.isInteger(t))) return { error: 'Alert at: whole percentages, e.g. 75, 95' }
  const webhooks = form.webhooks
    .split('\n')
    .map((w) => w.trim())
    .filter((w) => w !== '')
    .map((url) => ({ url, format: webhookFormat(url) }))
  const parsed = budgetInputSchema.safeParse({
    name: form.name,
    scope: form.scopeKind === 'organization' ? { kind: 'organization' } : { kind: form.scopeKind, value: form.scopeValue },
    period: form.periodKind === 'month' ? { kind: 'month' } : { kind: 'custom', firstDay: form.firstDay, lastDay: form.lastDay },
    amountUsd: form.amount.trim() === '' ? Number.NaN : amount,
    timeZone: form.timeZone,
    thresholds,
    forecastAlert: form.forecastAlert,
    webhooks,
  })
  if (parsed.success) return { budget: parsed.data }
  const issue = parsed.error.issues[0]
  const field = FIELD_NAMES[String(issue?.path[0] ?? '')] ?? String(issue?.path[0] ?? 'Budget')
  return { error: `${field}: ${issue?.message ?? 'invalid'}` }
}

const FIELD_NAMES: Record<string, string> = {
  name: 'Name',
  scope: 'Whose spend',
  period: 'Period',
  amountUsd: 'Amount (USD)',
  timeZone: 'Time zone',
  thresholds: 'Alert at',
  webhooks: 'Webhooks',
}
