import { describe, expect, it } from 'vitest'
import { checkVocabulary } from '../bench/seed-vocabulary'
import { plannedRows } from '../bench/seed-sessions'
import { windowDays, windowsNewestFirst } from '../simulator/backfill'
import { MODELS, TEAMS } from '../simulator/catalog'
import { demoHistory } from '../simulator/history'
import { countFleet } from '../simulator/run'
import { catalogVocabulary } from '../simulator/vocabulary'

/**
 * The demo's history and the simulator are one model: the same catalog (words and prices), the same
 * fleet plan (who works when), sessions of the same size. Pure: no engine.
 */

const DAY = 86_400_000

describe('the demo history and the simulator', () => {
  it('share the catalog: teams, models and their prices', () => {
    const v = catalogVocabulary()
    checkVocabulary(v)
    expect(v.teams).toEqual(TEAMS.map((t) => ({ id: t.id, department: t.department, costCenter: t.costCenter })))
    for (const m of v.models) {
      const p = MODELS[m.name as keyof typeof MODELS]
      expect({ input: m.input, output: m.output, cacheRead: m.cacheRead, cacheCreation: m.cacheCreation }).toEqual({
        input: p.input,
        output: p.output,
        cacheRead: p.cacheRead,
        cacheCreation: p.cacheWrite,
      })
    }
    // Commands the managed policy denies are never among the allowed ones.
    expect(v.deniedCommands.map(([name]) => name).sort()).toEqual(['curl', 'rm', 'wget'])
    expect(v.bashCommands.some(([name]) => ['curl', 'rm', 'wget'].includes(name))).toBe(false)
  })

  it('plan the same sessions, of the same size', () => {
    const end = new Date('2026-11-26T12:00:00Z')
    const options = { users: 40, days: 10, seed: 3, end }
    const history = demoHistory(options)
    const simulated = countFleet({ ...options, temporality: 'delta' })
    // The simulator drops sessions starting in the last 20 minutes; otherwise the same plan.
    expect(history.sessions.filter((s) => s.startMs <= end.getTime() - 20 * 60_000).length).toBe(simulated.sessions)
    expect(new Set(history.sessions.map((s) => history.users[s.user]?.key)).size).toBe(simulated.users)
    const rows = plannedRows(history)
    const eventsOn = simulated.sessions - simulated.metricsOnlySessions
    const perSession = { events: rows.events / eventsOn, points: rows.points / history.sessions.length }
    const simPerSession = { events: simulated.logRecords / eventsOn, points: simulated.metricPoints / simulated.sessions }
    expect(perSession.events / simPerSession.events).toBeGreaterThan(0.8)
    expect(perSession.events / simPerSession.events).toBeLessThan(1.25)
    expect(perSession.points / simPerSession.points).toBeGreaterThan(0.8)
    expect(perSession.points / simPerSession.points).toBeLessThan(1.25)
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
})
