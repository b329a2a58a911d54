import { expect } from 'vitest'
import type { TestCcscope } from './ccscope'
import { apiRequest, events, postJson, type EventSpec } from './otlp-factory'

/**
 * A spend history with known answers, for budgets and reports: team web (ana@example.com) spends 100 USD
 * each weekday and 20 each weekend day, half at 03:00 and half at 15:00 UTC; team ops (bo@example.com) 10
 * a day at 03:01. From 2026-08-01 up to `now`.
 */
export const HISTORY_NOW = new Date('2026-11-18T12:00:00Z')
const DAY = 86_400_000
const weekend = (ms: number) => [0, 6].includes(new Date(ms).getUTCDay())

export async function sendSpendHistory(
  cc: TestCcscope,
  now = HISTORY_NOW,
  extra: { who: { user: string; team: string; session: string }; specs: EventSpec[] }[] = [],
): Promise<void> {
  const web: EventSpec[] = []
  const ops: EventSpec[] = []
  for (let day = Date.UTC(2026, 7, 1); day < now.getTime(); day += DAY) {
    const half = weekend(day) ? 10 : 50
    for (const hour of [3, 15]) if (day + hour * 3_600_000 < now.getTime()) web.push(apiRequest(day + hour * 3_600_000, half))
    ops.push(apiRequest(day + 3 * 3_600_000 + 60_000, 10))
  }
  const sends = [
    { who: { user: 'ana@example.com', team: 'web', session: 'sess-web' }, specs: web },
    { who: { user: 'bo@example.com', team: 'ops', session: 'sess-ops' }, specs: ops },
    ...extra,
  ]
  for (const { who, specs } of sends) {
    const res = await postJson(cc.otlpUrl, '/v1/logs', events(who, specs))
    expect(res.status, await res.text()).toBe(200)
  }
  await cc.writer.flush()
}
