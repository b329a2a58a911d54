import { z } from 'zod'
import type { ResolvedRange } from '../../../schemas/analytics'
import { answeredRange } from '../../../schemas/periods'
import type { SessionResponse, TimelineItem, UserSessionsResponse } from '../../../schemas/users'
import { ch, run } from '../../../warehouse/query'
import { scopeRawSql, type UserView } from '../datasets'
import { roundUsd } from '../../../schemas/money'
import type { QueryContext } from './dataset'
import { rangeParams } from './range'

/**
 * Drill-down: a user's sessions come from the `sessions` rollup (a row per user, UTC day and session,
 * merged here), a session's timeline from the raw events. A session's cost follows the rule of the cost
 * dataset: its api_request events, or, when it sent none, its cost.usage points. A user's sessions are the
 * ones active in the range, most recently active first, with the figures of their days in the range.
 */

/**
 * `view` cost (finance): a session's cost and requests, not its prompts, decisions or denials (datasets.ts, UserView).
 * `with_events`: the session's rows count some prompt, API request or tool decision, the events every Claude Code
 * session that exports events sends; a session without any sent only metrics (or nothing counted), so its event
 * figures are not reported (null), never 0 (docs/numbers.md, "Not reported is not zero").
 */
const SESSION_ROWS = (where: string, view: UserView = 'full') => `
SELECT session_id, any(user_key) AS user, anyLast(team_id) AS team, min(started) AS started, max(ended) AS ended,
  ${view === 'full' ? 'sum(prompts)' : 'NULL'} AS prompts, sum(requests) AS requests, sum(event_cost) AS ev_cost, sum(metric_cost) AS m_cost,
  ${view === 'full' ? 'sum(decisions)' : 'NULL'} AS decisions, ${view === 'full' ? 'sum(denials)' : 'NULL'} AS denials,
  sum(sessions.prompts + sessions.requests + sessions.decisions) > 0 AS with_events
FROM sessions WHERE ${where}
GROUP BY session_id`

const sessionRow = z.object({
  session_id: ch.string,
  user: ch.string,
  team: ch.string,
  started: ch.dateTime,
  ended: ch.dateTime,
  prompts: ch.count.nullable(),
  requests: ch.count,
  ev_cost: ch.number,
  m_cost: ch.number,
  decisions: ch.count.nullable(),
  denials: ch.count.nullable(),
  with_events: ch.boolean,
})
type SessionRow = z.output<typeof sessionRow>

const subagentRow = z.object({ points: ch.count, subagent: ch.number, total: ch.number })

function sessionSummary(r: SessionRow) {
  const events = <T>(value: T) => (r.with_events ? value : null)
  return {
    sessionId: r.session_id,
    user: r.user,
    start: r.started,
    end: r.ended,
    prompts: events(r.prompts),
    apiRequests: events(r.requests),
    costUsd: roundUsd(r.requests > 0 ? (r.ev_cost ?? 0) : (r.m_cost ?? 0)),
    toolDecisions: events(r.decisions),
    policyDenials: events(r.denials),
  }
}

const DAY_MS = 86_400_000
const utcDay = (ms: number) => new Date(Math.floor(ms / DAY_MS) * DAY_MS).toISOString().slice(0, 10)

/**
 * The user's sessions, latest activity first. The rows are by day, so the latest days are read first and
 * the window widens only until it holds enough sessions: a heavy user's month is never grouped whole. A
 * session's last activity inside the window is its last in the range (the window ends where the range
 * does), so the order is exact.
 */
export async function queryUserSessions(
  ctx: QueryContext,
  user: string,
  query: { range: ResolvedRange; limit: number },
  view: UserView = 'full',
): Promise<UserSessionsResponse> {
  const range = answeredRange(query.range, ctx.now)
  const firstDay = range.from.getTime()
  const lastDay = Math.max(firstDay, range.to.getTime() - 1)
  let windowDays = 2
  let rows: SessionRow[] = []
  for (;;) {
    const windowStart = Math.max(firstDay, lastDay - (windowDays - 1) * DAY_MS)
    const params: Record<string, unknown> = { ...rangeParams(range), user, limit: query.limit + 1, d0: utcDay(windowStart), d1: utcDay(lastDay) }
    rows = await run(ctx.client, {
      sql: `${SESSION_ROWS(`user_key = {user:String} AND day >= {d0:Date} AND day <= {d1:Date} AND ${scopeRawSql(ctx.scope, params)}`, view)}
       HAVING ended >= {from:DateTime('UTC')} AND started < {to:DateTime('UTC')}
       ORDER BY ended DESC LIMIT {limit:UInt32}`,
      params,
      row: sessionRow,
    })
    if (rows.length > query.limit || windowStart <= firstDay) break
    windowDays *= 4
  }
  // Whole figures (over the range's days) for the sessions listed: their first days may precede the window.
  const chosen = rows.slice(0, query.limit)
  let full = new Map<string, SessionRow>()
  if (chosen.length > 0) {
    const params: Record<string, unknown> = { user, sessions: chosen.map((r) => r.session_id), d0: utcDay(firstDay), d1: utcDay(lastDay) }
    const whole = await run(ctx.client, {
      sql: SESSION_ROWS(
        `user_key = {user:String} AND day >= {d0:Date} AND day <= {d1:Date} AND session_id IN {sessions:Array(String)} AND ${scopeRawSql(ctx.scope, params)}`,
        view,
      ),
      params,
      row: sessionRow,
    })
    full = new Map(whole.map((r) => [r.session_id, r]))
  }
  return {
    user,
    range: { from: range.from.toISOString(), to: range.to.toISOString(), timeZone: range.timeZone },
    sessions: chosen.map((r) => sessionSummary(full.get(r.session_id) ?? r)),
    truncated: rows.length > query.limit,
  }
}

const spanRow = z.object({
  trace_id: ch.string,
  span_id: ch.string,
  parent_span_id: ch.string,
  name: ch.string,
  start: ch.dateTime,
  duration_ns: ch.count,
  tool_name: ch.string,
  model: ch.string,
  status_code: ch.string,
})

const eventRow = z.object({
  time: ch.dateTime,
  event_name: ch.string,
  event_sequence: ch.count,
  prompt_id: ch.string,
  model: ch.string,
  cost_usd: ch.number,
  input_tokens: ch.count,
  output_tokens: ch.count,
  cache_read_tokens: ch.count,
  cache_creation_tokens: ch.count,
  duration_ms: ch.number,
  tool_name: ch.string,
  decision: ch.string,
  source: ch.string,
  /** The attributes the timeline shows, and only those (TIMELINE_ATTRIBUTES). */
  attrs: z.record(z.string(), z.string()),
})
type RawEvent = z.output<typeof eventRow>

/**
 * The attributes a timeline item shows. The read keeps only these (`mapFilter`): one lookup per key in the
 * engine costs a pass over the map each, three times the read of the session's rows at 100 M events.
 */
const TIMELINE_ATTRIBUTES = ['tool_parameters', 'success', 'prompt_length', 'to_mode', 'from_mode', 'num_blocking', 'hook_name']

/** A string field of a JSON object, '' when the text is not JSON or the field is absent or not a string. */
function jsonString(fields: unknown, key: string): string {
  if (typeof fields !== 'object' || fields === null) return ''
  const value: unknown = (fields as Record<string, unknown>)[key]
  return typeof value === 'string' ? value : ''
}

/**
 * What a tool call ran, from its `tool_parameters`: the full command line when content is stored, else the
 * command's name (the collector drops the line without CCSCOPE_STORE_CONTENT), or the MCP server and tool.
 */
export function commandOf(toolParameters: string | undefined): string {
  if (!toolParameters) return ''
  let fields: unknown
  try {
    fields = JSON.parse(toolParameters)
  } catch {
    return ''
  }
  const server = jsonString(fields, 'mcp_server_name')
  return jsonString(fields, 'full_command') || jsonString(fields, 'bash_command') || (server ? `${server} / ${jsonString(fields, 'mcp_tool_name')}` : '')
}

const MAX_EVENTS = 5000
const MAX_SPANS = 5000

function withCommand(toolParameters: string | undefined): { command?: string } {
  const command = commandOf(toolParameters)
  return command ? { command } : {}
}

function timelineItem(e: RawEvent): TimelineItem {
  const item: TimelineItem = { time: e.time, event: e.event_name, sequence: e.event_sequence }
  const a = e.attrs
  switch (e.event_name) {
    case 'api_request':
      return {
        ...item,
        model: e.model,
        costUsd: roundUsd(Number(e.cost_usd)),
        inputTokens: Number(e.input_tokens),
        outputTokens: Number(e.output_tokens),
        cacheReadTokens: Number(e.cache_read_tokens),
        cacheCreationTokens: Number(e.cache_creation_tokens),
        durationMs: Number(e.duration_ms),
      }
    case 'tool_decision':
      return {
        ...item,
        tool: e.tool_name,
        decision: e.decision,
        source: e.source,
        ...withCommand(a['tool_parameters']),
        policyDenial: e.decision === 'reject' && e.source === 'config',
      }
    case 'tool_result':
      return { ...item, tool: e.tool_name, success: a['success'] === 'true', durationMs: Number(e.duration_ms), ...withCommand(a['tool_parameters']) }
    case 'permission_mode_changed':
      return { ...item, detail: `${a['from_mode'] ?? ''} → ${a['to_mode'] ?? ''}` }
    case 'hook_execution_complete':
      return { ...item, detail: `${a['hook_name'] ?? ''}: ${a['num_blocking'] || 0} blocking` }
    case 'api_error':
    case 'assistant_response':
      return e.model ? { ...item, model: e.model } : item
    default:
      return item
  }
}

/** One session: its summary, and its events in order, grouped by prompt. Null when nothing is stored for it. */
export async function querySession(ctx: QueryContext, sessionId: string): Promise<SessionResponse | null> {
  const params: Record<string, unknown> = { session: sessionId, limit: MAX_EVENTS + 1, attributes: TIMELINE_ATTRIBUTES }
  const inScope = scopeRawSql(ctx.scope, params)
  const [summary] = await run(ctx.client, { sql: SESSION_ROWS(`session_id = {session:String} AND ${inScope}`), params, row: sessionRow })
  if (!summary) return null
  // The session's own span narrows the raw read to its days' partitions and its user.
  params.user = summary.user
  params.t0 = summary.started.replace('T', ' ').replace('Z', '')
  params.t1 = summary.ended.replace('T', ' ').replace('Z', '')
  const events = await run(ctx.client, {
    sql: `SELECT toString(timestamp) AS time, event_name, event_sequence, prompt_id, model, cost_usd, input_tokens, output_tokens,
       cache_read_tokens, cache_creation_tokens, duration_ms, tool_name, decision, source,
       mapFilter((k, v) -> has({attributes:Array(String)}, k), attributes) AS attrs
     FROM events WHERE session_id = {session:String} AND user_key = {user:String}
       AND timestamp >= {t0:DateTime64(3, 'UTC')} AND timestamp < addMilliseconds({t1:DateTime64(3, 'UTC')}, 1) AND ${inScope}
     ORDER BY timestamp, event_sequence LIMIT {limit:UInt32}`,
    params,
    row: eventRow,
  })
  // The session's beta traces: its spans from an hour before its first record to an hour after its last (a
  // request's span starts before the event that reports it).
  const spanRows = await run(ctx.client, {
    sql: `SELECT trace_id, span_id, parent_span_id, name, toString(start_timestamp) AS start, duration_ns, tool_name, model, status_code
     FROM spans WHERE session_id = {session:String} AND user_key = {user:String}
       AND start_timestamp >= subtractHours({t0:DateTime64(3, 'UTC')}, 1) AND start_timestamp < addHours({t1:DateTime64(3, 'UTC')}, 1) AND ${inScope}
     ORDER BY start_timestamp LIMIT {spanLimit:UInt32}`,
    params: { ...params, spanLimit: MAX_SPANS + 1 },
    row: spanRow,
  })
  // Sub-agent cost: the session's cost.usage points by query_source (the metrics' vocabulary: main, subagent, auxiliary).
  const [sub] = await run(ctx.client, {
    sql: `SELECT count() AS points, sumIf(delta, query_source = 'subagent') AS subagent, sum(delta) AS total
     FROM metric_points WHERE session_id = {session:String} AND user_key = {user:String} AND metric_name = 'claude_code.cost.usage'
       AND timestamp >= subtractHours({t0:DateTime64(3, 'UTC')}, 1) AND timestamp < addHours({t1:DateTime64(3, 'UTC')}, 1) AND ${inScope}`,
    params,
    row: subagentRow,
  })
  const spans = spanRows.slice(0, MAX_SPANS).map((s) => ({
    traceId: s.trace_id,
    spanId: s.span_id,
    parentSpanId: s.parent_span_id,
    name: s.name,
    start: s.start,
    durationMs: s.duration_ns / 1e6,
    tool: s.tool_name,
    model: s.model,
    error: s.status_code === 'error',
  }))
  const preamble: TimelineItem[] = []
  const prompts: SessionResponse['prompts'] = []
  const byPrompt = new Map<string, SessionResponse['prompts'][number]>()
  for (const e of events.slice(0, MAX_EVENTS)) {
    const item = timelineItem(e)
    if (!e.prompt_id) {
      const last = prompts.at(-1)
      if (last) last.items.push(item)
      else preamble.push(item)
      continue
    }
    let prompt = byPrompt.get(e.prompt_id)
    if (!prompt) {
      prompt = { promptId: e.prompt_id, time: item.time, promptLength: null, costUsd: 0, apiRequests: 0, items: [] }
      byPrompt.set(e.prompt_id, prompt)
      prompts.push(prompt)
    }
    if (e.event_name === 'user_prompt') {
      const length = e.attrs['prompt_length']
      prompt.promptLength = length === undefined || length === '' ? null : Number(length)
    }
    if (e.event_name === 'api_request') {
      prompt.apiRequests += 1
      prompt.costUsd = roundUsd(prompt.costUsd + (item.costUsd ?? 0))
    }
    prompt.items.push(item)
  }
  return {
    session: { ...sessionSummary(summary), team: summary.team },
    preamble,
    prompts,
    truncated: events.length > MAX_EVENTS,
    spans,
    spansTruncated: spanRows.length > MAX_SPANS,
    subagents: sub && sub.points > 0 ? { costUsd: roundUsd(sub.subagent ?? 0), metricCostUsd: roundUsd(sub.total ?? 0) } : null,
  }
}
