import fs from 'node:fs'
import path from 'node:path'
import zlib from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { seedWarehouse } from '../bench/seed'
import { decodeBody } from '../collector/otlp/decode'
import { conformance, EVENT_KINDS, METRICS } from '../schemas/claude-code'
import type { ExportLogsRequest, ExportMetricsRequest, KeyValue } from '../schemas/otlp'
import { planUsers, resolvePeriod } from '../simulator/fleet'
import { logRecords, otelOf, standardAttributes } from '../simulator/otlp'
import { Rng } from '../simulator/random'
import { scenarioUser } from '../simulator/scenario'
import { generate } from '../simulator/run'
import { Tally } from '../simulator/truths'
import { selectRows } from '../warehouse/client'
import { eventSource, metricSource } from './crash/telemetry'
import { startTestCcscope, type TestCcscope } from './helpers/ccscope'
import { FIXTURE_FOLDERS, FIXTURES_DIR, loadFixture } from './helpers/fixtures'
import { generateFleet } from './helpers/fleet'
import { apiRequest, costMetrics, events, metrics } from './helpers/otlp-factory'

/**
 * One model of Claude Code's telemetry (schemas/claude-code.ts), held to the real CLI's captures and the
 * reference catalog, and every generator in the repository held to the model: the simulator (demo and
 * `npm run simulate`), the test fleet, the tests' OTLP factory, the crash-test client and the bench seed.
 */

type Request = ExportLogsRequest | ExportMetricsRequest
const keyValues = (values: Record<string, unknown>): KeyValue[] => Object.keys(values).map((key) => ({ key }))

let cc: TestCcscope
beforeAll(async () => {
  cc = await startTestCcscope()
}, 60_000)
afterAll(async () => {
  await cc?.stop()
})

describe('the model', () => {
  it('matches every request the real CLI sent (the captures are the ground truth)', () => {
    let checked = 0
    for (const folder of FIXTURE_FOLDERS)
      for (const captured of loadFixture(folder)) {
        if (captured.signal === 'traces') continue
        const encoding = captured.headers['content-type']?.includes('protobuf') ? 'protobuf' : 'json'
        const batch = decodeBody(captured.signal, encoding, captured.body)
        expect(conformance(batch.request as Request), `${folder}/${captured.name}`).toEqual([])
        checked++
      }
    expect(checked).toBeGreaterThan(10)
  })

  it("names the reference catalog's every event kind and metric, and nothing else", () => {
    const reference = fs.readFileSync(path.resolve(FIXTURES_DIR, '../../reference/claude-code-telemetry.md'), 'utf8')
    const section = (from: string, to: string) => reference.slice(reference.indexOf(from), reference.indexOf(to, reference.indexOf(from)))
    const firstCells = (text: string) => [...text.matchAll(/^\| `([a-z_.]+)`/gm)].map((m) => m[1] ?? '').filter((name, i, all) => all.indexOf(name) === i)
    expect(firstCells(section('## Events', '### `tool_decision.source`')).sort()).toEqual(Object.keys(EVENT_KINDS).sort())
    expect(firstCells(section('## Metrics', '## Events')).sort()).toEqual(Object.keys(METRICS).sort())
  })

  it('names what does not match: an invented kind, metric or attribute', () => {
    const logs: ExportLogsRequest = {
      resourceLogs: [
        {
          resource: { attributes: [{ key: 'team.id' }] },
          scopeLogs: [
            {
              logRecords: [
                { body: { stringValue: 'claude_code.api_request' }, attributes: [{ key: 'cost_usd' }, { key: 'team.id' }, { key: 'costUsd' }] },
                { body: { stringValue: 'claude_code.tool_call' }, attributes: [] },
              ],
            },
          ],
        },
      ],
    }
    expect(conformance(logs)).toEqual(['api_request: attribute costUsd', 'unknown event "claude_code.tool_call"'])
    const metrics: ExportMetricsRequest = {
      resourceMetrics: [
        {
          scopeMetrics: [
            {
              metrics: [
                { name: 'claude_code.cost.usage', sum: { dataPoints: [{ attributes: [{ key: 'model' }, { key: 'tool_name' }] }] } },
                { name: 'claude_code.cost.total', sum: { dataPoints: [] } },
              ],
            },
          ],
        },
      ],
    }
    expect(conformance(metrics)).toEqual(['claude_code.cost.usage: attribute tool_name', 'unknown metric "claude_code.cost.total"'])
    // A test's own markers are allowed where a generator declares them.
    expect(conformance(logs, { markers: ['costUsd'] })).toEqual(['unknown event "claude_code.tool_call"'])
  })
})

describe('every generator sends what Claude Code sends', () => {
  it('the test fleet (test/helpers/fleet.ts)', () => {
    const fleet = generateFleet({ seed: 3, users: 12, days: 4, start: new Date(Date.UTC(2026, 10, 2)) })
    const problems = new Set(fleet.requests.flatMap((r) => conformance(r.body)))
    expect([...problems]).toEqual([])
  })

  it("the tests' OTLP factory (test/helpers/otlp-factory.ts), whose users are the simulator's", () => {
    const at = Date.UTC(2026, 10, 2, 10)
    const alice = { user: 'a@example.com', session: 's1', team: 'api' }
    const requests = [
      events(alice, [apiRequest(at, 0.5), { name: 'user_prompt', timeMs: at - 1000, attributes: { prompt_length: 12 } }]),
      events({ session: 's2' }, [apiRequest(at, 0.25)]),
      costMetrics(alice, 'cumulative', [{ startMs: at, timeMs: at + 60_000, value: 1, querySource: 'subagent' }], 1000),
      metrics(alice, 'delta', [
        { metric: 'claude_code.lines_of_code.count', attributes: { type: 'added', model: 'claude-opus-5-5' }, startMs: at, timeMs: at + 60_000, value: 3 },
      ]),
    ]
    for (const request of requests) expect(conformance(request)).toEqual([])
    // The resource is the simulator's for that user (simulator/otlp.ts), not one of the factory's own.
    const resource = Object.keys(otelOf(scenarioUser({ key: 'a@example.com', team: 'api' })).resource.attributes)
    const sent = (r: ExportLogsRequest) => (r.resourceLogs?.[0]?.resource?.attributes ?? []).map((a) => a.key)
    expect(sent(events(alice, [apiRequest(at, 0.5)]))).toEqual(resource)
  })

  it('the simulator (demo, npm run simulate)', () => {
    const period = resolvePeriod(3, new Date(Date.UTC(2026, 10, 20)))
    const users = planUsers({ seed: 7, users: 30, days: 3 })
    const tally = new Tally({ from: new Date(period.from), to: new Date(period.end) })
    const problems = new Set<string>()
    let sessions = 0
    for (const { user, sessions: day } of generate(7, users, period, tally))
      for (const session of day) {
        sessions++
        const resource = { attributes: keyValues(otelOf(user).resource.attributes) }
        const logs: ExportLogsRequest = {
          resourceLogs: [
            {
              resource,
              scopeLogs: [
                {
                  logRecords: logRecords(session).map((r) => ({
                    body: { stringValue: String(r.body) },
                    attributes: [...keyValues(r.attributes), { key: 'event.name', value: { stringValue: String(r.attributes['event.name']) } }],
                  })),
                },
              ],
            },
          ],
        }
        const std = standardAttributes(user, session.sessionId)
        const metrics: ExportMetricsRequest = {
          resourceMetrics: [
            {
              resource,
              scopeMetrics: [
                { metrics: session.series.map((s) => ({ name: s.metric, sum: { dataPoints: [{ attributes: keyValues({ ...std, ...s.attrs }) }] } })) },
              ],
            },
          ],
        }
        for (const p of [...conformance(logs), ...conformance(metrics)]) problems.add(p)
      }
    expect(sessions).toBeGreaterThan(20)
    expect([...problems]).toEqual([])
  })

  it('the crash-test client (test/crash/telemetry.ts), besides its own crash.* markers', () => {
    const rng = new Rng(5)
    const problems = new Set<string>()
    for (const source of [eventSource('events1', rng, [20, 40]), metricSource('metrics1', rng, 'cumulative', 3), metricSource('metrics2', rng, 'delta', 3)])
      for (let i = 0; i < 10; i++) {
        const batch = source.next()
        const bytes = batch.gzip ? zlib.gunzipSync(batch.body) : batch.body
        const decoded = decodeBody(batch.signal, batch.encoding, bytes)
        for (const p of conformance(decoded.request as Request, { markers: ['crash.seq', 'crash.stream'] })) problems.add(p)
      }
    expect([...problems]).toEqual([])
  })

  it('the bench seed (bench/seed.ts), read back from the warehouse it wrote', async () => {
    await seedWarehouse(cc.client, { events: 20_000, users: 40, days: 5, end: new Date(Date.UTC(2026, 10, 20)) })
    const eventShapes = await selectRows<{ body: string; keys: string[]; resource: string[] }>(
      cc.client,
      'SELECT body, mapKeys(attributes) AS keys, mapKeys(resource_attributes) AS resource FROM events GROUP BY body, keys, resource',
    )
    const pointShapes = await selectRows<{ name: string; keys: string[]; resource: string[] }>(
      cc.client,
      'SELECT metric_name AS name, mapKeys(attributes) AS keys, mapKeys(resource_attributes) AS resource FROM metric_points GROUP BY name, keys, resource',
    )
    expect(eventShapes.length).toBeGreaterThan(3)
    expect(pointShapes.length).toBeGreaterThan(3)
    const kv = (keys: string[]) => keys.map((key) => ({ key }))
    const problems = [
      ...eventShapes.flatMap((e) =>
        conformance({
          resourceLogs: [
            { resource: { attributes: kv(e.resource) }, scopeLogs: [{ logRecords: [{ body: { stringValue: e.body }, attributes: kv(e.keys) }] }] },
          ],
        }),
      ),
      ...pointShapes.flatMap((p) =>
        conformance({
          resourceMetrics: [
            { resource: { attributes: kv(p.resource) }, scopeMetrics: [{ metrics: [{ name: p.name, sum: { dataPoints: [{ attributes: kv(p.keys) }] } }] }] },
          ],
        }),
      ),
    ]
    expect([...new Set(problems)]).toEqual([])
  }, 60_000)
})
