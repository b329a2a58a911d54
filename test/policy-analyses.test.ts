import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CoverageResponse, DenialsResponse } from '../schemas/policy'
import type { SimulateResponse } from '../schemas/simulate'
import { startTestCcscope, type TestCcscope } from './helpers/ccscope'
import { FIXTURES_DIR, loadFixture, replay } from './helpers/fixtures'
import { defined } from './helpers/defined'

/**
 * The policy simulator on the real Claude Code captures: their managed policy was
 * {"permissions":{"deny":["Bash(curl:*)"]}} (shared/fixtures/claude-code/README.md), and dana's
 * `curl https://example.org` was denied by it.
 */
let cc: TestCcscope
const RANGE = 'from=2000-01-01&to=2100-01-01&tz=UTC'

beforeAll(async () => {
  cc = await startTestCcscope()
  for (const res of await replay(cc.otlpUrl, loadFixture('http-json-delta'))) expect(res.status).toBe(200)
}, 60_000)
afterAll(async () => {
  await cc?.stop()
})

async function simulate(settings: unknown, query = RANGE): Promise<{ status: number; body: SimulateResponse & { message?: string } }> {
  const res = await fetch(`${cc.apiUrl}/api/v1/policy/simulate?${query}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ settings }),
  })
  return { status: res.status, body: (await res.json()) as SimulateResponse & { message?: string } }
}

describe('POST /api/v1/policy/simulate', () => {
  it('names the rule that fired for every recorded denial in the real captures', async () => {
    expect(fs.existsSync(path.join(FIXTURES_DIR, 'README.md'))).toBe(true)
    const { status, body } = await simulate({ permissions: { deny: ['Bash(curl:*)'] } })
    expect(status).toBe(200)
    expect(body.denials.length).toBeGreaterThan(0)
    for (const d of body.denials) expect(d, JSON.stringify(d)).toMatchObject({ tool: 'Bash', rule: 'Bash(curl:*)', verdict: 'deny' })
    // ccscope keeps a command's name, not the command line (CCSCOPE_STORE_CONTENT off): the name decides Bash(curl:*).
    expect(body.denials.map((d) => [d.commandName, d.command])).toContainEqual(['curl', null])
    // What happened is what these rules decide: every policy denial is a deny, nothing that ran is.
    const denied = body.comparison.filter((c) => c.recorded === 'policy_denied')
    expect(denied.every((c) => c.simulated === 'deny')).toBe(true)
    expect(body.newlyDenied.calls).toBe(0)
    expect(body.noLongerDenied.calls).toBe(0)
    // Filters apply (team and user are columns the queries also group by).
    for (const filter of ['&team=web', '&user=dana%40example.com']) {
      const filtered = await simulate({ permissions: { deny: ['Bash(curl:*)'] } }, `${RANGE}${filter}`)
      expect(filtered.status, filter).toBe(200)
      expect(filtered.body.verdicts.deny, filter).toBe(body.verdicts.deny)
    }
    expect(body.rules).toEqual([expect.objectContaining({ list: 'deny', rule: 'Bash(curl:*)', users: expect.any(Number) })])
    expect(defined(body.rules[0]).calls).toBe(denied.reduce((n, c) => n + c.calls, 0))
    // The same decisions and denials as the Policy page counts (one source of truth: tool_decision events).
    const tools = (await (await fetch(`${cc.apiUrl}/api/v1/tools?${RANGE}&measures=decisions,policyDenials`)).json()) as {
      totals: { decisions: number; policyDenials: number }
    }
    expect(body.scanned.calls).toBe(tools.totals.decisions)
    expect(denied.reduce((n, c) => n + c.calls, 0)).toBe(tools.totals.policyDenials)
  })

  it('shows a rule edit before and after: denying ls stops calls that ran, and who made them', async () => {
    const before = (await simulate({ permissions: { deny: ['Bash(curl:*)'] } })).body
    const after = (await simulate({ permissions: { deny: ['Bash(curl:*)', 'Bash(ls:*)'] } })).body
    expect(after.verdicts.deny).toBeGreaterThan(before.verdicts.deny)
    expect(after.newlyDenied.calls).toBe(after.verdicts.deny - before.verdicts.deny)
    expect(after.newlyDenied.topUsers.length).toBeGreaterThan(0)
    const ls = defined(after.rules.find((r) => r.rule === 'Bash(ls:*)'))
    expect(ls.calls).toBe(after.newlyDenied.calls)
    // Removing the deny: the recorded denials are no longer denied.
    const open = (await simulate({ permissions: {} })).body
    expect(open.noLongerDenied.calls).toBe(before.verdicts.deny)
    expect(open.denials.every((d) => d.rule === null)).toBe(true)
  })

  it('reports malformed rules instead of ignoring them, and refuses a body without settings', async () => {
    const { body } = await simulate({ permissions: { deny: ['Bash()', 'Bash(curl:*)'] } })
    expect(body.invalidRules).toEqual([{ list: 'deny', rule: 'Bash()', error: expect.stringMatching(/empty parentheses/) }])
    const res = await fetch(`${cc.apiUrl}/api/v1/policy/simulate?${RANGE}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"permissions":{}}',
    })
    expect(res.status).toBe(400)
  })
})

describe('GET /api/v1/policy/denials (the drill-down from a blocked command)', () => {
  it('names the users, teams and sessions behind the denied curl, with the Policy page total', async () => {
    const res = await fetch(`${cc.apiUrl}/api/v1/policy/denials?${RANGE}&command=curl`)
    expect(res.status).toBe(200)
    const d = (await res.json()) as DenialsResponse
    const blocked = (await (await fetch(`${cc.apiUrl}/api/v1/tools?${RANGE}&groupBy=command&decision=reject&source=config&measures=policyDenials`)).json()) as {
      rows: { group: string; policyDenials: number }[]
    }
    const curl = defined(blocked.rows.find((r) => r.group === 'curl'))
    expect(d.denials).toBe(curl.policyDenials)
    expect(d.denials).toBeGreaterThan(0)
    expect(d.byUser.map((u) => u.user)).toEqual(['dana@example.com'])
    expect(d.byTeam).toEqual([{ team: 'web', denials: d.denials, users: 1 }])
    expect(d.sessions.reduce((n, x) => n + x.denials, 0)).toBe(d.denials)
    expect(d.sessionsTotal).toBe(d.sessions.length)
    // A team filter (its column is also grouped on: a regression once answered 500).
    const web = (await (await fetch(`${cc.apiUrl}/api/v1/policy/denials?${RANGE}&command=curl&team=web`)).json()) as DenialsResponse
    expect(web.denials).toBe(d.denials)
    // Another command: nothing.
    const none = (await (await fetch(`${cc.apiUrl}/api/v1/policy/denials?${RANGE}&command=ls`)).json()) as DenialsResponse
    expect([none.denials, none.byUser, none.sessions]).toEqual([0, [], []])
  })

  it('follows the directory for teams, as every page does', async () => {
    const put = (body: string) =>
      fetch(`${cc.apiUrl}/api/v1/directory`, { method: 'PUT', headers: { 'content-type': 'text/csv', 'x-requested-with': 'test' }, body })
    expect((await put('user,display_name,team,department,cost_center,seat\ndana@example.com,Dana,security,Eng,CC-1,true\n')).status).toBe(200)
    try {
      const moved = (await (await fetch(`${cc.apiUrl}/api/v1/policy/denials?${RANGE}&command=curl&team=security`)).json()) as DenialsResponse
      expect(moved.byTeam.map((t) => t.team)).toEqual(['security'])
      expect(moved.byUser.map((u) => [u.user, u.team])).toEqual([['dana@example.com', 'security']])
      expect(moved.sessions.every((x) => x.team === 'security')).toBe(true)
      // The simulator too: who a change would stop, by the directory's team.
      const sim = await simulate({ permissions: { deny: ['Bash(curl:*)', 'Bash(ls:*)'] } }, `${RANGE}&team=security`)
      expect(sim.status).toBe(200)
      expect(sim.body.newlyDenied.topUsers.map((u) => [u.user, u.team])).toEqual([['dana@example.com', 'security']])
    } finally {
      expect((await put('user,display_name,team,department,cost_center,seat\n')).status).toBe(200)
    }
  })

  it('asks for exactly one of command and mcpServer', async () => {
    for (const q of ['', '&command=curl&mcpServer=github']) {
      const res = await fetch(`${cc.apiUrl}/api/v1/policy/denials?${RANGE}${q}`)
      expect(res.status, q).toBe(400)
      expect(((await res.json()) as { message: string }).message).toMatch(/command or mcpServer/)
    }
  })
})

describe('GET /api/v1/coverage', () => {
  it('names each active user with the Claude Code version and managed settings they run, and flags versions below the floor', async () => {
    const get = async (q: string) => (await (await fetch(`${cc.apiUrl}/api/v1/coverage?${RANGE}${q}`)).json()) as CoverageResponse
    const users = (await (await fetch(`${cc.apiUrl}/api/v1/users?${RANGE}&limit=1000`)).json()) as { counts: { activeUsers: number } }
    const none = await get('')
    // The Adoption page's active users, each once.
    expect(none.users.length).toBe(users.counts.activeUsers)
    expect(none.versionFloor).toBeNull()
    expect(none.users.every((u) => u.belowFloor === null)).toBe(true)
    const dana = defined(none.users.find((u) => u.user === 'dana@example.com'))
    // The captures come from Claude Code 2.1.328 with a managed-settings file.
    expect(dana.version).toBe('2.1.328')
    expect(dana.managedSources).toEqual(['file'])
    const newer = await get('&versionFloor=2.1.400')
    expect(defined(newer.users.find((u) => u.user === 'dana@example.com')).belowFloor).toBe(true)
    expect(newer.teams.reduce((n, t) => n + t.belowFloor, 0)).toBe(newer.users.filter((u) => u.belowFloor).length)
    expect(newer.versions.find((v) => v.version === '2.1.328')).toMatchObject({ belowFloor: true })
    const older = await get('&versionFloor=2.1.300')
    expect(older.users.some((u) => u.belowFloor === true)).toBe(false)
    expect((await get('&team=web')).users.every((u) => u.team === 'web')).toBe(true)
    const bad = await fetch(`${cc.apiUrl}/api/v1/coverage?${RANGE}&versionFloor=latest`)
    expect(bad.status).toBe(400)
  })
})
