import { describe, expect, it } from 'vitest'
import { windowDays, windowsNewestFirst } from '../simulator/backfill'
import { planUsers, resolvePeriod } from '../simulator/fleet'
import { SESSION_REACH_MS, windowSessions } from '../simulator/history'
import { exportPoints } from '../simulator/metrics'
import { generate } from '../simulator/run'
import { Tally } from '../simulator/truths'

/**
 * The demo's history and the simulator are one fleet: the backfill's windows hold exactly the records a
 * run of the simulator makes, each once. Pure: no engine.
 */

const DAY = 86_400_000

describe('the demo history and the simulator', () => {
  it('are one fleet: the windows hold every record of the simulated sessions, each once', () => {
    const period = resolvePeriod(6, new Date('2026-11-26T12:15:00Z'))
    const users = planUsers({ seed: 3, users: 25, days: 6 })
    const key = (session: string, kind: string, ms: number, i: number) => `${session}/${kind}/${ms}/${i}`
    const simulated: string[] = []
    let longest = 0
    for (const { sessions } of generate(3, users, period, new Tally({ from: new Date(period.from), to: new Date(period.end) })))
      for (const s of sessions) {
        longest = Math.max(longest, s.exitMs - s.startMs)
        for (const [i, e] of s.events.entries()) simulated.push(key(s.sessionId, e.name, e.ms, i))
        for (const [i, p] of exportPoints(s, 60_000, 'delta').entries()) simulated.push(key(s.sessionId, 'point', p.endMs, i))
      }
    expect(longest).toBeLessThan(SESSION_REACH_MS)
    const windowed: string[] = []
    for (const w of windowsNewestFirst(period.from, period.end, { firstMs: 2 * 3_600_000, firstDays: 1, daysPerWindow: 2 }))
      for (const { sessions } of windowSessions(3, users, period, w))
        for (const s of sessions) {
          const inside = (ms: number) => ms >= w.fromMs && ms < w.toMs
          for (const [i, e] of s.events.entries()) if (inside(e.ms)) windowed.push(key(s.sessionId, e.name, e.ms, i))
          for (const [i, p] of exportPoints(s, 60_000, 'delta').entries()) if (inside(p.endMs)) windowed.push(key(s.sessionId, 'point', p.endMs, i))
        }
    expect(simulated.length).toBeGreaterThan(10_000)
    expect(windowed.sort()).toEqual(simulated.sort())
  })
})

describe('backfill windows', () => {
  it('cover the history newest first, in whole UTC days, without gaps or overlaps', () => {
    const end = Date.parse('2026-11-26T12:15:00Z')
    const from = end - 30 * DAY
    const windows = windowsNewestFirst(from, end, { firstDays: 2, daysPerWindow: 3 })
    expect(windows[0]).toEqual({ fromMs: Date.parse('2026-11-26T00:00:00Z'), toMs: end })
    expect(windows[1]).toEqual({ fromMs: Date.parse('2026-11-25T00:00:00Z'), toMs: Date.parse('2026-11-26T00:00:00Z') })
    expect(windows[2]).toEqual({ fromMs: Date.parse('2026-11-22T00:00:00Z'), toMs: Date.parse('2026-11-25T00:00:00Z') })
    expect(windows.at(-1)?.fromMs).toBe(from)
    for (let i = 1; i < windows.length; i++) expect(windows[i]?.toMs).toBe(windows[i - 1]?.fromMs)
    // Every UTC day of the history in exactly one window.
    const days = windows.flatMap(windowDays)
    expect(new Set(days).size).toBe(days.length)
    expect(days.length).toBe(31)
  })

  it("may give the newest day's last hours a window of their own, the rest of that day the next", () => {
    const end = Date.parse('2026-11-26T12:15:00Z')
    const windows = windowsNewestFirst(end - 3 * DAY, end, { firstMs: 2 * 3_600_000, firstDays: 1, daysPerWindow: 1 })
    expect(windows.slice(0, 3)).toEqual([
      { fromMs: Date.parse('2026-11-26T10:15:00Z'), toMs: end },
      { fromMs: Date.parse('2026-11-26T00:00:00Z'), toMs: Date.parse('2026-11-26T10:15:00Z') },
      { fromMs: Date.parse('2026-11-25T00:00:00Z'), toMs: Date.parse('2026-11-26T00:00:00Z') },
    ])
    for (let i = 1; i < windows.length; i++) expect(windows[i]?.toMs).toBe(windows[i - 1]?.fromMs)
    expect(windows.at(-1)?.fromMs).toBe(end - 3 * DAY)
    // An end less than firstMs after midnight: no window of its own (it would be the whole day's).
    const early = Date.parse('2026-11-26T01:00:00Z')
    expect(windowsNewestFirst(early - DAY, early, { firstMs: 2 * 3_600_000, firstDays: 1, daysPerWindow: 1 })[0]).toEqual({
      fromMs: Date.parse('2026-11-26T00:00:00Z'),
      toMs: early,
    })
  })
})
