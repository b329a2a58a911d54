import { afterAll, beforeAll, expect, it } from 'vitest'
import type { AttributionResponse } from '../schemas/attribution'
import path from 'node:path'
import { launchChromium } from '../bench/chromium'
import { ARTIFACTS, settled, shownText } from './helpers/browser'
import { startTestCcscope, type TestCcscope } from './helpers/ccscope'
import { apiRequest, attrs, costMetrics, events, postJson, type EventSpec } from './helpers/otlp-factory'

/**
 * Cost by repository, workflow run and entrypoint (issue 17): from the request attributes Claude Code sends
 * (vcs.*, workflow.*, app.entrypoint) or a deployment sets in OTEL_RESOURCE_ATTRIBUTES; cost known only from
 * metrics is stated apart, so the rows and that figure add up to the Cost page's total.
 */
let cc: TestCcscope
const T = Date.parse('2026-11-10T10:00:00Z')
const withAttrs = (spec: EventSpec, attributes: Record<string, string>): EventSpec => ({ ...spec, attributes: { ...spec.attributes, ...attributes } })

beforeAll(async () => {
  cc = await startTestCcscope()
  const web = 'github.com/acme/web'
  const sends: [string, unknown][] = [
    [
      '/v1/logs',
      events({ user: 'ana@example.com', session: 's1' }, [
        withAttrs(apiRequest(T, 2), { 'vcs.repository.url.full': web, 'app.entrypoint': 'cli' }),
        withAttrs(apiRequest(T + 1000, 1), { 'vcs.repository.url.full': web, 'app.entrypoint': 'cli', 'workflow.run_id': 'wf_1', 'workflow.name': 'refactor' }),
      ]),
    ],
    ['/v1/logs', events({ user: 'bo@example.com', session: 's2' }, [withAttrs(apiRequest(T + 2000, 4), { 'app.entrypoint': 'sdk-ts' })])],
    // A CI job names its repository and run through OTEL_RESOURCE_ATTRIBUTES.
    [
      '/v1/logs',
      (() => {
        const body = events({ user: 'ci@example.com', session: 's3' }, [apiRequest(T + 3000, 0.5)])
        const resource = body.resourceLogs?.[0]?.resource
        if (resource)
          resource.attributes = [
            ...(resource.attributes ?? []),
            ...attrs({ 'vcs.repository.name': 'api', 'cicd.pipeline.run.id': '987', 'cicd.pipeline.name': 'nightly' }),
          ]
        return body
      })(),
    ],
    // Cost known from metrics only: not attributable here.
    ['/v1/metrics', costMetrics({ user: 'cy@example.com', session: 's4' }, 'delta', [{ startMs: T, timeMs: T + 60_000, value: 3 }])],
  ]
  for (const [path, body] of sends) {
    const res = await postJson(cc.otlpUrl, path, body)
    expect(res.status, await res.text()).toBe(200)
  }
  await cc.writer.flush()
}, 60_000)
afterAll(async () => {
  await cc?.stop()
})

const get = async (query: string) => {
  const res = await fetch(`${cc.apiUrl}/api/v1/attribution?from=2026-11-10&to=2026-11-11&${query}`)
  expect(res.status).toBe(200)
  return (await res.json()) as AttributionResponse
}

it('groups cost by repository, from the record or its resource, and states what it cannot attribute', async () => {
  const a = await get('by=repository')
  expect(a.rows.map((r) => [r.group, r.costUsd, r.requests, r.sessions, r.users])).toEqual([
    ['github.com/acme/web', 3, 2, 1, 1],
    ['api', 0.5, 1, 1, 1],
  ])
  expect(a.totals).toEqual({ eventsCostUsd: 7.5, costUsd: 10.5, notAttributableUsd: 3, unattributedUsd: 4 })
  const cost = (await (await fetch(`${cc.apiUrl}/api/v1/cost?from=2026-11-10&to=2026-11-11&measures=costUsd`)).json()) as { totals: { costUsd: number } }
  expect(a.totals.costUsd).toBe(cost.totals.costUsd)
})

it('groups by workflow run (Claude Code workflows and CI runs) and by entrypoint', async () => {
  const w = await get('by=workflow')
  expect(w.rows.map((r) => [r.group, r.workflowName, r.costUsd])).toEqual([
    ['wf_1', 'refactor', 1],
    ['987', 'nightly', 0.5],
  ])
  const e = await get('by=entrypoint')
  expect(e.rows.map((r) => [r.group, r.costUsd])).toEqual([
    ['sdk-ts', 4],
    ['cli', 3],
  ])
  expect((await fetch(`${cc.apiUrl}/api/v1/attribution?tz=Europe/Berlin`)).status).toBe(400)
})

it('shows on the Cost page with the split of what is and is not attributed, at 1440 and 390 px', async () => {
  const browser = await launchChromium()
  try {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } })
    page.on('pageerror', (error) => {
      throw error
    })
    await page.goto(`${cc.apiUrl}/cost?from=2026-11-10&to=2026-11-10`)
    await settled(page)
    const card = page.locator('[data-panel="attribution"]')
    expect(await shownText(card.locator('[data-attribution-totals]'))).toBe(
      '$10.50 in all: $3.50 attributed, $4.00 from requests that name no repository, $3.00 known only from cost metrics (no request attributes).',
    )
    expect(await shownText(card.locator('tbody tr').first())).toContain('github.com/acme/web')
    await card.getByRole('button', { name: 'Workflow run' }).click()
    await expect.poll(() => shownText(card.locator('tbody tr').first())).toContain('wf_1 (refactor)')
    await card.screenshot({ path: path.join(ARTIFACTS, 'attribution-card-1440.png') })
    await page.setViewportSize({ width: 390, height: 900 })
    // The charts follow the new width on their next frame.
    await expect.poll(() => page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390)
    await card.screenshot({ path: path.join(ARTIFACTS, 'attribution-card-390.png') })
  } finally {
    await browser.close()
  }
}, 60_000)
