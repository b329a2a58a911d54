import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { selectRows } from '../warehouse/client'
import { startTestCcscope, type TestCcscope } from './helpers/ccscope'
import { FIXTURE_FOLDERS, loadFixture, replay } from './helpers/fixtures'
import { FREE_TEXT, HOSTILE } from './helpers/hostile'

/**
 * Every query parameter of every GET route in the OpenAPI document, tried with hostile values. A value
 * the parameter's schema refuses gets a 400 naming the parameter; a free-text value (a filter, a search)
 * is matched literally and finds nothing. Never a 500, never SQL that runs.
 */
let cc: TestCcscope

interface Parameter {
  name: string
  in: string
  schema?: { type?: string; enum?: string[]; anyOf?: unknown[] }
}
interface Operation {
  parameters?: Parameter[]
}
type OpenApi = { paths: Record<string, { get?: Operation; put?: Operation }> }

let openapi: OpenApi

beforeAll(async () => {
  cc = await startTestCcscope({ CCSCOPE_INGEST_TOKENS: 'fixture-token' })
  await replay(cc.otlpUrl, loadFixture(FIXTURE_FOLDERS[0]))
  openapi = (await (await fetch(`${cc.apiUrl}/api/openapi.json`)).json()) as OpenApi
})
afterAll(async () => {
  await cc?.stop()
})

function concretePath(path: string): string {
  return path.replace('{user}', encodeURIComponent('dana@example.com')).replace('{session}', 'no-such-session')
}

describe('hostile query parameters', () => {
  it('the OpenAPI document lists the analytics routes and their parameters', () => {
    const paths = Object.keys(openapi.paths)
    for (const p of [
      '/api/v1/summary',
      '/api/v1/cost',
      '/api/v1/cost/export.csv',
      '/api/v1/adoption',
      '/api/v1/tools',
      '/api/v1/users',
      '/api/v1/users/{user}/sessions',
      '/api/v1/sessions/{session}',
      '/api/v1/policy',
      '/api/v1/policy/movers',
      '/api/v1/directory',
    ])
      expect(paths).toContain(p)
    const cost = openapi.paths['/api/v1/cost']?.get?.parameters?.map((p) => p.name)
    expect(cost).toEqual(expect.arrayContaining(['from', 'to', 'tz', 'granularity', 'groupBy', 'sort', 'order', 'limit', 'team', 'model', 'costCenter']))
  })

  /** Routes that need a parameter besides the hostile one: a well-formed value for it. */
  const REQUIRED: Record<string, (name: string) => Record<string, string>> = {
    // One of command and mcpServer: the other hostile one alone is a request of its own.
    '/api/v1/policy/denials': (name): Record<string, string> => (name === 'command' || name === 'mcpServer' ? {} : { command: 'curl' }),
  }

  it('get a 400 naming the parameter, or are matched literally; never a 500', async () => {
    let tried = 0
    for (const [path, item] of Object.entries(openapi.paths)) {
      const parameters = (item.get?.parameters ?? []).filter((p) => p.in === 'query')
      for (const parameter of parameters) {
        // Free text reaches SQL (as a parameter): a few injection shapes; everything else gets the whole list.
        for (const value of FREE_TEXT.has(parameter.name) ? HOSTILE.slice(1, 3) : HOSTILE) {
          const url = `${cc.apiUrl}${concretePath(path)}?${new URLSearchParams({ ...(REQUIRED[path]?.(parameter.name) ?? {}), [parameter.name]: value })}`
          const res = await fetch(url)
          const body = await res.text()
          tried++
          expect(res.status, `${path} ${parameter.name}=${value}: ${body.slice(0, 200)}`).not.toBe(500)
          // Seats need a directory and this test loads none: a value that parses gets a 404 saying so.
          if (path === '/api/v1/users/seats.csv' && res.status === 404 && /no directory is loaded/.test(body)) continue
          if (res.status === 400) {
            expect(JSON.parse(body).parameter, `${path} ${parameter.name}=${value}`).toBe(parameter.name)
          } else {
            expect(res.status, `${path} ${parameter.name}=${value}: ${body.slice(0, 200)}`).toBe(200)
            // Only free text may pass, and then it matches nothing (no fixture has such a name).
            expect(FREE_TEXT.has(parameter.name), `${path} ${parameter.name}=${value} was accepted`).toBe(true)
            if (path === '/api/v1/summary') expect(JSON.parse(body).apiRequests).toBe(0)
            if (path === '/api/v1/cost') expect(JSON.parse(body).totals.costUsd).toBe(0)
          }
        }
      }
    }
    expect(tried).toBeGreaterThan(300)
    // The tables are all still there, with their rows.
    const [row] = await selectRows<{ n: string }>(cc.client, "SELECT count() AS n FROM events WHERE event_name = 'api_request'")
    expect(Number(row?.n)).toBe(7)
  }, 120_000)

  it('refuses unknown parameters, unknown dimensions and sorts, and bad ranges with the parameter named', async () => {
    const cases: [string, string][] = [
      ['/api/v1/cost?groupBy=password', 'groupBy'],
      ['/api/v1/cost?sort=cost_usd;DROP', 'sort'],
      ['/api/v1/cost?sort=team', 'sort'],
      ['/api/v1/cost?granularity=year', 'granularity'],
      ['/api/v1/cost?limit=0', 'limit'],
      ['/api/v1/cost?limit=99999999999999999999', 'limit'],
      ['/api/v1/cost?bogus=1', 'bogus'],
      ['/api/v1/adoption?model=claude-opus-5-5', 'model'],
      ['/api/v1/cost?from=2026-12-01&to=2026-11-01', 'from'],
      ['/api/v1/cost?from=1900-01-01', 'from'],
      ['/api/v1/cost?tz=Mars/Olympus_Mons', 'tz'],
      ['/api/v1/cost?tz=UTC%27%29%3B', 'tz'],
      ['/api/v1/summary?to=tomorrow', 'to'],
      ['/api/v1/users?quietDays=-3', 'quietDays'],
      ['/api/v1/policy/movers?by=tool_name', 'by'],
    ]
    for (const [url, parameter] of cases) {
      const res = await fetch(`${cc.apiUrl}${url}`)
      const body = (await res.json()) as { parameter?: string; message: string }
      expect(res.status, url).toBe(400)
      expect(body.parameter, url).toBe(parameter)
      expect(body.message, url).toContain(parameter)
    }
  })

  it('treats hostile path values as names that do not exist', async () => {
    for (const value of ["x' OR '1'='1", "'; DROP TABLE events; --", '%27%29'])
      for (const path of [`/api/v1/users/${encodeURIComponent(value)}/sessions`, `/api/v1/sessions/${encodeURIComponent(value)}`]) {
        const res = await fetch(`${cc.apiUrl}${path}`)
        expect([200, 404], path).toContain(res.status)
        if (res.status === 200) expect(((await res.json()) as { sessions: unknown[] }).sessions).toEqual([])
      }
  })
})
