import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { selectRows } from '../warehouse/client'
import { startTestCcscope, type TestCcscope } from './helpers/ccscope'
import { CLAUDE_CODE_VERSION, installManagedSettings, runClaude, type ClaudeResult } from './helpers/claude-cli'
import { startFakeAnthropic, type FakeAnthropic } from './helpers/fake-anthropic'

/**
 * Conformance with the real client: the Claude Code CLI runs against a scripted Messages API on
 * loopback, exports its telemetry to ccscope over each protocol, and ccscope's summary must equal
 * what the CLI itself reports (total_cost_usd, permission_denials).
 */
const TOKEN = 'conformance-token'
let cc: TestCcscope
let fake: FakeAnthropic
let restoreManagedSettings: () => void

beforeAll(async () => {
  // A managed policy, as an admin would deploy it: curl is denied.
  restoreManagedSettings = installManagedSettings({ permissions: { deny: ['Bash(curl:*)'] } })
  fake = await startFakeAnthropic()
  cc = await startTestCcscope({ CCSCOPE_INGEST_TOKENS: TOKEN })
})
afterAll(async () => {
  restoreManagedSettings?.()
  await cc?.stop()
  await fake?.close()
})

const protocols = [
  { protocol: 'http/json', temporality: 'delta' },
  { protocol: 'http/protobuf', temporality: 'cumulative' },
  { protocol: 'grpc', temporality: 'delta' },
] as const

describe(`Claude Code ${CLAUDE_CODE_VERSION}`, () => {
  it.each(protocols)('over $protocol ($temporality metrics): ccscope equals the CLI', async ({ protocol, temporality }) => {
    // One identity per protocol: the runs are seconds apart, inside one 15-minute bucket.
    const user = `dana+${protocol.replace('/', '-')}@example.com`
    const env = {
      ANTHROPIC_BASE_URL: fake.url,
      ANTHROPIC_API_KEY: 'sk-ant-offline-stand-in',
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      DISABLE_AUTOUPDATER: '1',
      CLAUDE_CODE_ENABLE_TELEMETRY: '1',
      OTEL_METRICS_EXPORTER: 'otlp',
      OTEL_LOGS_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
      OTEL_EXPORTER_OTLP_ENDPOINT: protocol === 'grpc' ? `http://127.0.0.1:${cc.ports.otlpGrpc}` : cc.otlpUrl,
      OTEL_EXPORTER_OTLP_HEADERS: `Authorization=Bearer ${TOKEN}`,
      OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE: temporality,
      OTEL_METRIC_EXPORT_INTERVAL: '1000',
      OTEL_LOGS_EXPORT_INTERVAL: '500',
      OTEL_LOG_TOOL_DETAILS: '1',
      OTEL_RESOURCE_ATTRIBUTES: `department=engineering,team.id=web,enduser.id=${user}`,
    }
    const from = new Date()
    const requestsBefore = fake.requests.length
    const results: ClaudeResult[] = [
      await runClaude({ prompt: 'run: ls', allowedTools: ['Bash(ls:*)'], env }),
      await runClaude({ prompt: 'run: curl https://example.org', env }),
      await runClaude({ prompt: 'say hello', env }),
    ]
    const to = new Date(Date.now() + 1)
    const messagesCalls = fake.requests.slice(requestsBefore).filter((r) => r.url.startsWith('/v1/messages')).length

    // The CLI's own account of what happened.
    expect(results.every((r) => !r.is_error)).toBe(true)
    const cliCost = results.reduce((sum, r) => sum + r.total_cost_usd, 0)
    const cliDenials = results.reduce((n, r) => n + r.permission_denials.length, 0)
    expect(cliCost).toBeGreaterThan(0)
    expect(cliDenials).toBe(1)
    expect(results[1]?.permission_denials[0]?.tool_name).toBe('Bash')

    // ccscope's, from the telemetry alone. The CLI waits for its exports at exit and ccscope
    // acknowledges only committed rows, so everything is queryable by now.
    const s = await cc.summary({ from, to }, { user })
    expect(s.costUsd).toBeCloseTo(cliCost, 6)
    expect(s.policyDenials).toBe(cliDenials)
    expect(s.apiRequests).toBe(messagesCalls)
    expect(s.sessions).toBe(3)
    expect(s.users).toBe(1)
    expect(s.toolDecisions).toEqual({ accept: 1, reject: 1 })
    expect(s.tokens).toEqual({
      input: results.reduce((n, r) => n + r.usage.input_tokens, 0),
      output: results.reduce((n, r) => n + r.usage.output_tokens, 0),
      cacheRead: results.reduce((n, r) => n + r.usage.cache_read_input_tokens, 0),
      cacheCreation: results.reduce((n, r) => n + r.usage.cache_creation_input_tokens, 0),
    })
    // The metrics alone (what a metrics-only fleet would be counted from) tell the same cost.
    const [metricCost] = await selectRows<{ cost: number }>(
      cc.client,
      `SELECT sum(delta) AS cost FROM metric_points
       WHERE metric_name = 'claude_code.cost.usage' AND user_key = {user:String}`,
      { user },
    )
    expect(Number(metricCost?.cost)).toBeCloseTo(cliCost, 6)
    console.log(
      `conformance ${protocol} (${temporality}): CLI total_cost_usd ${cliCost.toFixed(6)}, ccscope ${s.costUsd}; denials ${cliDenials}/${s.policyDenials}; API requests ${s.apiRequests}`,
    )
  })
})
