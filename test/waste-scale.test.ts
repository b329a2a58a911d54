import { afterAll, beforeAll, expect, it } from 'vitest'
import type { ExportLogsRequest } from '../schemas/otlp'
import type { WasteResponse } from '../schemas/waste'
import { startTestCcscope, type TestCcscope } from './helpers/ccscope'
import { apiRequest, events, postJson, type EventSpec } from './helpers/otlp-factory'

/**
 * The waste card's totals count every session of the range, past any list: the reads used to stop at the 5 000
 * costliest sessions and the 5 000 most denied commands, so at fleet scale the card undercounted (at 100 M events
 * 21 730 denial loops showed as 5 000), and a costly session with no edit past the 5 000 costliest was not found.
 * Here 5 001 sessions of $10 with an accepted edit and a denial loop each, and one of $6 with no edit.
 */
let cc: TestCcscope
const T = Date.parse('2026-11-12T10:00:00Z')
const BUSY = 5_001
const denied = (ms: number): EventSpec => ({
  name: 'tool_decision',
  timeMs: ms,
  attributes: { tool_name: 'Bash', decision: 'reject', source: 'config', tool_parameters: JSON.stringify({ bash_command: 'curl' }) },
})

beforeAll(async () => {
  cc = await startTestCcscope()
  const sessions: ExportLogsRequest[] = []
  for (let i = 0; i < BUSY; i++) {
    const t = T + (i % 600) * 1_000
    sessions.push(
      events({ user: `busy${i % 50}@example.com`, session: `busy-${i}` }, [
        apiRequest(t, 10),
        { name: 'tool_decision', timeMs: t + 10, attributes: { tool_name: 'Edit', decision: 'accept', source: 'config' } },
        denied(t + 20),
        denied(t + 30),
      ]),
    )
  }
  sessions.push(events({ user: 'idle@example.com', session: 'idle' }, [apiRequest(T, 6)]))
  // A thousand sessions a request: well under the body limit, and few requests.
  for (let i = 0; i < sessions.length; i += 1_000) {
    const body: ExportLogsRequest = { resourceLogs: sessions.slice(i, i + 1_000).flatMap((s) => s.resourceLogs ?? []) }
    const res = await postJson(cc.otlpUrl, '/v1/logs', body)
    expect(res.status, await res.text()).toBe(200)
  }
  await cc.writer.flush()
}, 120_000)
afterAll(async () => {
  await cc?.stop()
})

it('counts every session in its totals, not the first 5 000', async () => {
  const res = await fetch(`${cc.apiUrl}/api/v1/waste?from=2026-11-12&to=2026-11-13&minRepeats=2&minCostUsd=5`)
  expect(res.status, await res.clone().text()).toBe(200)
  const byKind = Object.fromEntries(((await res.json()) as WasteResponse).patterns.map((p) => [p.kind, p]))
  // Every loop: 2 denials, the second priced at the session's $10 a request.
  expect(byKind.denialLoop).toMatchObject({ sessions: BUSY, occurrences: 2 * BUSY, usd: 10 * BUSY })
  expect(byKind.denialLoop?.examples.length).toBe(10)
  // The $6 session with no edit, below 5 001 costlier ones that all have edits.
  expect(byKind.costlyNoEdit).toMatchObject({ sessions: 1, occurrences: 1, usd: 6 })
  expect(byKind.costlyNoEdit?.examples.map((e) => e.sessionId)).toEqual(['idle'])
})
