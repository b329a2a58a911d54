import { z } from 'zod'
import { answeredRange } from '../../../schemas/periods'
import { type RECORDED, VERDICTS, type SimulateBody, type SimulateQuery, type SimulateResponse } from '../../../schemas/simulate'
import { ch, run } from '../../../warehouse/query'
import { decide, parseRule, RULE_LISTS, type Call, type Rule, type Verdict } from '../simulate/rules'
import type { QueryContext } from './dataset'
import { rangeParams } from './range'
import { filterSql } from './users'

/**
 * The policy simulator: the tool calls recorded in a range (tool_decision events, grouped by tool, command,
 * MCP names, decision, source, user and team), each decided by the submitted rules (simulate/rules.ts), and
 * compared with what happened. Reads the raw events (the rollups keep only a command's first word, and rules
 * match whole commands), so it is an on-demand analysis: a few seconds over a month of a large fleet.
 * Teams are the ones the telemetry reports (the directory is not applied here).
 */

/** Distinct calls read at most; the most frequent first. */
const MAX_GROUPS = 50_000

const groupRow = z.object({
  tool: ch.string,
  command: ch.string,
  command_name: ch.string,
  mcp_server: ch.string,
  mcp_tool: ch.string,
  decision: ch.string,
  source: ch.string,
  u: ch.string,
  team: ch.string,
  n: ch.count,
})

/** What happened to a call, from its decision and source. */
export function recordedOf(decision: string, source: string): (typeof RECORDED)[number] {
  if (decision === 'accept') return 'accepted'
  if (source === 'config') return 'policy_denied'
  if (source === 'hook') return 'hook_blocked'
  if (source.startsWith('user')) return 'user_rejected'
  return 'other_rejected'
}

function parseRules(body: SimulateBody): { rules: Rule[]; invalid: SimulateResponse['invalidRules'] } {
  const rules: Rule[] = []
  const invalid: SimulateResponse['invalidRules'] = []
  for (const list of RULE_LISTS)
    for (const text of body.settings.permissions[list]) {
      const parsed = parseRule(list, text)
      if ('error' in parsed) invalid.push({ list, rule: text, error: parsed.error })
      else rules.push(parsed)
    }
  return { rules, invalid }
}

interface Tally {
  calls: number
  users: Map<string, { team: string; calls: number }>
  teams: Map<string, number>
}
const tally = (): Tally => ({ calls: 0, users: new Map(), teams: new Map() })
function add(t: Tally, user: string, team: string, n: number): void {
  t.calls += n
  const u = t.users.get(user) ?? { team, calls: 0 }
  u.calls += n
  t.users.set(user, u)
  t.teams.set(team, (t.teams.get(team) ?? 0) + n)
}
function changeOf(t: Tally): SimulateResponse['newlyDenied'] {
  return {
    calls: t.calls,
    users: t.users.size,
    topUsers: [...t.users]
      .map(([user, u]) => ({ user, team: u.team, calls: u.calls }))
      .sort((a, b) => b.calls - a.calls || a.user.localeCompare(b.user))
      .slice(0, 20),
    teams: [...t.teams].map(([team, calls]) => ({ team, calls })).sort((a, b) => b.calls - a.calls || a.team.localeCompare(b.team)),
  }
}

export async function simulatePolicy(ctx: QueryContext, query: SimulateQuery, body: SimulateBody): Promise<SimulateResponse> {
  const range = answeredRange(query.range, ctx.now)
  const { rules, invalid } = parseRules(body)
  const params: Record<string, unknown> = { ...rangeParams(range), groups: MAX_GROUPS + 1 }
  const where = filterSql(query.filters, params, ctx.scope)
  const groups = await run(ctx.client, {
    sql: `SELECT tool, command, command_name, mcp_server, mcp_tool, decision, source, u, team, count() AS n
     FROM (
       SELECT tool_name AS tool, decision, source, user_key AS u, team_id AS team, department AS dept, cost_center AS cc,
         JSONExtractString(attributes['tool_parameters'], 'full_command') AS command,
         JSONExtractString(attributes['tool_parameters'], 'bash_command') AS command_name,
         JSONExtractString(attributes['tool_parameters'], 'mcp_server_name') AS mcp_server,
         JSONExtractString(attributes['tool_parameters'], 'mcp_tool_name') AS mcp_tool
       FROM events
       WHERE event_name = 'tool_decision' AND timestamp >= {from:DateTime('UTC')} AND timestamp < {to:DateTime('UTC')}
     )
     WHERE ${where}
     GROUP BY tool, command, command_name, mcp_server, mcp_tool, decision, source, u, team
     ORDER BY n DESC
     LIMIT {groups:UInt32}`,
    params,
    row: groupRow,
  })
  const truncated = groups.length > MAX_GROUPS
  if (truncated) groups.length = MAX_GROUPS

  const verdicts = Object.fromEntries(VERDICTS.map((v) => [v, 0])) as Record<Verdict, number>
  const comparison = new Map<string, number>()
  const byRule = new Map<string, Tally>()
  const newlyDenied = tally()
  const noLongerDenied = tally()
  const denials = new Map<
    string,
    { tool: string; command: string | null; commandName: string | null; calls: number; users: Set<string>; rule: string | null; verdict: Verdict }
  >()
  let calls = 0
  let withDetails = 0
  // Each distinct call is decided once.
  const decided = new Map<string, ReturnType<typeof decide>>()
  for (const g of groups) {
    calls += g.n
    const detailed = g.command !== '' || g.command_name !== '' || (g.mcp_server !== '' && g.mcp_tool !== '')
    if (detailed) withDetails += g.n
    const call: Call = {
      tool: g.tool,
      ...(g.command !== '' ? { command: g.command } : {}),
      ...(g.command_name !== '' ? { commandName: g.command_name } : {}),
      ...(g.mcp_server !== '' ? { mcpServer: g.mcp_server } : {}),
      ...(g.mcp_tool !== '' ? { mcpTool: g.mcp_tool } : {}),
    }
    const key = `${g.tool}\u0000${g.command}\u0000${g.command_name}\u0000${g.mcp_server}\u0000${g.mcp_tool}`
    let decision = decided.get(key)
    if (!decision) {
      decision = decide(rules, call)
      decided.set(key, decision)
    }
    verdicts[decision.verdict] += g.n
    const recorded = recordedOf(g.decision, g.source)
    const pair = `${recorded}\u0000${decision.verdict}`
    comparison.set(pair, (comparison.get(pair) ?? 0) + g.n)
    if (decision.rule && decision.verdict !== 'unknown') {
      const ruleKey = `${decision.verdict}\u0000${decision.rule}`
      const t = byRule.get(ruleKey) ?? tally()
      add(t, g.u, g.team, g.n)
      byRule.set(ruleKey, t)
    }
    if (recorded === 'accepted' && decision.verdict === 'deny') add(newlyDenied, g.u, g.team, g.n)
    if (recorded === 'policy_denied') {
      if (decision.verdict !== 'deny' && decision.verdict !== 'unknown') add(noLongerDenied, g.u, g.team, g.n)
      const denialKey = `${g.tool}\u0000${g.command}\u0000${g.command_name}`
      const d = denials.get(denialKey) ?? {
        tool: g.tool,
        command: g.command === '' ? null : g.command,
        commandName: g.command_name === '' ? null : g.command_name,
        calls: 0,
        users: new Set<string>(),
        rule: decision.verdict === 'deny' || decision.verdict === 'unknown' ? (decision.rule ?? null) : null,
        verdict: decision.verdict,
      }
      d.calls += g.n
      d.users.add(g.u)
      denials.set(denialKey, d)
    }
  }

  return {
    range: { from: range.from.toISOString(), to: range.to.toISOString(), timeZone: range.timeZone },
    scanned: { calls, withDetails, truncated },
    invalidRules: invalid,
    verdicts,
    comparison: [...comparison]
      .map(([pair, n]) => {
        const [recorded, simulated] = pair.split('\u0000') as [(typeof RECORDED)[number], Verdict]
        return { recorded, simulated, calls: n }
      })
      .sort((a, b) => b.calls - a.calls),
    rules: rules.map((rule) => {
      const t = byRule.get(`${rule.list}\u0000${rule.text}`)
      return {
        list: rule.list,
        rule: rule.text,
        calls: t?.calls ?? 0,
        users: t?.users.size ?? 0,
        teams: t ? [...t.teams].sort((a, b) => b[1] - a[1]).map(([team]) => team) : [],
      }
    }),
    newlyDenied: changeOf(newlyDenied),
    noLongerDenied: changeOf(noLongerDenied),
    denials: [...denials.values()]
      .sort((a, b) => b.calls - a.calls)
      .slice(0, 100)
      .map((d) => ({ tool: d.tool, command: d.command, commandName: d.commandName, calls: d.calls, users: d.users.size, rule: d.rule, verdict: d.verdict })),
  }
}
