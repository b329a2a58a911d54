import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AlertsResponse, Budget, BudgetHistoryResponse, BudgetsResponse } from '../schemas/budgets'
import { startNotifier } from '../dashboard/api/budgets/notifier'
import { createLogger } from '../runtime/logger'
import { startTestCcscope, type TestCcscope } from './helpers/ccscope'
import { HISTORY_NOW, sendSpendHistory } from './helpers/spend-history'
import { startWebhookReceiver, type WebhookReceiver } from './helpers/webhook-receiver'

/**
 * Budgets end to end on the real engine: spend equals the Cost page's, the forecast and crossing day on
 * a history with known answers (helpers/spend-history.ts; "now" is Wednesday 2026-11-18 12:00 UTC, so
 * today web has spent 50 and ops 10), alerts once per period and threshold, the audit trail, webhook retries.
 */
const NOW = HISTORY_NOW

const json = { 'content-type': 'application/json', 'x-requested-with': 'test' }
async function api<T>(cc: TestCcscope, method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(`${cc.apiUrl}${path}`, { method, headers: json, ...(body === undefined ? {} : { body: JSON.stringify(body) }) })
  return { status: res.status, body: (await res.json()) as T }
}

describe('budgets through the API', () => {
  let cc: TestCcscope
  beforeAll(async () => {
    cc = await startTestCcscope({ CCSCOPE_ALERT_EVALUATE_SECONDS: '86400' }, { now: () => NOW })
    await sendSpendHistory(cc)
  }, 120_000)
  afterAll(async () => {
    await cc?.stop()
  })

  let web: Budget
  let org: Budget
  it('creates budgets and answers spend, forecast and crossing day', async () => {
    const created = await api<Budget>(cc, 'POST', '/api/v1/budgets', {
      name: 'Web team',
      scope: { kind: 'team', value: 'web' },
      period: { kind: 'month' },
      amountUsd: 2000,
    })
    expect(created.status, JSON.stringify(created.body)).toBe(200)
    web = created.body
    expect(web).toMatchObject({ thresholds: [75, 95], forecastAlert: true, timeZone: 'UTC', updatedBy: 'local' })
    org = (
      await api<Budget>(cc, 'POST', '/api/v1/budgets', { name: 'Organization', scope: { kind: 'organization' }, period: { kind: 'month' }, amountUsd: 1500 })
    ).body

    const { status, body } = await api<BudgetsResponse>(cc, 'GET', '/api/v1/budgets')
    expect(status).toBe(200)
    expect(body.asOf).toBe(NOW.toISOString())
    const webStatus = body.budgets.find((b) => b.budget.id === web.id)?.status
    // November 1–17: 12 weekdays × 100 + 5 weekend days × 20; today 50 so far.
    expect(webStatus).toMatchObject({
      period: { firstDay: '2026-11-01', lastDay: '2026-11-30', days: 30, elapsedDays: 17.5, state: 'current' },
      spentUsd: 1350,
      percent: 67.5,
      // + the rest of today (50) + 8 weekdays and 4 weekend days: the month's true total.
      forecastUsd: 2280,
      crossing: { date: '2026-11-26', past: false },
      runRate: { weekdayUsd: 100, weekendUsd: 20, days: 28 },
    })
    // Steady history: the method's error on August–October is zero, and it says which forecasts it tested.
    expect(webStatus?.backtest.meanAbsErrorPct).toBe(0)
    expect(webStatus?.backtest.forecasts.map((f) => f.month)).toEqual([
      '2026-10',
      '2026-10',
      '2026-10',
      '2026-09',
      '2026-09',
      '2026-09',
      '2026-08',
      '2026-08',
      '2026-08',
    ])

    // Spend is the Cost page's figure for the same scope and days.
    const cost = (await (await fetch(`${cc.apiUrl}/api/v1/cost?from=2026-11-01&tz=UTC&measures=costUsd&team=web`)).json()) as { totals: { costUsd: number } }
    expect(webStatus?.spentUsd).toBe(cost.totals.costUsd)
    const orgStatus = body.budgets.find((b) => b.budget.id === org.id)?.status
    const all = (await (await fetch(`${cc.apiUrl}/api/v1/cost?from=2026-11-01&tz=UTC&measures=costUsd`)).json()) as { totals: { costUsd: number } }
    expect(orgStatus?.spentUsd).toBe(all.totals.costUsd)
    expect(orgStatus?.spentUsd).toBe(1350 + 18 * 10)
    // By the 17th web's 1,300 and ops' 170 make 1,470; the 18th's 60 so far cross 1,500.
    expect(orgStatus?.crossing).toEqual({ date: '2026-11-18', past: true })
  })

  it('fires each threshold once per period, and the forecast alert, right after a save', async () => {
    const first = await api<AlertsResponse>(cc, 'GET', '/api/v1/alerts')
    const kinds = first.body.alerts.map((a) => `${a.budgetName}:${a.kind}:${a.threshold ?? ''}`).sort()
    // Organization: 102 % spent (75 and 95 fire; no forecast alert once the amount is spent). Web: forecast over budget.
    expect(kinds).toEqual(['Organization:threshold:75', 'Organization:threshold:95', 'Web team:forecast:'])
    const forecast = first.body.alerts.find((a) => a.kind === 'forecast')
    expect(forecast?.message).toMatch(/forecast \$2,280\.00 by 2026-11-30 exceeds \$2,000\.00; crossing expected on 2026-11-26/)

    // Saving again (a smaller amount: 1,350 is now over 75 % of 1,700) fires only what had not fired.
    const edited = await api<Budget>(cc, 'PUT', `/api/v1/budgets/${web.id}`, { ...pick(web), amountUsd: 1700 })
    expect(edited.status).toBe(200)
    const second = await api<AlertsResponse>(cc, 'GET', '/api/v1/alerts')
    expect(second.body.alerts.map((a) => `${a.budgetName}:${a.kind}:${a.threshold ?? ''}`).sort()).toEqual([
      'Organization:threshold:75',
      'Organization:threshold:95',
      'Web team:forecast:',
      'Web team:threshold:75',
    ])
    // And again: nothing new.
    await api<Budget>(cc, 'PUT', `/api/v1/budgets/${web.id}`, { ...pick(web), amountUsd: 1700 })
    const third = await api<AlertsResponse>(cc, 'GET', '/api/v1/alerts')
    expect(third.body.alerts.length).toBe(4)
  })

  it('keeps an audit trail of who changed what', async () => {
    await api(cc, 'DELETE', `/api/v1/budgets/${org.id}`)
    const list = await api<BudgetsResponse>(cc, 'GET', '/api/v1/budgets')
    expect(list.body.budgets.map((b) => b.budget.name)).toEqual(['Web team'])
    const history = await api<BudgetHistoryResponse>(cc, 'GET', `/api/v1/budgets/${web.id}/history`)
    expect(history.body.changes.map((c) => [c.action, c.by, c.budget?.amountUsd])).toEqual([
      ['update', 'local', 1700],
      ['update', 'local', 1700],
      ['create', 'local', 2000],
    ])
    const gone = await api<BudgetHistoryResponse>(cc, 'GET', `/api/v1/budgets/${org.id}/history`)
    expect(gone.body.changes.map((c) => c.action)).toEqual(['delete', 'create'])
    expect((await api(cc, 'PUT', `/api/v1/budgets/${org.id}`, pick(org))).status).toBe(404)
  })

  it('refuses bad budgets with the field named', async () => {
    const bad = await api<{ message: string }>(cc, 'POST', '/api/v1/budgets', { name: 'x', scope: { kind: 'team' }, period: { kind: 'month' }, amountUsd: 10 })
    expect(bad.status).toBe(400)
    expect(bad.body.message).toMatch(/^scope\.value/)
    const cents = await api<{ message: string }>(cc, 'POST', '/api/v1/budgets', {
      name: 'x',
      scope: { kind: 'organization' },
      period: { kind: 'custom', firstDay: '2026-12-10', lastDay: '2026-12-01' },
      amountUsd: 10,
    })
    expect(cents.body.message).toMatch(/^period\.lastDay: lastDay must not be before firstDay/)
    const hook = await api<{ message: string }>(cc, 'POST', '/api/v1/budgets', {
      name: 'x',
      scope: { kind: 'organization' },
      period: { kind: 'month' },
      amountUsd: 10,
      webhooks: [{ url: 'file:///etc/passwd' }],
    })
    expect(hook.body.message).toMatch(/^webhooks\.0\.url: must be an http\(s\) URL/)
  })

  it('is in the OpenAPI document', async () => {
    const doc = (await (await fetch(`${cc.apiUrl}/api/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> }
    expect(Object.keys(doc.paths['/api/v1/budgets'] ?? {}).sort()).toEqual(['get', 'post'])
    expect(Object.keys(doc.paths['/api/v1/budgets/{id}'] ?? {}).sort()).toEqual(['delete', 'put'])
    expect(doc.paths['/api/v1/alerts']).toBeDefined()
    expect(doc.paths['/api/v1/budgets/{id}/history']).toBeDefined()
  })
})

function pick(b: Budget) {
  const { id: _id, updatedAt: _at, updatedBy: _by, ...input } = b
  return input
}

describe('webhook delivery', () => {
  let cc: TestCcscope
  let receiver: WebhookReceiver
  let received: WebhookReceiver['received']
  let flaky = 2
  beforeAll(async () => {
    cc = await startTestCcscope({ CCSCOPE_ALERTS: 'false' }, { now: () => NOW })
    await sendSpendHistory(cc)
    // /flaky fails twice, then takes it; /down always fails.
    receiver = await startWebhookReceiver((path) => ((path === '/flaky' ? flaky-- <= 0 : path !== '/down') ? 204 : 503))
    received = receiver.received
  }, 120_000)
  afterAll(async () => {
    await receiver?.close()
    await cc?.stop()
  })

  it('retries until delivered, and keeps a delivery that never gets through as failed', async () => {
    const base = receiver.base
    let clock = NOW.getTime()
    const notifier = startNotifier({
      client: cc.client,
      reader: cc.reader,
      log: createLogger('silent'),
      now: () => new Date(clock),
      retry: { maxAttempts: 3, firstDelayMs: 1000, maxDelayMs: 60_000, timeoutMs: 2000 },
      evaluateEveryMs: 86_400_000,
      deliverEveryMs: 86_400_000,
    })
    try {
      const created = await api<Budget>(cc, 'POST', '/api/v1/budgets', {
        name: 'Ops',
        scope: { kind: 'team', value: 'ops' },
        period: { kind: 'month' },
        amountUsd: 200,
        thresholds: [80],
        forecastAlert: false,
        webhooks: [{ url: `${base}/flaky`, format: 'slack' }, { url: `${base}/down` }],
      })
      expect(created.status).toBe(200)
      await notifier.evaluateNow() // 180 of 200 spent: the 80 % alert fires; each webhook tried once (and fails)
      const state = async () =>
        (await api<AlertsResponse>(cc, 'GET', '/api/v1/alerts')).body.alerts[0]?.deliveries.map((d) => [d.url.slice(base.length), d.status, d.attempts])
      expect(await state()).toEqual([
        ['/down', 'pending', 1],
        ['/flaky', 'pending', 1],
      ])
      expect(await notifier.deliverNow()).toBe(0) // not due yet: the next attempt waits 1 s
      clock += 1000
      expect(await notifier.deliverNow()).toBe(2)
      clock += 2000
      expect(await notifier.deliverNow()).toBe(2)
      expect(await state()).toEqual([
        ['/down', 'failed', 3],
        ['/flaky', 'delivered', 3],
      ])
      clock += 60_000
      expect(await notifier.deliverNow()).toBe(0) // nothing left to try; the failed one stays in the log
      const alert = (await api<AlertsResponse>(cc, 'GET', '/api/v1/alerts')).body.alerts[0]
      expect(alert?.deliveries.find((d) => d.status === 'failed')?.lastError).toBe('HTTP 503')

      const flakyBodies = received.filter((r) => r.path === '/flaky').map((r) => JSON.parse(r.body) as { text: string })
      expect(flakyBodies.length).toBe(3)
      expect(flakyBodies[0]?.text).toMatch(/Ops: \$180\.00 spent, 90% of \$200\.00 \(alert at 80%\)/)
      const down = JSON.parse(received.find((r) => r.path === '/down')?.body ?? '{}') as { type: string; alert: { threshold: number; spentUsd: number } }
      expect(down).toMatchObject({ type: 'ccscope.budget_alert', alert: { kind: 'threshold', threshold: 80, spentUsd: 180, amountUsd: 200 } })
    } finally {
      await notifier.stop()
    }
  })
})
