import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { pseudonym } from '../collector/privacy'
import type { KeyValue } from '../schemas/otlp'
import { selectRows } from '../warehouse/client'
import { startTestCcscope, type TestCcscope } from './helpers/ccscope'
import { attrs, events, postJson } from './helpers/otlp-factory'
import { defined } from './helpers/defined'

/**
 * The privacy filter matches keys by pattern at any depth (nested maps and arrays, any spelling), drops
 * file paths, keeps commands with their secrets redacted (the dashboard's top blocked commands still
 * work), and pseudonymises e-mail addresses wherever they are.
 */

const PSEUDONYM_KEY = 'privacy-filter-test-key-0123456789'

/** Every stored string of a session's events, as one text. */
async function storedText(cc: TestCcscope, session: string): Promise<string> {
  const rows = await selectRows<{ t: string }>(
    cc.client,
    `SELECT concat(toString(attributes), toString(resource_attributes), toString(scope_attributes), body, user_key, user_email, enduser_id) AS t
     FROM events WHERE session_id = {session:String}`,
    { session },
  )
  return rows.map((r) => r.t).join('\n')
}

describe('content and secrets against a running ccscope', () => {
  let cc: TestCcscope
  beforeAll(async () => {
    cc = await startTestCcscope()
  })
  afterAll(async () => {
    await cc?.stop()
  })

  it('drops prompt text in every spelling and at any depth, and file paths; keeps lengths', async () => {
    const now = Date.now()
    const payload = events({ user: 'deep@example.com', session: 'privacy-deep' }, [
      {
        name: 'user_prompt',
        timeMs: now - 2000,
        attributes: {
          Prompt: 'SECRET-A',
          'gen_ai.prompt.0.content': 'SECRET-B',
          USER_PROMPT: 'SECRET-C',
          filePath: '/home/alice/SECRET-D.txt',
          prompt_length: 8,
        },
      },
    ])
    const record = defined(payload.resourceLogs?.[0]?.scopeLogs?.[0]?.logRecords?.[0])
    const nested: KeyValue = {
      key: 'request',
      value: {
        kvlistValue: {
          values: [
            ...attrs({ prompt: 'SECRET-E', model: 'kept-model' }),
            { key: 'history', value: { arrayValue: { values: [{ kvlistValue: { values: attrs({ content: 'SECRET-F', role: 'user' }) } }] } } },
          ],
        },
      },
    }
    record.attributes = [
      ...(record.attributes ?? []),
      nested,
      { key: 'workspace.host_paths', value: { arrayValue: { values: [{ stringValue: '/srv/SECRET-G' }] } } },
    ]
    expect((await postJson(cc.otlpUrl, '/v1/logs', payload)).status).toBe(200)
    const text = await storedText(cc, 'privacy-deep')
    for (const secret of ['SECRET-A', 'SECRET-B', 'SECRET-C', 'SECRET-D', 'SECRET-E', 'SECRET-F', 'SECRET-G']) expect(text, secret).not.toContain(secret)
    // What is not content stays, nested too.
    expect(text).toContain('kept-model')
    expect(text).toContain("'prompt_length':'8'")
  })

  it('keeps blocked commands with their secrets redacted, so the top blocked commands still show', async () => {
    const now = Date.now()
    const command = 'curl -H "Authorization: Bearer ghp_abcdefghijklmnopqrstuvwxyz0123456789" https://internal.example'
    const payload = events({ user: 'cmd@example.com', session: 'privacy-cmd' }, [
      {
        name: 'tool_decision',
        timeMs: now - 1000,
        attributes: { tool_name: 'Bash', decision: 'reject', source: 'config', tool_parameters: JSON.stringify({ bash_command: command }) },
      },
      { name: 'tool_result', timeMs: now - 900, attributes: { tool_name: 'Bash', success: 'false', error: 'mysql -u root -pTopSecret failed: access denied' } },
    ])
    expect((await postJson(cc.otlpUrl, '/v1/logs', payload)).status).toBe(200)
    const text = await storedText(cc, 'privacy-cmd')
    expect(text).not.toContain('ghp_abcdefghijklmnopqrstuvwxyz0123456789')
    expect(text).not.toContain('TopSecret')
    expect(text).toContain('-p<REDACTED> failed')
    const query = new URLSearchParams({
      from: new Date(now - 3_600_000).toISOString(),
      to: new Date(now + 60_000).toISOString(),
      groupBy: 'command',
      user: 'cmd@example.com',
    })
    const res = await fetch(`${cc.apiUrl}/api/v1/tools?${query}`)
    const body = (await res.json()) as { rows: { group?: string; policyDenials: number }[] }
    expect(body.rows.filter((r) => r.group)).toEqual([
      expect.objectContaining({ group: 'curl -H "Authorization: Bearer <REDACTED>" https://internal.example', policyDenials: 1 }),
    ])
  })
})

describe('pseudonymisation at any depth', () => {
  let cc: TestCcscope
  beforeAll(async () => {
    cc = await startTestCcscope({ CCSCOPE_PSEUDONYMIZE_KEY: PSEUDONYM_KEY })
  })
  afterAll(async () => {
    await cc?.stop()
  })

  it('replaces e-mail addresses under variant keys and inside maps', async () => {
    const now = Date.now()
    const payload = events({ session: 'privacy-email' }, [
      { name: 'user_prompt', timeMs: now - 1000, attributes: { 'User.Email': 'carol@example.com', author_email: 'dave@example.com', prompt_length: 3 } },
    ])
    const record = defined(payload.resourceLogs?.[0]?.scopeLogs?.[0]?.logRecords?.[0])
    record.attributes = [...(record.attributes ?? []), { key: 'git', value: { kvlistValue: { values: attrs({ 'author.email': 'erin@example.com' }) } } }]
    expect((await postJson(cc.otlpUrl, '/v1/logs', payload)).status).toBe(200)
    const text = await storedText(cc, 'privacy-email')
    for (const email of ['carol@example.com', 'dave@example.com', 'erin@example.com']) {
      expect(text, email).not.toContain(email)
      expect(text, email).toContain(pseudonym(PSEUDONYM_KEY, email))
    }
  })
})
