import { afterAll, beforeAll, expect, it } from 'vitest'
import type { DatasetResponse } from '../schemas/analytics'
import type { DirectoryResponse } from '../schemas/directory'
import { startTestCcscope, type TestCcscope } from './helpers/ccscope'
import { apiRequest, events, postJson } from './helpers/otlp-factory'

/** The directory's manager column, and one person's entry added, edited and removed without reloading the file (issue 17). */
let cc: TestCcscope
const T = Date.parse('2026-11-10T10:00:00Z')
const JSON_HEADERS = { 'content-type': 'application/json', 'x-requested-with': 'test' }

beforeAll(async () => {
  cc = await startTestCcscope()
  const res = await postJson(cc.otlpUrl, '/v1/logs', events({ user: 'ana@example.com', team: 'web', session: 's1' }, [apiRequest(T, 2)]))
  expect(res.status).toBe(200)
  await cc.writer.flush()
}, 60_000)
afterAll(async () => {
  await cc?.stop()
})

const directory = async () => (await (await fetch(`${cc.apiUrl}/api/v1/directory`)).json()) as DirectoryResponse
const costByTeam = async () =>
  ((await (await fetch(`${cc.apiUrl}/api/v1/cost?from=2026-11-10&to=2026-11-11&groupBy=team&measures=costUsd`)).json()) as DatasetResponse<'cost'>).rows.map(
    (r) => [r.group, r.costUsd],
  )
const put = (user: string, body: unknown) =>
  fetch(`${cc.apiUrl}/api/v1/directory/entries/${encodeURIComponent(user)}`, { method: 'PUT', headers: JSON_HEADERS, body: JSON.stringify(body) })

it('loads the manager column from a CSV', async () => {
  const res = await fetch(`${cc.apiUrl}/api/v1/directory`, {
    method: 'PUT',
    headers: { 'content-type': 'text/csv', 'x-requested-with': 'test' },
    body: 'user,display_name,team,department,cost_center,manager,seat\nana@example.com,Ana,platform,Eng,CC-1,lee@example.com,yes\nbo@example.com,Bo,web,Eng,CC-1,,no\n',
  })
  expect(res.status, await res.text()).toBe(200)
  expect((await directory()).entries.map((e) => [e.user, e.team, e.manager])).toEqual([
    ['ana@example.com', 'platform', 'lee@example.com'],
    ['bo@example.com', 'web', ''],
  ])
  expect(await costByTeam()).toEqual([['platform', 2]])
})

it('edits one entry, and every page follows it', async () => {
  const res = await put('ana@example.com', {
    displayName: 'Ana Lima',
    team: 'mobile',
    department: 'Eng',
    costCenter: 'CC-2',
    manager: 'kim@example.com',
    seat: true,
  })
  expect(res.status, await res.text()).toBe(200)
  const entries = (await directory()).entries
  expect(entries.find((e) => e.user === 'ana@example.com')).toEqual({
    user: 'ana@example.com',
    displayName: 'Ana Lima',
    team: 'mobile',
    department: 'Eng',
    costCenter: 'CC-2',
    manager: 'kim@example.com',
    seat: true,
  })
  // The other entry is untouched.
  expect(entries.find((e) => e.user === 'bo@example.com')).toMatchObject({ team: 'web', displayName: 'Bo' })
  expect(await costByTeam()).toEqual([['mobile', 2]])
})

it('adds a person, removes one, and says what is wrong', async () => {
  expect((await put('cy@example.com', { team: 'web' })).status).toBe(200)
  expect((await directory()).entries.map((e) => e.user)).toEqual(['ana@example.com', 'bo@example.com', 'cy@example.com'])
  const removed = await fetch(`${cc.apiUrl}/api/v1/directory/entries/ana%40example.com`, { method: 'DELETE', headers: { 'x-requested-with': 'test' } })
  expect(removed.status).toBe(200)
  expect((await directory()).entries.map((e) => e.user)).toEqual(['bo@example.com', 'cy@example.com'])
  // Without her entry, the telemetry's own team is back.
  expect(await costByTeam()).toEqual([['web', 2]])
  const again = await fetch(`${cc.apiUrl}/api/v1/directory/entries/ana%40example.com`, { method: 'DELETE', headers: { 'x-requested-with': 'test' } })
  expect(again.status).toBe(404)
  const bad = await put('bo@example.com', { seat: 'maybe' })
  expect(bad.status).toBe(400)
  expect(((await bad.json()) as { message: string }).message).toMatch(/^seat: /)
  const unknown = await put('bo@example.com', { boss: 'x' })
  expect(unknown.status).toBe(400)
})
