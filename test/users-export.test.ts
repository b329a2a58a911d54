import { parse } from 'csv-parse/sync'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { UsersResponse } from '../schemas/users'
import { startTestCcscope, type TestCcscope } from './helpers/ccscope'
import { generateFleet, sendFleet, type Fleet } from './helpers/fleet'
import { defined } from './helpers/defined'

/** The managers' lists as CSV: the same people and figures as GET /api/v1/users, safe in a spreadsheet. */
let cc: TestCcscope
let fleet: Fleet
const START = new Date(Date.UTC(2026, 10, 2))
const DAYS = 14
const RANGE = `from=2026-11-02&to=2026-11-16&tz=UTC`

beforeAll(async () => {
  cc = await startTestCcscope()
  fleet = generateFleet({ seed: 5, users: 10, days: DAYS, start: START })
  await sendFleet(cc.otlpUrl, fleet)
}, 120_000)
afterAll(async () => {
  await cc?.stop()
})

const csv = async (query: string) => {
  const res = await fetch(`${cc.apiUrl}/api/v1/users/export.csv?${query}`)
  return { res, text: await res.text() }
}
const rowsOf = (text: string) => parse(text, { columns: true }) as Record<string, string>[]
const users = async (query: string) => (await (await fetch(`${cc.apiUrl}/api/v1/users?${query}`)).json()) as UsersResponse

describe('GET /api/v1/users/export.csv', () => {
  it('lists everyone active with the JSON figures, named for the list and the period', async () => {
    const { res, text } = await csv(RANGE)
    expect(res.status, text).toBe(200)
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="ccscope-users-active-2026-11-02-to-2026-11-15.csv"')
    const json = await users(`${RANGE}&limit=10000`)
    const rows = rowsOf(text)
    expect(rows.map((r) => r.user).sort()).toEqual(json.rows.map((r) => r.user).sort())
    expect(rows.length).toBeGreaterThan(0)
    for (const r of json.rows) {
      const row = defined(rows.find((x) => x.user === r.user))
      expect(row.cost_usd).toBe(r.costUsd.toFixed(2))
      expect(Number(row.active_days)).toBe(r.activeDays)
      // Not reported is an empty cell, never 0.
      expect(row.prompts).toBe(r.prompts === null ? '' : String(r.prompts))
      expect(row.gone_quiet).toBe(String(r.quiet))
    }
  })

  it('lists one lifecycle group: exactly the users the JSON marks so', async () => {
    const json = await users(`${RANGE}&limit=10000&quietDays=3`)
    for (const list of ['new', 'returning', 'quiet'] as const) {
      const { res, text } = await csv(`${RANGE}&list=${list}&quietDays=3`)
      expect(res.status).toBe(200)
      const expected = json.rows.filter((r) => (list === 'quiet' ? r.quiet : r.status === list)).map((r) => r.user)
      expect(
        rowsOf(text)
          .map((r) => r.user)
          .sort(),
        list,
      ).toEqual(expected.sort())
    }
  })

  it('never active: 400 without a directory; with one, the people who never sent anything, formulas defused', async () => {
    const none = await csv(`${RANGE}&list=neverActive`)
    expect(none.res.status).toBe(400)
    expect(none.text).toMatch(/no directory is loaded/)

    const active = defined(fleet.truth.users[0])
    const load = await fetch(`${cc.apiUrl}/api/v1/directory`, {
      method: 'PUT',
      headers: { 'content-type': 'text/csv', 'x-requested-with': 'test' },
      body: `user,display_name,team,department,cost_center,seat\n${active.user},A,web,eng,cc1,true\nghost@example.com,"=HYPERLINK(""http://x"")",web,eng,cc1,true\n`,
    })
    expect(load.status, await load.text()).toBe(200)
    const { res, text } = await csv(`${RANGE}&list=neverActive`)
    expect(res.status, text).toBe(200)
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="ccscope-users-never-active-as-of-2026-11-15.csv"')
    const rows = rowsOf(text)
    expect(rows).toEqual([
      { user: 'ghost@example.com', display_name: `'=HYPERLINK("http://x")`, team: 'web', department: 'eng', cost_center: 'cc1', seat: 'true' },
    ])
  })

  it('refuses an unknown list with a 400 naming it', async () => {
    const { res, text } = await csv(`${RANGE}&list=everyone`)
    expect(res.status).toBe(400)
    expect(JSON.parse(text).parameter).toBe('list')
  })
})

describe('GET /api/v1/users with quietList (the Adoption page: leaders and gone quiet in one answer)', () => {
  it('answers the same rows as the two requests it replaces, in their orders', async () => {
    for (const [limit, quietList] of [
      [3, 4],
      [100, 1000],
    ] as const) {
      const both = await users(`${RANGE}&sort=costUsd&limit=${limit}&quietList=${quietList}&quietDays=3`)
      const leaders = await users(`${RANGE}&sort=costUsd&limit=${limit}&quietDays=3`)
      const quiet = await users(`${RANGE}&sort=lastSeen&order=asc&limit=${quietList}&quietDays=3`)
      expect(rounded(both.rows)).toEqual(rounded(leaders.rows))
      expect(both.truncated).toBe(leaders.truncated)
      expect(both.counts).toEqual(leaders.counts)
      expect(rounded(both.quietRows)).toEqual(rounded(quiet.rows))
      expect(both.quietRows?.length).toBe(Math.min(quietList, both.counts.activeUsers))
    }
    expect(leadersOnly(await users(`${RANGE}&limit=3`))).toBe(true)
    expect((await fetch(`${cc.apiUrl}/api/v1/users?${RANGE}&quietList=0`)).status).toBe(400)
  })
})

/** Active seconds are float sums, whose last bits depend on the engine's summing order: compared to the microsecond. */
const rounded = (rows: UsersResponse['rows'] | undefined) =>
  rows?.map((r) => ({
    ...r,
    activeTimeUserSeconds: r.activeTimeUserSeconds === null ? null : Math.round(r.activeTimeUserSeconds * 1e6),
    activeTimeCliSeconds: r.activeTimeCliSeconds === null ? null : Math.round(r.activeTimeCliSeconds * 1e6),
  }))

/** Without quietList the answer has no quietRows. */
const leadersOnly = (answer: UsersResponse) => !('quietRows' in answer)
