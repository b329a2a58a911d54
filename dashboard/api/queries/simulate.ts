import { z } from 'zod'
import { answeredRange } from '../../../schemas/periods'
import { type RECORDED, VERDICTS, type SimulateBody, type SimulateQuery, type SimulateResponse } from '../../../schemas/simulate'
import { ch, run } from '../../../warehouse/query'
import { type Call, type Decision, decide, parseRule, RULE_LISTS, type Rule, type Verdict } from '../simulate/rules'
import type { QueryContext } from './dataset'
import { rangeParams } from './range'
import { filterSql } from './filters'
import { attributedColumns, DIRECTORY_NOW } from '../sources'

/**
 * The policy simulator: the tool calls recorded in a range (tool_decision events, grouped by tool, command,
 * MCP names, decision, source, user and team), each decided by the submitted rules (simulate/rules.ts), and
 * compared with what happened. Reads the raw events (the rollups keep only a command's first word, and rules
 * match whole commands), so it is an on-demand analysis: a few seconds over a month of a large fleet.
 * Teams follow the directory, as on every page.
 */

/** Distinct calls (tool, command, MCP names) by outcome read at most; the most frequent first. */
const MAX_CALLS = 50_000

/** The tool_decision events of the range and filters, with what rules match on extracted. */
const DECISIONS = `(
  SELECT tool, decision, source, u, team,
    toString(cityHash64(tool, command, command_name, mcp_server, mcp_tool)) AS call_key,
    command, command_name, mcp_server, mcp_tool
  FROM (
    SELECT e.tool_name AS tool, e.decision AS decision, e.source AS source, ${attributedColumns('e')},
      JSONExtractString(e.attributes['tool_parameters'], 'full_command') AS command,
      JSONExtractString(e.attributes['tool_parameters'], 'bash_command') AS command_name,
      JSONExtractString(e.attributes['tool_parameters'], 'mcp_server_name') AS mcp_server,
      JSONExtractString(e.attributes['tool_parameters'], 'mcp_tool_name') AS mcp_tool
    -- Teams, departments and cost centers as the directory says (as on every page), else as the telemetry does.
    FROM events AS e LEFT ANY JOIN ${DIRECTORY_NOW} AS d ON e.user_key = d.d_user
    WHERE e.event_name = 'tool_decision' AND e.timestamp >= {from:DateTime('UTC')} AND e.timestamp < {to:DateTime('UTC')}
  )
  WHERE %WHERE%
)`

const callRow = z.object({
  call_key: ch.string,
  tool: ch.string,
  command: ch.string,
  command_name: ch.string,
  mcp_server: ch.string,
  mcp_tool: ch.string,
  decision: ch.string,
  source: ch.string,
  n: ch.count,
  users: ch.count,
})
const peopleRow = z.object({ code: ch.count, decision: ch.string, source: ch.string, u: ch.string, team: ch.string, n: ch.count })

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

/** A decision as one number for the second pass: which rule (1-based; 0 none) and which verdict. */
const VERDICT_CODE: Record<Verdict, number> = { deny: 0, ask: 1, allow: 2, default: 3, unknown: 4 }
const codeOf = (ruleIndex: number, verdict: Verdict) => (ruleIndex + 1) * 8 + VERDICT_CODE[verdict]

/**
 * Two passes over the range's tool_decision events. The first groups them by distinct call (tool, command,
 * MCP names) and outcome, and each distinct call is decided once: every count is exact (unless more than
 * MAX_CALLS distinct calls, which only stored full commands can give; then `truncated`). The second maps each
 * event to its decision (ClickHouse's transform over the decided calls) and groups by decision and person,
 * for who each rule and each change touches.
 */
export async function simulatePolicy(ctx: QueryContext, query: SimulateQuery, body: SimulateBody): Promise<SimulateResponse> {
  const range = answeredRange(query.range, ctx.now)
  const { rules, invalid } = parseRules(body)
  const params: Record<string, unknown> = { ...rangeParams(range), calls: MAX_CALLS + 1 }
  const decisions = DECISIONS.replace('%WHERE%', filterSql(query.filters, params, ctx.scope))
  const distinct = await run(ctx.client, {
    sql: `SELECT call_key, any(tool) AS tool, any(command) AS command, any(command_name) AS command_name, any(mcp_server) AS mcp_server,
       any(mcp_tool) AS mcp_tool, decision, source, count() AS n, uniqExact(u) AS users
     FROM ${decisions}
     GROUP BY call_key, decision, source
     ORDER BY n DESC
     LIMIT {calls:UInt32}`,
    params,
    row: callRow,
  })
  const truncated = distinct.length > MAX_CALLS
  if (truncated) distinct.length = MAX_CALLS

  const ruleIndex = new Map(rules.map((r, i) => [`${r.list}\u0000${r.text}`, i]))
  const decided = new Map<string, Decision>()
  const verdicts = Object.fromEntries(VERDICTS.map((v) => [v, 0])) as Record<Verdict, number>
  const comparison = new Map<string, number>()
  const denials: SimulateResponse['denials'] = []
  let calls = 0
  let withDetails = 0
  for (const g of distinct) {
    calls += g.n
    // Only Bash and MCP calls have details rules match on (paths and URLs are never in these events).
    const needsDetails = g.tool === 'Bash' || g.tool.startsWith('mcp')
    if (!needsDetails || g.command !== '' || g.command_name !== '' || (g.mcp_server !== '' && g.mcp_tool !== '')) withDetails += g.n
    let decision = decided.get(g.call_key)
    if (!decision) {
      const call: Call = {
        tool: g.tool,
        ...(g.command !== '' ? { command: g.command } : {}),
        ...(g.command_name !== '' ? { commandName: g.command_name } : {}),
        ...(g.mcp_server !== '' ? { mcpServer: g.mcp_server } : {}),
        ...(g.mcp_tool !== '' ? { mcpTool: g.mcp_tool } : {}),
      }
      decision = decide(rules, call)
      decided.set(g.call_key, decision)
    }
    verdicts[decision.verdict] += g.n
    const recorded = recordedOf(g.decision, g.source)
    const pair = `${recorded}\u0000${decision.verdict}`
    comparison.set(pair, (comparison.get(pair) ?? 0) + g.n)
    if (recorded === 'policy_denied')
      denials.push({
        tool: g.tool,
        command: g.command === '' ? null : g.command,
        commandName: g.command_name !== '' ? g.command_name : g.mcp_server !== '' ? `mcp__${g.mcp_server}__${g.mcp_tool}` : null,
        calls: g.n,
        users: g.users,
        rule: decision.verdict === 'deny' || decision.verdict === 'unknown' ? (decision.rule ?? null) : null,
        verdict: decision.verdict,
      })
  }

  // Second pass: people, per decision. Only the rows that a rule decides or a policy denied are needed.
  const codeKeys: string[] = []
  const codes: number[] = []
  for (const [key, decision] of decided) {
    const index = decision.rule && decision.verdict !== 'unknown' ? (ruleIndex.get(`${decision.verdict}\u0000${decision.rule}`) ?? -1) : -1
    codeKeys.push(key)
    codes.push(codeOf(index, decision.verdict))
  }
  const people = await run(ctx.client, {
    sql: `SELECT transform(call_key, {keys:Array(String)}, {codes:Array(UInt32)}, toUInt32(0)) AS code, decision, source, u, team, count() AS n
     FROM ${decisions}
     WHERE code >= 8 OR (decision = 'reject' AND source = 'config')
     GROUP BY code, decision, source, u, team`,
    params: { ...params, keys: codeKeys, codes },
    row: peopleRow,
  })
  const byRule = rules.map(() => tally())
  const newlyDenied = tally()
  const noLongerDenied = tally()
  const verdictOfCode = (code: number) => (Object.keys(VERDICT_CODE) as Verdict[]).find((v) => VERDICT_CODE[v] === code % 8)
  for (const p of people) {
    // code 0: a call beyond MAX_CALLS (not decided).
    if (p.code === 0) continue
    const index = Math.floor(p.code / 8) - 1
    const verdict = verdictOfCode(p.code)
    const recorded = recordedOf(p.decision, p.source)
    if (index >= 0) {
      const t = byRule[index]
      if (t) add(t, p.u, p.team, p.n)
    }
    if (recorded === 'accepted' && verdict === 'deny') add(newlyDenied, p.u, p.team, p.n)
    if (recorded === 'policy_denied' && verdict !== 'deny' && verdict !== 'unknown') add(noLongerDenied, p.u, p.team, p.n)
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
    rules: rules.map((rule, i) => {
      const t = byRule[i] ?? tally()
      return {
        list: rule.list,
        rule: rule.text,
        calls: t.calls,
        users: t.users.size,
        teams: [...t.teams].sort((a, b) => b[1] - a[1]).map(([team]) => team),
      }
    }),
    newlyDenied: changeOf(newlyDenied),
    noLongerDenied: changeOf(noLongerDenied),
    denials: denials.sort((a, b) => b.calls - a.calls).slice(0, 100),
  }
}
