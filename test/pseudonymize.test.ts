import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { pseudonym } from '../collector/privacy'
import { selectRows } from '../warehouse/client'
import { startTestCcscope, type TestCcscope } from './helpers/ccscope'
import { fixtureWindow, loadFixture, replay } from './helpers/fixtures'
import { apiRequest, events, postJson } from './helpers/otlp-factory'

/**
 * With CCSCOPE_PSEUDONYMIZE_KEY, emails never reach the warehouse: user.email and enduser.id are
 * replaced by a keyed hash, the same user keeps the same pseudonym, and a directory given in plain
 * emails still attributes teams. CCSCOPE_STORE_CONTENT=true keeps content, as an admin asked.
 */

const KEY = 'test-pseudonymisation-key-0123456789'
const fixtures = loadFixture('http-protobuf-delta')
const window = fixtureWindow(fixtures)
let cc: TestCcscope

beforeAll(async () => {
  cc = await startTestCcscope({ CCSCOPE_INGEST_TOKENS: 'fixture-token', CCSCOPE_PSEUDONYMIZE_KEY: KEY, CCSCOPE_STORE_CONTENT: 'true' })
  const responses = await replay(cc.otlpUrl, fixtures)
  expect(responses.every((r) => r.status === 200)).toBe(true)
})

afterAll(async () => {
  await cc?.stop()
})

describe('pseudonymisation', () => {
  it('stores no email anywhere, only stable keyed pseudonyms', async () => {
    const [leak] = await selectRows<{ n: string }>(
      cc.client,
      `SELECT (SELECT count() FROM events WHERE position(user_key || user_email || enduser_id || toString(attributes) || toString(resource_attributes), '@example.com') > 0)
            + (SELECT count() FROM metric_points WHERE position(user_key || enduser_id || toString(attributes) || toString(resource_attributes), '@example.com') > 0) AS n`,
    )
    expect(Number(leak?.n)).toBe(0)
    const users = await selectRows<{ user_key: string }>(cc.client, 'SELECT DISTINCT user_key FROM events ORDER BY user_key')
    expect(users.map((u) => u.user_key)).toEqual([pseudonym(KEY, 'dana@example.com'), pseudonym(KEY, 'erin@example.com')].sort())
    expect(pseudonym(KEY, ' Dana@Example.com ')).toBe(pseudonym(KEY, 'dana@example.com'))
    expect(pseudonym('another-key-0123456789', 'dana@example.com')).not.toBe(pseudonym(KEY, 'dana@example.com'))
  })

  it('keeps every figure, and the same user across events and metrics', async () => {
    const s = await cc.summary(window)
    expect(s.users).toBe(2)
    expect(s.sessions).toBe(4)
    expect(s.costUsd).toBeCloseTo(0.06768, 6)
    const [m] = await selectRows<{ n: string }>(cc.client, 'SELECT uniqExact(user_key) AS n FROM metric_points')
    expect(Number(m?.n)).toBe(2)
  })

  it('hashes the directory’s emails with the same key, so teams still attach', async () => {
    const res = await fetch(`${cc.apiUrl}/api/v1/directory`, {
      method: 'PUT',
      headers: { 'content-type': 'text/csv' },
      body: 'user,team,seat\ndana@example.com,platform,true\n',
    })
    expect(res.status).toBe(200)
    const query = new URLSearchParams({ from: window.from.toISOString(), to: window.to.toISOString(), groupBy: 'team' })
    const cost = (await (await fetch(`${cc.apiUrl}/api/v1/cost?${query}`)).json()) as { rows: { group?: string }[] }
    expect(cost.rows.map((r) => r.group).sort()).toEqual(['mobile', 'platform'])
  })

  it('refuses a directory naming one person twice in different case, since their pseudonyms are one', async () => {
    const res = await fetch(`${cc.apiUrl}/api/v1/directory`, {
      method: 'PUT',
      headers: { 'content-type': 'text/csv' },
      body: 'user,team\nDup@example.com,web\ndup@example.com,mobile\n',
    })
    expect(res.status).toBe(400)
    expect(((await res.json()) as { message: string }).message).toMatch(/dup@example.com and Dup@example.com are the same person/)
  })

  it('keeps content when the admin turned it on', async () => {
    const now = Date.now()
    const res = await postJson(
      cc.otlpUrl,
      '/v1/logs',
      events({ user: 'frank@example.com', session: 'content-on' }, [
        { name: 'user_prompt', timeMs: now - 1000, attributes: { prompt: 'summarise the incident', prompt_length: 22 } },
        apiRequest(now - 500, 0.5),
      ]),
      { authorization: 'Bearer fixture-token' },
    )
    expect(res.status).toBe(200)
    const rows = await selectRows<{ prompt: string; user_key: string }>(
      cc.client,
      `SELECT attributes['prompt'] AS prompt, user_key FROM events WHERE session_id = 'content-on' AND event_name = 'user_prompt'`,
    )
    expect(rows).toEqual([{ prompt: 'summarise the incident', user_key: pseudonym(KEY, 'frank@example.com') }])
  })
})
