import { describe, expect, it } from 'vitest'
import { resolveRange } from '../schemas/analytics'
import { answeredRange, previousRange } from '../schemas/periods'

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
