import { describe, expect, it } from 'vitest'
import type { SimulateResponse } from '../schemas/simulate'
import { comparisonRows, detailNote, parseSettings, verdictSummary } from '../dashboard/ui/prepare/simulate'

const response = (over: Partial<SimulateResponse> = {}): SimulateResponse => ({
  range: { from: '2026-11-01T00:00:00.000Z', to: '2026-12-01T00:00:00.000Z', timeZone: 'UTC' },
  scanned: { calls: 10, withDetails: 10, truncated: false },
  invalidRules: [],
  verdicts: { deny: 3, ask: 0, allow: 5, default: 2, unknown: 0 },
  comparison: [
    { recorded: 'accepted', simulated: 'allow', calls: 5 },
    { recorded: 'policy_denied', simulated: 'deny', calls: 2 },
    { recorded: 'accepted', simulated: 'deny', calls: 1 },
    { recorded: 'user_rejected', simulated: 'default', calls: 2 },
  ],
  rules: [],
  newlyDenied: { calls: 1, users: 1, topUsers: [], teams: [] },
  noLongerDenied: { calls: 0, users: 0, topUsers: [], teams: [] },
  denials: [],
  ...over,
})

describe('policy simulator screen', () => {
  it('says what is wrong with a settings file before sending it', () => {
    expect(parseSettings('')).toEqual({ error: expect.stringMatching(/Paste a managed-settings.json/) })
    expect(parseSettings('{"permissions": ')).toEqual({ error: expect.stringMatching(/^Not valid JSON/) })
    expect(parseSettings('[]')).toEqual({ error: expect.stringMatching(/must be a JSON object/) })
    expect(parseSettings('{"env": {}}')).toEqual({ error: expect.stringMatching(/No "permissions"/) })
    expect(parseSettings('{"permissions": {"deny": ["Bash"]}}')).toEqual({ settings: { permissions: { deny: ['Bash'] } } })
  })

  it('lays out what happened against what the rules decide, in a fixed order, without empty rows', () => {
    expect(comparisonRows(response().comparison)).toEqual([
      { recorded: 'accepted', label: 'Ran (accepted)', cells: { deny: 1, ask: 0, allow: 5, default: 0, unknown: 0 }, total: 6 },
      { recorded: 'policy_denied', label: 'Denied by policy', cells: { deny: 2, ask: 0, allow: 0, default: 0, unknown: 0 }, total: 2 },
      { recorded: 'user_rejected', label: 'Rejected by the user', cells: { deny: 0, ask: 0, allow: 0, default: 2, unknown: 0 }, total: 2 },
    ])
  })

  it('summarises the verdicts, and says how much it could not see', () => {
    expect(verdictSummary(response())).toBe('These rules: denied 3, allowed 5, no rule (tool default) 2.')
    expect(verdictSummary(response({ verdicts: { deny: 0, ask: 0, allow: 0, default: 0, unknown: 0 } }))).toBe('No tool calls were recorded in this range.')
    expect(detailNote(response())).toBeNull()
    expect(detailNote(response({ scanned: { calls: 10, withDetails: 4, truncated: false } }))).toMatch(/^60% of the calls are Bash or MCP calls sent without/)
  })
})
