import { afterAll, beforeAll, expect, it } from 'vitest'
import { checkDeployment, compareTotals, EXPECTED } from '../scripts/cluster-check'
import { startTestCcscope, type TestCcscope } from './helpers/ccscope'

/** `npm run cluster:check` against a ccscope it can reach here (the embedded engine): what it does on a cluster. */
let cc: TestCcscope
beforeAll(async () => {
  cc = await startTestCcscope()
}, 60_000)
afterAll(async () => {
  await cc?.stop()
})

it('sends the real payloads twice and finds every figure, once', async () => {
  const lines: string[] = []
  const rows = await checkDeployment({ otlp: cc.otlpUrl, api: cc.apiUrl }, (line) => lines.push(line))
  expect(rows.filter((r) => !r.ok)).toEqual([])
  expect(rows).toHaveLength(10)
  expect(lines[0]).toMatch(/^window read back: /)
}, 60_000)

it('fails a figure that is off, even by a cent, or not reported', () => {
  const good = {
    users: EXPECTED.users,
    sessions: EXPECTED.sessions,
    apiRequests: EXPECTED.apiRequests,
    policyDenials: EXPECTED.policyDenials,
    costUsd: EXPECTED.costUsd,
  }
  expect(compareTotals(good).every((r) => r.ok)).toBe(true)
  expect(compareTotals({ ...good, costUsd: EXPECTED.costUsd + 0.01 }).find((r) => r.figure === 'costUsd')?.ok).toBe(false)
  expect(compareTotals({ ...good, apiRequests: null }).find((r) => r.figure === 'apiRequests')?.ok).toBe(false)
})
