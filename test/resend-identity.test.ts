import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { selectRows } from '../warehouse/client'
import { startTestCcscope, type TestCcscope } from './helpers/ccscope'
import { attrs, events, postJson } from './helpers/otlp-factory'

/**
 * Exactly once for records that carry no time: they are stored at their receive time, but that time is
 * not part of their identity, so an exporter's resend (arriving later) is recognised and not stored again.
 */

let cc: TestCcscope

beforeAll(async () => {
  cc = await startTestCcscope()
})

afterAll(async () => {
  await cc?.stop()
})

/** Claude Code's api_request, without its times (the SDK always sets them: an odd exporter's record). */
const logs = events({ user: 'timeless@example.com', session: 'timeless' }, [
  { name: 'api_request', timeMs: 0, attributes: { cost_usd: 0.25, 'event.timestamp': undefined } },
])
for (const rl of logs.resourceLogs ?? [])
  for (const sl of rl.scopeLogs ?? [])
    for (const record of sl.logRecords ?? []) {
      record.timeUnixNano = undefined
      record.observedTimeUnixNano = undefined
    }
/** A metric and a span that are not Claude Code's, from the same person. */
const who = attrs({ 'enduser.id': 'timeless@example.com', 'session.id': 'timeless' })
const metrics = {
  resourceMetrics: [
    {
      resource: { attributes: who },
      scopeMetrics: [{ metrics: [{ name: 'timeless.gauge', gauge: { dataPoints: [{ asDouble: 7, attributes: attrs({ 'session.id': 'timeless' }) }] } }] }],
    },
  ],
}
const traces = {
  resourceSpans: [
    {
      resource: { attributes: who },
      scopeSpans: [
        {
          spans: [
            { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', name: 'timeless-span', attributes: attrs({ 'session.id': 'timeless' }) },
          ],
        },
      ],
    },
  ],
}

async function count(): Promise<Record<string, number>> {
  const [row] = await selectRows<Record<string, string>>(
    cc.client,
    `SELECT (SELECT count() FROM events WHERE session_id = 'timeless') AS events,
            (SELECT count() FROM metric_points WHERE metric_name = 'timeless.gauge') AS metric_points,
            (SELECT count() FROM spans WHERE name = 'timeless-span') AS spans`,
  )
  return Object.fromEntries(Object.entries(row ?? {}).map(([k, v]) => [k, Number(v)]))
}

describe('a record without a timestamp', () => {
  it('is stored once however often it is resent, at whatever time', async () => {
    for (let attempt = 0; attempt < 3; attempt++) {
      for (const [path, body] of [
        ['/v1/logs', logs],
        ['/v1/metrics', metrics],
        ['/v1/traces', traces],
      ] as const)
        expect((await postJson(cc.otlpUrl, path, body)).status, path).toBe(200)
      // An exporter's retry comes later: another receive time (and another flush).
      await sleep(20)
    }
    expect(await count()).toEqual({ events: 1, metric_points: 1, spans: 1 })
    const summary = await cc.summary(undefined, { user: 'timeless@example.com' })
    expect(summary.apiRequests).toBe(1)
    expect(summary.costUsd).toBeCloseTo(0.25, 9)
  })
})
