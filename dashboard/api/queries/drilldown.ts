import type { ResolvedRange } from '../../../schemas/analytics'
import type { SessionResponse, TimelineItem, UserSessionsResponse } from '../../../schemas/users'
import { selectRows, type Warehouse } from '../../../warehouse/client'
import { scopeRawSql, type Scope, type UserView } from '../datasets'
import { roundUsd } from './dataset'
import { isoFromClickHouse, rangeParams } from './range'

/**
 * Drill-down reads the raw tables (one user or one session is a small slice). A session's cost follows
 * the rule of the cost dataset: its api_request events, or, when it sent none, its cost.usage points.
 */

const RAW_RANGE = `timestamp >= {from:DateTime('UTC')} AND timestamp < {to:DateTime('UTC')}`

/** `view` cost (finance): a session's cost and requests, not its prompts, decisions or denials (datasets.ts, UserView). */
const SESSION_ROLLUP = (where: string, view: UserView = 'full') => `
SELECT session_id, any(uk) AS user, any(tk) AS team, min(t0) AS started, max(t1) AS ended,
  ${view === 'full' ? 'sum(prompts)' : 'NULL'} AS prompts, sum(requests) AS requests, sum(ev_cost) AS ev_cost, sum(m_cost) AS m_cost,
  ${view === 'full' ? 'sum(decisions)' : 'NULL'} AS decisions, ${view === 'full' ? 'sum(denials)' : 'NULL'} AS denials
FROM (
  SELECT session_id, any(user_key) AS uk, any(team_id) AS tk, min(timestamp) AS t0, max(timestamp) AS t1,
    countIf(event_name = 'user_prompt') AS prompts, countIf(event_name = 'api_request') AS requests,
    sumIf(cost_usd, event_name = 'api_request') AS ev_cost, 0. AS m_cost,
    countIf(event_name = 'tool_decision') AS decisions,
    countIf(event_name = 'tool_decision' AND decision = 'reject' AND source = 'config') AS denials
  FROM events WHERE ${where} GROUP BY session_id
  UNION ALL
  SELECT session_id, any(user_key) AS uk, any(team_id) AS tk, min(timestamp) AS t0, max(timestamp) AS t1,
    0 AS prompts, 0 AS requests, 0. AS ev_cost, sumIf(delta, metric_name = 'claude_code.cost.usage') AS m_cost,
    0 AS decisions, 0 AS denials
  FROM metric_points WHERE ${where} GROUP BY session_id
)
GROUP BY session_id`

interface RawSession {
  session_id: string
  user: string
  team: string
  started: string
  ended: string
  prompts: string | null
  requests: string
  ev_cost: number
  m_cost: number
  decisions: string | null
  denials: string | null
}

const iso = isoFromClickHouse

function sessionSummary(r: RawSession) {
  const requests = Number(r.requests)
  return {
    sessionId: r.session_id,
    user: r.user,
    start: iso(r.started),
    end: iso(r.ended),
    prompts: r.prompts === null ? null : Number(r.prompts),
    apiRequests: requests,
    costUsd: roundUsd(requests > 0 ? Number(r.ev_cost) : Number(r.m_cost)),
    toolDecisions: r.decisions === null ? null : Number(r.decisions),
    policyDenials: r.denials === null ? null : Number(r.denials),
  }
}

export async function queryUserSessions(
  client: Warehouse,
  user: string,
  query: { range: ResolvedRange; limit: number },
  scope: Scope,
  view: UserView = 'full',
): Promise<UserSessionsResponse> {
  const params: Record<string, unknown> = { ...rangeParams(query.range), user, limit: query.limit + 1 }
  const rows = await selectRows<RawSession>(
    client,
    `${SESSION_ROLLUP(`user_key = {user:String} AND session_id != '' AND ${RAW_RANGE} AND ${scopeRawSql(scope, params)}`, view)}
     ORDER BY started DESC LIMIT {limit:UInt32}`,
    params,
  )
  return {
    user,
    range: { from: query.range.from.toISOString(), to: query.range.to.toISOString(), timeZone: query.range.timeZone },
    sessions: rows.slice(0, query.limit).map(sessionSummary),
    truncated: rows.length > query.limit,
  }
}

interface RawEvent {
  time: string
  event_name: string
  event_sequence: string
  prompt_id: string
  model: string
  cost_usd: number
  input_tokens: string
  output_tokens: string
  cache_read_tokens: string
  cache_creation_tokens: string
  duration_ms: number
  tool_name: string
  decision: string
  source: string
  command: string
  success: string
  prompt_length: string
  to_mode: string
  from_mode: string
  num_blocking: string
  hook_name: string
}

const MAX_EVENTS = 5000

function timelineItem(e: RawEvent): TimelineItem {
  const item: TimelineItem = { time: iso(e.time), event: e.event_name, sequence: Number(e.event_sequence) }
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
        ...(e.command ? { command: e.command } : {}),
        policyDenial: e.decision === 'reject' && e.source === 'config',
      }
    case 'tool_result':
      return { ...item, tool: e.tool_name, success: e.success === 'true', durationMs: Number(e.duration_ms), ...(e.command ? { command: e.command } : {}) }
    case 'permission_mode_changed':
      return { ...item, detail: `${e.from_mode} → ${e.to_mode}` }
    case 'hook_execution_complete':
      return { ...item, detail: `${e.hook_name}: ${e.num_blocking || 0} blocking` }
    case 'api_error':
    case 'assistant_response':
      return e.model ? { ...item, model: e.model } : item
    default:
      return item
  }
}

/** One session: its summary, and its events in order, grouped by prompt. Null when nothing is stored for it. */
export async function querySession(client: Warehouse, sessionId: string, scope: Scope): Promise<SessionResponse | null> {
  const params: Record<string, unknown> = { session: sessionId, limit: MAX_EVENTS + 1 }
  const inScope = scopeRawSql(scope, params)
  const [summary] = await selectRows<RawSession>(client, SESSION_ROLLUP(`session_id = {session:String} AND ${inScope}`), params)
  if (!summary) return null
  const events = await selectRows<RawEvent>(
    client,
    `SELECT toString(timestamp) AS time, event_name, event_sequence, prompt_id, model, cost_usd, input_tokens, output_tokens,
       cache_read_tokens, cache_creation_tokens, duration_ms, tool_name, decision, source,
       multiIf(JSONExtractString(attributes['tool_parameters'], 'full_command') != '', JSONExtractString(attributes['tool_parameters'], 'full_command'),
               -- Without CCSCOPE_STORE_CONTENT the command line is dropped at the collector: its name remains.
               JSONExtractString(attributes['tool_parameters'], 'bash_command') != '', JSONExtractString(attributes['tool_parameters'], 'bash_command'),
               JSONExtractString(attributes['tool_parameters'], 'mcp_server_name') != '',
               concat(JSONExtractString(attributes['tool_parameters'], 'mcp_server_name'), ' / ', JSONExtractString(attributes['tool_parameters'], 'mcp_tool_name')),
               '') AS command,
       attributes['success'] AS success,
       attributes['prompt_length'] AS prompt_length, attributes['to_mode'] AS to_mode, attributes['from_mode'] AS from_mode,
       attributes['num_blocking'] AS num_blocking, attributes['hook_name'] AS hook_name
     FROM events WHERE session_id = {session:String} AND ${inScope}
     ORDER BY timestamp, event_sequence LIMIT {limit:UInt32}`,
    params,
  )
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
    if (e.event_name === 'user_prompt') prompt.promptLength = e.prompt_length === '' ? null : Number(e.prompt_length)
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
  }
}
