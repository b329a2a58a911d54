import { describe, expect, it } from 'vitest'
import { resolveRange } from '../schemas/analytics'
import { answeredRange, previousRange } from '../schemas/periods'
import { moversQuerySchema } from '../schemas/policy'

/**
 * The comparison rule of schemas/periods.ts on its own: a range that is not over yet is compared with the
 * same elapsed span of the period before; calendar months with calendar months. test/periods.test.ts checks
 * the API's answers by the same rule.
 */
const NOW = new Date('2026-11-26T14:10:00Z') // a Thursday afternoon (the same instant as test/periods.test.ts)

describe('the rule', () => {
  it('answers up to the bucket holding now, and compares with the same elapsed span one period earlier', () => {
    const asked = resolveRange('2026-11-20', '2026-11-27', 'UTC')
    const answered = answeredRange(asked, NOW)
    expect(answered.to.toISOString()).toBe('2026-11-26T14:15:00.000Z')
    const previous = previousRange(asked, answered)
    expect([previous?.from.toISOString(), previous?.to.toISOString()]).toEqual(['2026-11-13T00:00:00.000Z', '2026-11-19T14:15:00.000Z'])
    // A range wholly in the past is compared with the whole period before; one not begun, with nothing.
    const past = resolveRange('2026-11-01', '2026-11-08', 'UTC')
    expect(previousRange(past, answeredRange(past, NOW))?.from.toISOString()).toBe('2026-10-25T00:00:00.000Z')
    const future = resolveRange('2026-12-01', '2026-12-08', 'UTC')
    expect(previousRange(future, answeredRange(future, NOW))).toBeNull()
  })
})

describe('calendar months', () => {
  const span = (r: { from: Date; to: Date } | null) => [r?.from.toISOString(), r?.to.toISOString()]

  it('a whole past month is compared with the whole month before, however long each is', () => {
    const october = resolveRange('2026-10-01', '2026-11-01', 'UTC')
    expect(span(previousRange(october, answeredRange(october, NOW)))).toEqual(['2026-09-01T00:00:00.000Z', '2026-10-01T00:00:00.000Z'])
    // A quarter with the quarter before.
    const q3 = resolveRange('2026-07-01', '2026-10-01', 'UTC')
    expect(span(previousRange(q3, answeredRange(q3, NOW)))).toEqual(['2026-04-01T00:00:00.000Z', '2026-07-01T00:00:00.000Z'])
  })

  it('this month, not over yet, is compared with the same elapsed span from the 1st of last month', () => {
    const november = resolveRange('2026-11-01', '2026-12-01', 'UTC')
    const answered = answeredRange(november, NOW)
    expect(answered.to.toISOString()).toBe('2026-11-26T14:15:00.000Z')
    expect(span(previousRange(november, answered))).toEqual(['2026-10-01T00:00:00.000Z', '2026-10-26T14:15:00.000Z'])
  })

  it('never runs into the current month: late March against all of February', () => {
    const march = resolveRange('2027-03-01', '2027-04-01', 'UTC')
    const answered = answeredRange(march, new Date('2027-03-30T12:00:00Z'))
    expect(span(previousRange(march, answered))).toEqual(['2027-02-01T00:00:00.000Z', '2027-03-01T00:00:00.000Z'])
  })

  it('follows local midnights: Berlin across the end of summer time, Kolkata at 18:30 UTC', () => {
    const berlin = resolveRange('2025-11-01', '2025-12-01', 'Europe/Berlin')
    expect(span(previousRange(berlin, answeredRange(berlin, NOW)))).toEqual(['2025-09-30T22:00:00.000Z', '2025-10-31T23:00:00.000Z'])
    const kolkata = resolveRange('2026-10-01', '2026-11-01', 'Asia/Kolkata')
    expect(span(previousRange(kolkata, answeredRange(kolkata, NOW)))).toEqual(['2026-08-31T18:30:00.000Z', '2026-09-30T18:30:00.000Z'])
  })

  it('leaves other ranges that start on the 1st to the nominal rule (a week is compared with the week before)', () => {
    const week = resolveRange('2026-11-01', '2026-11-08', 'UTC')
    expect(span(previousRange(week, answeredRange(week, NOW)))).toEqual(['2026-10-25T00:00:00.000Z', '2026-11-01T00:00:00.000Z'])
  })
})

describe('whole local days across a daylight-saving change', () => {
  const span = (r: { from: Date; to: Date } | null) => [r?.from.toISOString(), r?.to.toISOString()]

  it('a past week in Los Angeles is compared with the 7 calendar days before it, local midnight to local midnight', () => {
    // 2 November 2026 is the Monday after summer time ended (1 November, 02:00 → 01:00): the week before is 1 h longer.
    const week = resolveRange('2026-11-02', '2026-11-09', 'America/Los_Angeles')
    expect(span(previousRange(week, answeredRange(week, NOW)))).toEqual(['2026-10-26T07:00:00.000Z', '2026-11-02T08:00:00.000Z'])
    const before = resolveRange('2026-10-27', '2026-11-03', 'America/Los_Angeles')
    expect(span(previousRange(before, answeredRange(before, NOW)))).toEqual(['2026-10-20T07:00:00.000Z', '2026-10-27T07:00:00.000Z'])
    const berlin = resolveRange('2026-10-22', '2026-10-29', 'Europe/Berlin')
    expect(span(previousRange(berlin, answeredRange(berlin, NOW)))).toEqual(['2026-10-14T22:00:00.000Z', '2026-10-21T22:00:00.000Z'])
  })

  it('a day after the change is compared with the whole day before it (25 hours), not 24 hours back', () => {
    const day = resolveRange('2026-11-02', '2026-11-03', 'America/Los_Angeles')
    expect(span(previousRange(day, answeredRange(day, NOW)))).toEqual(['2026-11-01T07:00:00.000Z', '2026-11-02T08:00:00.000Z'])
  })

  it('a range not over yet is cut at the same wall-clock time of the period before', () => {
    // Now: Thursday 5 November 2026, 05:30 in Los Angeles. The last 7 days (30 Oct – 5 Nov) against 23 – 29 October.
    const now = new Date('2026-11-05T13:30:00Z')
    const week = resolveRange('2026-10-30', '2026-11-06', 'America/Los_Angeles')
    const answered = answeredRange(week, now)
    expect(answered.to.toISOString()).toBe('2026-11-05T13:45:00.000Z')
    expect(span(previousRange(week, answered))).toEqual(['2026-10-23T07:00:00.000Z', '2026-10-29T12:45:00.000Z'])
    // This month in Los Angeles on 6 December 05:30 against 1 – 6 November 05:30 (not 04:30: November 1 was 25 hours).
    const december = resolveRange('2026-12-01', '2027-01-01', 'America/Los_Angeles')
    const inDecember = answeredRange(december, new Date('2026-12-06T13:15:00Z'))
    expect(span(previousRange(december, inDecember))).toEqual(['2026-11-01T07:00:00.000Z', '2026-11-06T13:30:00.000Z'])
  })
})

describe('week-over-week movers across a daylight-saving change', () => {
  it('the week before a local midnight starts at the local midnight 7 days earlier', () => {
    // 3 November 2026 in Los Angeles: the week before it began on 27 October, in summer time (07:00 UTC, not 08:00).
    const q = moversQuerySchema.parse({ to: '2026-11-03', tz: 'America/Los_Angeles' })
    expect([q.current.from.toISOString(), q.current.to.toISOString()]).toEqual(['2026-10-27T07:00:00.000Z', '2026-11-03T08:00:00.000Z'])
    const previous = previousRange(q.current, answeredRange(q.current, NOW))
    expect([previous?.from.toISOString(), previous?.to.toISOString()]).toEqual(['2026-10-20T07:00:00.000Z', '2026-10-27T07:00:00.000Z'])
  })
})
