import { afterAll, beforeAll, expect, it } from 'vitest'
import { startNotifier, type Notifier } from '../dashboard/api/budgets/notifier'
import { createLogger } from '../runtime/logger'
import { selectRows } from '../warehouse/client'
import { startTestCcscope, tempDir, type TestCcscope } from './helpers/ccscope'
import { HISTORY_NOW, sendSpendHistory } from './helpers/spend-history'
import { startWebhookReceiver, type WebhookReceiver } from './helpers/webhook-receiver'

/**
 * Two ccscope instances on one warehouse, both evaluating budgets and report schedules (CCSCOPE_ALERTS on
 * everywhere, no configuration), at the same instant, against one webhook receiver: every alert and every
 * report arrives once. Before, each instance delivered its own copy.
 */
const NOW = HISTORY_NOW
let cc: TestCcscope
let receiver: WebhookReceiver
let base: string
let received: WebhookReceiver['received']

beforeAll(async () => {
  cc = await startTestCcscope({ CCSCOPE_ALERTS: 'false' }, { now: () => NOW })
  await sendSpendHistory(cc)
  receiver = await startWebhookReceiver()
  base = receiver.base
  received = receiver.received
}, 120_000)
afterAll(async () => {
  await receiver?.close()
  await cc?.stop()
})

async function post(path: string, body: unknown): Promise<void> {
  const res = await fetch(`${cc.apiUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-requested-with': 'test' },
    body: JSON.stringify(body),
  })
  expect(res.status).toBe(200)
}

it('delivers each alert and each report once when two instances evaluate at the same instant', async () => {
  // Ops has spent 180 of 200 this month (helpers/spend-history.ts): the 50 % and 80 % alerts are due.
  await post('/api/v1/budgets', {
    name: 'Ops',
    scope: { kind: 'team', value: 'ops' },
    period: { kind: 'month' },
    amountUsd: 200,
    thresholds: [50, 80],
    forecastAlert: false,
    webhooks: [{ url: `${base}/alerts` }, { url: `${base}/slack`, format: 'slack' }],
  })
  await post('/api/v1/reports/schedules', { name: 'Month CSV', kind: 'monthlyCostCsv', destination: { kind: 'webhook', url: `${base}/books` } })

  const instance = (): Notifier =>
    startNotifier({
      client: cc.client,
      reader: cc.reader,
      log: createLogger('silent'),
      now: () => NOW,
      evaluateEveryMs: 86_400_000,
      deliverEveryMs: 86_400_000,
      reportsDir: tempDir('ccscope-reports-'),
    })
  const a = instance()
  const b = instance()
  try {
    for (let round = 0; round < 3; round++) await Promise.all([a.evaluateNow(), b.evaluateNow()])
    await Promise.all([a.deliverNow(), b.deliverNow()])
  } finally {
    await a.stop()
    await b.stop()
  }
  const thresholds = (path: string) =>
    received
      .filter((r) => r.path === path)
      .map((r) => (JSON.parse(r.body) as { alert?: { threshold: number } }).alert?.threshold)
      .sort()
  const count = (path: string) => received.filter((r) => r.path === path).length
  expect({ alerts: thresholds('/alerts'), slack: count('/slack'), reports: count('/books') }).toEqual({ alerts: [50, 80], slack: 2, reports: 1 })
  expect(received.length).toBe(5)

  // The alert log shows each delivery once, delivered at the first attempt.
  const alerts = (await (await fetch(`${cc.apiUrl}/api/v1/alerts`)).json()) as { alerts: { deliveries: { status: string; attempts: number }[] }[] }
  expect(alerts.alerts.flatMap((x) => x.deliveries.map((d) => [d.status, d.attempts]))).toEqual(Array(4).fill(['delivered', 1]))
}, 120_000)

it('keeps a delivery delivered when an instance that fired the same alert a moment later queues it again', async () => {
  // That instance found the alert not fired yet, and wrote its queued row (0 attempts) after the first attempt's.
  const [row] = await selectRows<Record<string, unknown>>(cc.client, "SELECT * FROM alert_deliveries WHERE status = 'delivered' LIMIT 1")
  expect(row).toBeDefined()
  const later = new Date(NOW.getTime() + 60_000).toISOString().replace('T', ' ').replace('Z', '')
  await cc.client.insert({
    table: 'alert_deliveries',
    format: 'JSONEachRow',
    values: [{ ...row, status: 'pending', attempts: 0, written_at: later, next_attempt: later, last_error: '' }],
  })
  // Long after: the first attempt's claim has left its window.
  await cc.client.command({ query: 'TRUNCATE TABLE claims' })
  const before = received.length
  const n = startNotifier({
    client: cc.client,
    reader: cc.reader,
    log: createLogger('silent'),
    now: () => new Date(NOW.getTime() + 120_000),
    evaluateEveryMs: 86_400_000,
  })
  try {
    expect(await n.deliverNow()).toBe(0)
  } finally {
    await n.stop()
  }
  expect(received.length).toBe(before)
})
