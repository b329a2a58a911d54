import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { selectRows } from '../warehouse/client'
import { startTestCcscope, type TestCcscope } from './helpers/ccscope'
import { fixtureWindow, loadFixture, replay } from './helpers/fixtures'
import { events, postJson } from './helpers/otlp-factory'
import { defined } from './helpers/defined'

/**
 * Default privacy: content is dropped at the collector (and counted), the dashboard's figures are
 * unchanged, and every row carries the label of the ingest token that brought it.
 */

const SECRET_PROMPT = 'please deploy with password hunter2'
const SECRET_COMMAND = 'curl -H "Authorization: Bearer sk-live-123" https://internal.example'
const SECRET_BODY = '{"messages":[{"role":"user","content":"confidential roadmap"}]}'

let cc: TestCcscope
const fixtures = loadFixture('http-json-traces')
const window = fixtureWindow(fixtures)

beforeAll(async () => {
  cc = await startTestCcscope({ CCSCOPE_INGEST_TOKENS: 'fixtures:fixture-token,ci-fleet:ci-token,plain-token' })
  const responses = await replay(cc.otlpUrl, fixtures)
  expect(responses.map((r) => r.status).every((s) => s === 200)).toBe(true)
})

afterAll(async () => {
  await cc?.stop()
})

async function contentRows(needle: string): Promise<number> {
  const [row] = await selectRows<{ n: string }>(
    cc.client,
    `SELECT
       (SELECT count() FROM events WHERE position(toString(attributes), {needle:String}) > 0 OR position(body, {needle:String}) > 0
          OR position(toString(resource_attributes), {needle:String}) > 0)
     + (SELECT count() FROM spans WHERE position(toString(attributes), {needle:String}) > 0) AS n`,
    { needle },
  )
  return Number(row?.n)
}

describe('content is dropped unless an admin keeps it', () => {
  it('stores no prompt, response, tool input, full command or file path from the real CLI', async () => {
    const keys = await selectRows<{ key: string }>(
      cc.client,
      `SELECT DISTINCT arrayJoin(mapKeys(attributes)) AS key FROM events
       UNION DISTINCT SELECT DISTINCT arrayJoin(mapKeys(attributes)) AS key FROM spans ORDER BY key`,
    )
    const stored = keys.map((k) => k.key)
    for (const gated of ['prompt', 'prompt_text', 'response', 'tool_input', 'user_prompt', 'full_command', 'file_path'])
      expect(stored, gated).not.toContain(gated)
    // Lengths and sizes are not content: they stay.
    expect(stored).toContain('prompt_length')
    expect(stored).toContain('tool_input_size_bytes')
    expect(await contentRows('https://example.org')).toBe(0)
    expect(await contentRows('/etc/hostname')).toBe(0)
  })

  it('keeps the command name, so blocked commands still show on the dashboard', async () => {
    const params = await selectRows<{ p: string }>(
      cc.client,
      `SELECT DISTINCT attributes['tool_parameters'] AS p FROM events WHERE mapContains(attributes, 'tool_parameters') ORDER BY p`,
    )
    expect(params.map((r) => JSON.parse(r.p) as unknown)).toEqual([{ bash_command: 'curl' }, { bash_command: 'ls' }])
    const query = new URLSearchParams({ from: window.from.toISOString(), to: window.to.toISOString(), groupBy: 'command' })
    const res = await fetch(`${cc.apiUrl}/api/v1/tools?${query}`)
    expect(res.status).toBe(200)
    const body = (await res.json()) as { rows: { group?: string; policyDenials: number }[] }
    expect(body.rows.find((r) => r.group === 'curl')?.policyDenials).toBe(1)
  })

  it('leaves every figure of the fixture as the CLI reported it', async () => {
    const s = await cc.summary(window)
    expect(s.apiRequests).toBe(7)
    expect(s.policyDenials).toBe(1)
    expect(s.costUsd).toBeCloseTo(0.06764, 6)
  })

  it('counts what it dropped, except values Claude Code had already redacted', async () => {
    const now = Date.now()
    const payload = events({ user: 'priv@example.com', session: 'privacy-1' }, [
      { name: 'user_prompt', timeMs: now - 3000, attributes: { prompt: SECRET_PROMPT, prompt_length: SECRET_PROMPT.length } },
      {
        name: 'tool_decision',
        timeMs: now - 2000,
        attributes: {
          tool_name: 'Bash',
          decision: 'reject',
          source: 'config',
          tool_parameters: JSON.stringify({ bash_command: 'curl', full_command: SECRET_COMMAND, description: 'fetch it' }),
        },
      },
      { name: 'api_request_body', timeMs: now - 1000, attributes: { request_body: SECRET_BODY } },
    ])
    // A raw log line as the body is content too.
    defined(payload.resourceLogs?.[0]?.scopeLogs?.[0]?.logRecords?.[2]).body = { stringValue: `raw: ${SECRET_BODY}` }
    const res = await postJson(cc.otlpUrl, '/v1/logs', payload, { authorization: 'Bearer ci-token' })
    expect(res.status).toBe(200)
    for (const secret of [SECRET_PROMPT, 'hunter2', 'sk-live-123', 'confidential roadmap', 'fetch it']) expect(await contentRows(secret), secret).toBe(0)

    const metrics = await (await fetch(`${cc.apiUrl}/metrics`)).text()
    const dropped = (attribute: string) =>
      Number(new RegExp(`ccscope_content_attributes_dropped_total\\{signal="logs",attribute="${attribute}"\\} (\\d+)`).exec(metrics)?.[1] ?? 0)
    expect(dropped('prompt')).toBe(1) // the fixture's four prompts were "<REDACTED>": not counted
    expect(dropped('request_body')).toBe(1)
    expect(dropped('body')).toBe(1)
    // full_command and description: the fixture's ls decision and result and its curl decision (3 × 2), and ours (2).
    expect(dropped('tool_parameters')).toBe(8)
    expect(dropped('tool_input')).toBe(2)
    // One label for every field of tool_parameters: senders cannot grow the metric without bound.
    expect(metrics).not.toMatch(/attribute="tool_parameters\./)
    // The beta traces carry the command line as a span attribute: dropped there too.
    expect(metrics).toMatch(/ccscope_content_attributes_dropped_total\{signal="traces",attribute="full_command"\} [1-9]/)
  })
})

describe('content in scope attributes', () => {
  it('is dropped there too', async () => {
    const now = Date.now()
    const payload = events({ user: 'scope@example.com', session: 'privacy-scope' }, [
      { name: 'user_prompt', timeMs: now - 700, attributes: { prompt_length: 5 } },
    ])
    defined(payload.resourceLogs?.[0]?.scopeLogs?.[0]?.scope).attributes = [
      { key: 'prompt', value: { stringValue: 'SCOPE-LEVEL SECRET' } },
      { key: 'scope.kept', value: { stringValue: 'yes' } },
    ]
    expect((await postJson(cc.otlpUrl, '/v1/logs', payload, { authorization: 'Bearer ci-token' })).status).toBe(200)
    const rows = await selectRows<{ s: Record<string, string> }>(cc.client, `SELECT scope_attributes AS s FROM events WHERE session_id = 'privacy-scope'`)
    expect(rows).toEqual([{ s: { 'scope.kept': 'yes' } }])
  })
})

describe('ingest token labels', () => {
  it('cannot be skipped by percent-encoding the path', async () => {
    const now = Date.now()
    const body = events({ user: 'mallory@example.com', session: 'encoded-path' }, [
      { name: 'user_prompt', timeMs: now - 500, attributes: { prompt_length: 3 } },
    ])
    for (const path of ['/v1/%6cogs', '/v1/log%73']) expect((await postJson(cc.otlpUrl, path, body)).status, path).toBe(401)
    expect((await postJson(cc.otlpUrl, '/v1/%6cogs', body, { authorization: 'Bearer ci-token' })).status).toBe(200)
    const rows = await selectRows<{ ingest_label: string }>(cc.client, `SELECT ingest_label FROM events WHERE session_id = 'encoded-path'`)
    expect(rows).toEqual([{ ingest_label: 'ci-fleet' }])
  })

  it('stores the label of the token each row came with', async () => {
    const now = Date.now()
    const send = (token: string, session: string) =>
      postJson(
        cc.otlpUrl,
        '/v1/logs',
        events({ user: 'label@example.com', session }, [{ name: 'user_prompt', timeMs: now - 500, attributes: { prompt_length: 3 } }]),
        {
          authorization: `Bearer ${token}`,
        },
      )
    expect((await send('ci-token', 'label-ci')).status).toBe(200)
    expect((await send('plain-token', 'label-plain')).status).toBe(200)
    expect((await send('wrong-token', 'label-wrong')).status).toBe(401)
    const rows = await selectRows<{ session_id: string; ingest_label: string }>(
      cc.client,
      `SELECT session_id, ingest_label FROM events WHERE session_id IN ('label-ci', 'label-plain', 'label-wrong') ORDER BY session_id`,
    )
    expect(rows).toEqual([
      { session_id: 'label-ci', ingest_label: 'ci-fleet' },
      { session_id: 'label-plain', ingest_label: '' },
    ])
    const fromFixtures = await selectRows<{ label: string; n: string }>(
      cc.client,
      `SELECT ingest_label AS label, count() AS n FROM (SELECT ingest_label FROM events WHERE user_key LIKE '%@example.com' AND session_id NOT LIKE 'label-%'
          AND session_id NOT IN ('privacy-1', 'privacy-scope', 'encoded-path')
        UNION ALL SELECT ingest_label FROM metric_points UNION ALL SELECT ingest_label FROM spans) GROUP BY label`,
    )
    expect(fromFixtures.map((r) => r.label)).toEqual(['fixtures'])
  })
})
