import fs from 'node:fs'
import path from 'node:path'
import type { ExportMetricsRequest } from '../../schemas/otlp'
import { events, type EventSpec, type MetricPoint, metrics, postJson } from './otlp-factory'

/**
 * The telemetry that test/fixtures/anthropic-admin/ disagrees with, one way per person (its README), and
 * the recorded Admin API pages themselves.
 */

export const FIXTURES = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', 'fixtures', 'anthropic-admin')

export function fixturePage(name: string): unknown {
  return JSON.parse(fs.readFileSync(path.join(FIXTURES, name), 'utf8'))
}

const at = (day: string, hour: number) => Date.parse(`${day}T${String(hour).padStart(2, '0')}:00:00Z`)

interface Request {
  model: string
  costUsd: number
  input: number
  output: number
  querySource?: string
}

function apiRequest(timeMs: number, r: Request, n: number): EventSpec {
  return {
    name: 'api_request',
    timeMs,
    attributes: {
      model: r.model,
      cost_usd: r.costUsd,
      cost_usd_micros: Math.round(r.costUsd * 1e6),
      input_tokens: r.input,
      output_tokens: r.output,
      cache_read_tokens: 0,
      cache_creation_tokens: 0,
      request_id: `req_${timeMs}_${n}`,
      query_source: r.querySource ?? 'repl_main_thread',
    },
  }
}

/** Cost and token metric points (delta), one per request: a metrics-only session. */
function usageMetrics(user: string, session: string, timeMs: number, requests: Request[]): ExportMetricsRequest {
  const point = (r: Request, metric: MetricPoint['metric'], value: number, type?: string): MetricPoint => ({
    metric,
    attributes: { ...(type ? { type } : {}), model: r.model, query_source: r.querySource ?? 'main' },
    startMs: timeMs - 60_000,
    timeMs,
    value,
  })
  return metrics({ user, session }, 'delta', [
    ...requests.map((r) => point(r, 'claude_code.cost.usage', r.costUsd)),
    ...requests.flatMap((r) => [point(r, 'claude_code.token.usage', r.input, 'input'), point(r, 'claude_code.token.usage', r.output, 'output')]),
  ])
}

/** Sends the telemetry of the fixtures' README to a ccscope; throws unless every export is accepted. */
export async function sendBillingTelemetry(otlpUrl: string): Promise<void> {
  const logs = (user: string, session: string, day: string, requests: Request[]) =>
    events(
      { user, session },
      requests.map((r, i) => apiRequest(at(day, 10 + i), r, i)),
    )
  const exports: { path: string; body: unknown }[] = [
    {
      path: '/v1/logs',
      body: logs('alice@example.com', 'a1', '2026-11-02', [{ model: 'claude-opus-5', costUsd: 10, input: 1_000_000, output: 200_000 }]),
    },
    {
      path: '/v1/logs',
      body: logs('alice@example.com', 'a2', '2026-11-03', [
        { model: 'claude-opus-5', costUsd: 6, input: 600_000, output: 120_000 },
        { model: 'claude-sonnet-5', costUsd: 3, input: 500_000, output: 100_000 },
      ]),
    },
    { path: '/v1/logs', body: logs('alice@example.com', 'a3', '2026-11-04', [{ model: 'claude-opus-5', costUsd: 1, input: 100_000, output: 20_000 }]) },
    { path: '/v1/logs', body: logs('carol@example.com', 'c1', '2026-11-02', [{ model: 'claude-haiku-5', costUsd: 3, input: 500_000, output: 500_000 }]) },
    { path: '/v1/logs', body: logs('erin@example.com', 'e1', '2026-11-02', [{ model: 'claude-opus-5', costUsd: 5, input: 1_000_000, output: 0 }]) },
    {
      path: '/v1/metrics',
      body: usageMetrics('dave@example.com', 'd1', at('2026-11-02', 11), [
        { model: 'claude-opus-5', costUsd: 8, input: 1_000_000, output: 120_000, querySource: 'main' },
        { model: 'claude-sonnet-5', costUsd: 2, input: 400_000, output: 53_333, querySource: 'subagent' },
      ]),
    },
  ]
  for (const e of exports) {
    const res = await postJson(otlpUrl, e.path, e.body)
    if (res.status !== 200) throw new Error(`${e.path} answered ${res.status}: ${await res.text()}`)
  }
}

/**
 * A fetch that answers the Admin API's usage report from the recorded pages (`<starting_at>.page-<n>.json`;
 * the page after the first is asked for by the cursor the first names), and records what was asked.
 */
export function recordedAdminApi(): { fetch: typeof fetch; requests: URL[] } {
  const requests: URL[] = []
  const cursors = new Map<string, string>()
  for (const file of fs.readdirSync(FIXTURES).filter((f) => f.endsWith('.json'))) {
    const page = fixturePage(file) as { next_page?: string | null }
    const [day, n] = [file.slice(0, 10), Number(/page-(\d+)/.exec(file)?.[1])]
    if (page.next_page) cursors.set(page.next_page, `${day}.page-${n + 1}.json`)
  }
  const fake = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = new URL(input instanceof Request ? input.url : String(input))
    requests.push(url)
    const headers = new Headers(init?.headers)
    if (!headers.get('x-api-key')?.startsWith('sk-ant-admin') || headers.get('anthropic-version') !== '2023-06-01')
      return Response.json({ type: 'error', error: { type: 'authentication_error', message: 'invalid x-api-key' } }, { status: 401 })
    const day = url.searchParams.get('starting_at') ?? ''
    const cursor = url.searchParams.get('page')
    const file = cursor ? cursors.get(cursor) : `${day}.page-1.json`
    if (!file || !fs.existsSync(path.join(FIXTURES, file)))
      return Response.json({ type: 'error', error: { type: 'not_found_error', message: `no recorded page for ${day}` } }, { status: 404 })
    return Response.json(fixturePage(file))
  }
  return { fetch: fake as typeof fetch, requests }
}
