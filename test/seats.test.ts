import { parse } from 'csv-parse/sync'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { UsersResponse } from '../schemas/users'
import { startTestCcscope, type TestCcscope } from './helpers/ccscope'
import { generateFleet, sendFleet, type Fleet } from './helpers/fleet'

/** Seat utilization per team: the directory's seat holders, those active in the range, per team; the same in JSON and CSV. */
let cc: TestCcscope
let fleet: Fleet
const START = new Date(Date.UTC(2026, 10, 2))
const DAYS = 14
// The last four days: some seat holders are active in them, some not.
const FROM = new Date(Date.UTC(2026, 10, 12))
const TO = new Date(Date.UTC(2026, 10, 16))
const RANGE = `from=2026-11-12&to=2026-11-16&tz=UTC`

beforeAll(async () => {
  cc = await startTestCcscope()
  fleet = generateFleet({ seed: 11, users: 10, days: DAYS, start: START })
  await sendFleet(cc.otlpUrl, fleet)
}, 120_000)
afterAll(async () => {
  await cc?.stop()
})

const users = async (query: string) => (await (await fetch(`${cc.apiUrl}/api/v1/users?${query}`)).json()) as UsersResponse
const seatsCsv = async (query: string) => {
  const res = await fetch(`${cc.apiUrl}/api/v1/users/seats.csv?${query}`)
  return { res, text: await res.text() }
}
/** Whether the fleet's truth has any record of the user inside the range. */
const activeInRange = (user: string) =>
  fleet.truth.sessions.some((s) => s.user === user && s.recordTimes.some((t) => t.getTime() >= FROM.getTime() && t.getTime() < TO.getTime()))

describe('seat utilization per team', () => {
  it('says null (JSON) and 404 (CSV) without a directory', async () => {
    expect((await users(`${RANGE}&seatsByTeam=true`)).seatsByTeam).toBeNull()
    expect((await users(RANGE)).seatsByTeam).toBeUndefined()
    const { res, text } = await seatsCsv(RANGE)
    expect(res.status).toBe(404)
    expect(JSON.parse(text)).toMatchObject({ error: 'not_found', message: expect.stringMatching(/^no directory is loaded/) })
  })

  it("counts each team's seats and its seat holders active in the range; the teams add up to the organization's seats", async () => {
    const people = fleet.truth.users.map((u) => u.user)
    expect(people.length).toBe(10)
    const alpha = people.slice(0, 4)
    const beta = people.slice(4, 7)
    // A team name a spreadsheet would run as a formula; a person without a seat; a seat holder who never sent anything.
    const lines = [
      ...alpha.map((u) => `${u},,alpha,eng,cc1,true`),
      ...beta.map((u) => `${u},,=beta,eng,cc2,true`),
      `${people[7]},,gamma,eng,cc3,false`,
      'ghost@example.com,,alpha,eng,cc1,true',
    ]
    const load = await fetch(`${cc.apiUrl}/api/v1/directory`, {
      method: 'PUT',
      headers: { 'content-type': 'text/csv', 'x-requested-with': 'test' },
      body: `user,display_name,team,department,cost_center,seat\n${lines.join('\n')}\n`,
    })
    expect(load.status, await load.text()).toBe(200)

    const betaSeats = { team: '=beta', seats: 3, active: beta.filter(activeInRange).length }
    const alphaSeats = { team: 'alpha', seats: 5, active: alpha.filter(activeInRange).length }
    const expected = [betaSeats, alphaSeats]
    // The range is chosen so that the answer is not trivial: someone is active, someone is not.
    const activeTotal = expected.reduce((n, t) => n + t.active, 0)
    expect(activeTotal).toBeGreaterThan(0)
    expect(activeTotal).toBeLessThan(8)

    const answer = await users(`${RANGE}&seatsByTeam=true`)
    expect(answer.seatsByTeam).toEqual(expected.map((t) => ({ ...t, utilization: t.active / t.seats })))
    expect(answer.seats).toEqual({ total: 8, active: activeTotal, utilization: activeTotal / 8 })

    // One team: the same row, and the organization's seats for that team.
    const one = await users(`${RANGE}&seatsByTeam=true&team=alpha`)
    expect(one.seatsByTeam).toEqual([{ ...alphaSeats, utilization: alphaSeats.active / 5 }])
    expect(one.seats?.total).toBe(5)
    expect(one.seats?.active).toBe(alphaSeats.active)

    // The CSV: the same rows, a total row, the formula defused, named for the range.
    const { res, text } = await seatsCsv(RANGE)
    expect(res.status, text).toBe(200)
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="ccscope-seats-by-team-2026-11-12-to-2026-11-15.csv"')
    const round = (a: number, s: number) => String(Math.round((a / s) * 10_000) / 10_000)
    expect(parse(text, { columns: true })).toEqual([
      { row_type: 'data', team: "'=beta", seats: '3', active_seat_holders: String(betaSeats.active), utilization: round(betaSeats.active, 3) },
      { row_type: 'data', team: 'alpha', seats: '5', active_seat_holders: String(alphaSeats.active), utilization: round(alphaSeats.active, 5) },
      { row_type: 'total', team: '', seats: '8', active_seat_holders: String(activeTotal), utilization: round(activeTotal, 8) },
    ])
  })

  it('answers an empty list, not null, when the filters leave no team with a seat', async () => {
    expect((await users(`${RANGE}&seatsByTeam=true&team=nobody`)).seatsByTeam).toEqual([])
  })
})
