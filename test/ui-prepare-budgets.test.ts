import { describe, expect, it } from 'vitest'
import type { Budget, BudgetStatus } from '../schemas/budgets'
import { budgetFromForm, budgetView, deliveryView, emptyForm, formOf, webhookFormat } from '../dashboard/ui/prepare/budgets'
import { destinationLabel, runLabel, scheduleFromForm } from '../dashboard/ui/prepare/reports'

const budget: Budget = {
  id: 'a'.repeat(24),
  name: 'Web',
  scope: { kind: 'team', value: 'web' },
  period: { kind: 'month' },
  amountUsd: 2000,
  timeZone: 'UTC',
  thresholds: [75, 95],
  forecastAlert: true,
  webhooks: [],
  updatedAt: '2026-11-18T12:00:00.000Z',
  updatedBy: 'fin',
}

function status(over: Partial<BudgetStatus>): BudgetStatus {
  return {
    period: { firstDay: '2026-11-01', lastDay: '2026-11-30', days: 30, elapsedDays: 17.5, state: 'current' },
    spentUsd: 1350,
    percent: 67.5,
    forecastUsd: 2280,
    crossing: { date: '2026-11-26', past: false },
    runRate: { weekdayUsd: 100, weekendUsd: 20, days: 28 },
    backtest: { meanAbsErrorPct: 4.2, forecasts: [] },
    ...over,
  }
}

describe('a budget card', () => {
  it('warns when the forecast goes over, and scales the bar to the forecast', () => {
    const v = budgetView(budget, status({}))
    expect(v).toMatchObject({
      scope: 'Team web',
      period: 'Nov 1 – Nov 30, day 18 of 30',
      spent: '$1,350.00',
      amount: '$2,000.00',
      percent: '67.5%',
      forecast: '$2,280.00',
      crossing: 'Forecast to cross on Nov 26',
      tone: 'warn',
      runRate: '$100.00 a weekday, $20.00 a weekend day (last 28 days)',
    })
    expect(v.bar).toEqual({ spent: 59.2, forecast: 100, amount: 87.7 })
  })

  it('is calm under budget, red once over, and never invents a forecast', () => {
    expect(budgetView(budget, status({ spentUsd: 500, percent: 25, forecastUsd: 1000, crossing: null })).tone).toBe('ok')
    const over = budgetView(budget, status({ spentUsd: 2100, percent: 105, crossing: { date: '2026-11-17', past: true } }))
    expect(over).toMatchObject({ tone: 'over', crossing: 'Crossed on Nov 17' })
    const none = budgetView(
      budget,
      status({ spentUsd: 0, percent: 0, forecastUsd: null, crossing: null, runRate: null, backtest: { meanAbsErrorPct: null, forecasts: [] } }),
    )
    expect(none).toMatchObject({
      forecast: '—',
      crossing: 'No spend history to forecast from yet',
      runRate: '—',
      error: 'No complete past month to test the forecast on yet',
    })
  })

  it('reaching the first threshold is a warning too', () => {
    expect(budgetView(budget, status({ spentUsd: 1520, percent: 76, forecastUsd: 1900, crossing: null })).tone).toBe('warn')
  })
})

describe('deliveries', () => {
  const base = { id: 'd', url: 'https://hooks.example.com/x', format: 'json' as const, lastAttemptAt: null, nextAttemptAt: null, lastError: null }
  const fmt = (iso: string) => iso.slice(11, 16)
  it('say how each delivery stands', () => {
    expect(deliveryView({ ...base, status: 'delivered', attempts: 1 }, 'UTC', fmt)).toEqual({
      label: 'hooks.example.com: delivered',
      tone: 'good',
      detail: 'after 1 attempt',
    })
    expect(deliveryView({ ...base, status: 'pending', attempts: 2, lastError: 'HTTP 503', nextAttemptAt: '2026-11-18T12:01:00Z' }, 'UTC', fmt).detail).toBe(
      '2 attempts so far (HTTP 503); next at 12:01',
    )
    expect(deliveryView({ ...base, status: 'failed', attempts: 8, lastError: 'HTTP 404' }, 'UTC', fmt)).toMatchObject({
      tone: 'bad',
      detail: 'gave up after 8 attempts; last error: HTTP 404',
    })
  })
})

describe('the budget form', () => {
  it('round-trips a budget', () => {
    const form = formOf({ ...budget, webhooks: [{ url: 'https://hooks.slack.com/services/T/B/x', format: 'slack' }] })
    const back = budgetFromForm(form)
    expect(back).toEqual({
      budget: {
        name: 'Web',
        scope: { kind: 'team', value: 'web' },
        period: { kind: 'month' },
        amountUsd: 2000,
        timeZone: 'UTC',
        thresholds: [75, 95],
        forecastAlert: true,
        webhooks: [{ url: 'https://hooks.slack.com/services/T/B/x', format: 'slack' }],
      },
    })
  })

  it('reads amounts and percentages as people type them, and names the field at fault', () => {
    const form = { ...emptyForm('Europe/Berlin'), name: 'Org', amount: '$12,500.50', thresholds: '50%, 90' }
    expect(budgetFromForm(form)).toMatchObject({
      budget: { amountUsd: 12500.5, thresholds: [50, 90], timeZone: 'Europe/Berlin', scope: { kind: 'organization' } },
    })
    expect(budgetFromForm({ ...form, amount: '' })).toEqual({ error: expect.stringMatching(/^Amount \(USD\): /) })
    expect(budgetFromForm({ ...form, scopeKind: 'team', scopeValue: '' })).toEqual({ error: 'Whose spend: must name the team, cost center or user' })
    expect(budgetFromForm({ ...form, thresholds: '75, lots' })).toEqual({ error: 'Alert at: whole percentages, e.g. 75, 95' })
    expect(budgetFromForm({ ...form, webhooks: 'ftp://x' })).toEqual({ error: 'Webhooks: must be an http(s) URL' })
  })

  it('sends Slack incoming webhooks a Slack message', () => {
    expect(webhookFormat('https://hooks.slack.com/services/T0/B0/abc')).toBe('slack')
    expect(webhookFormat('https://alerts.example.com/ccscope')).toBe('json')
  })
})

describe('the reports panel', () => {
  const run = {
    scheduleId: 's',
    scheduleName: 'S',
    kind: 'weeklyDigest' as const,
    firstDay: '2026-11-09',
    lastDay: '2026-11-15',
    at: '2026-11-16T00:05:00Z',
    files: [],
  }
  it('says how each run went', () => {
    expect(runLabel({ ...run, status: 'delivered', attempts: 1, error: null })).toEqual({ text: '2026-11-09 to 2026-11-15: delivered', tone: 'good' })
    expect(runLabel({ ...run, status: 'retrying', attempts: 2, error: 'HTTP 502' })).toEqual({
      text: '2026-11-09 to 2026-11-15: retrying, 2 attempts so far (HTTP 502)',
      tone: 'warn',
    })
    expect(runLabel({ ...run, status: 'failed', attempts: 8, error: 'HTTP 404' }).tone).toBe('bad')
    expect(destinationLabel({ destination: { kind: 'webhook', url: 'https://hooks.slack.com/services/x', format: 'slack' } })).toBe('hooks.slack.com (Slack)')
    expect(destinationLabel({ destination: { kind: 'folder' } })).toBe('the reports folder on the server')
  })

  it('turns the form into a schedule, or names the field at fault', () => {
    const form = { name: 'Weekly', kind: 'weeklyDigest' as const, where: 'webhook' as const, url: ' https://hooks.slack.com/services/T/B/x ', timeZone: 'UTC' }
    expect(scheduleFromForm(form)).toEqual({
      schedule: {
        name: 'Weekly',
        kind: 'weeklyDigest',
        timeZone: 'UTC',
        destination: { kind: 'webhook', url: 'https://hooks.slack.com/services/T/B/x', format: 'slack' },
      },
    })
    expect(scheduleFromForm({ ...form, url: 'mailto:x@example.com' })).toEqual({ error: 'Webhook URL: must be an http(s) URL' })
    expect(scheduleFromForm({ ...form, where: 'folder', url: '' })).toMatchObject({ schedule: { destination: { kind: 'folder' } } })
    expect(scheduleFromForm({ ...form, name: ' ' })).toEqual({ error: 'Name: must not be empty' })
    expect(scheduleFromForm({ ...form, where: 'email', url: 'fin@example.com, cfo@example.com' })).toMatchObject({
      schedule: { destination: { kind: 'email', to: ['fin@example.com', 'cfo@example.com'] } },
    })
    expect(scheduleFromForm({ ...form, where: 'email', url: 'finance' })).toEqual({ error: 'E-mail addresses: must be e-mail addresses' })
    expect(destinationLabel({ destination: { kind: 'email', to: ['a@example.com', 'b@example.com'] } })).toBe('a@example.com, b@example.com')
  })
})
