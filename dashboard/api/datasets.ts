import type { DatasetName, Dimension, Measure } from '../../schemas/analytics'

/**
 * The SQL behind each dataset of schemas/analytics.ts: where its rows come from (a rollup, with the
 * directory applied) and the expression of each dimension and measure. Everything here is code-owned
 * text; request values only ever reach SQL as typed placeholders ({from}, {to}, {tz}, {f_*}, …).
 */

/** The bucket range every source applies: whole 15-minute buckets in [from, to). */
export const BUCKET_RANGE = `bucket >= {from:DateTime('UTC')} AND bucket < {to:DateTime('UTC')}`

/**
 * The newest directory load. Where it names a team, department or cost center, that wins over the
 * telemetry; empty fields fall back to it (warehouse/RULES.md, "Directory").
 */
export const DIRECTORY_NOW = `(
  SELECT user_key AS d_user, display_name AS d_name, team_id AS d_team, department AS d_dept, cost_center AS d_cc, seat AS d_seat
  FROM directory WHERE load_id = (SELECT max(load_id) FROM directory)
)`

/**
 * The columns every source exposes once the directory (joined as `d`) is applied to the rows of table
 * alias `t` (code-owned): u, team, dept, cc, display_name.
 */
export function attributedColumns(t: 'r' | 'e'): string {
  return `${t}.user_key AS u, if(d.d_team != '', d.d_team, ${t}.team_id) AS team,
  if(d.d_dept != '', d.d_dept, ${t}.department) AS dept, if(d.d_cc != '', d.d_cc, ${t}.cost_center) AS cc, d.d_name AS display_name`
}

function attributed(inner: string, columns: string): string {
  return `(SELECT r.bucket AS bucket, ${attributedColumns('r')}, ${columns}
  FROM (${inner}) AS r LEFT ANY JOIN ${DIRECTORY_NOW} AS d ON r.user_key = d.d_user)`
}

/**
 * Cost and tokens, counted once (warehouse/RULES.md, "Cost and tokens"): api_request events, plus the
 * cost/token metric points of sessions (or, without session.id, user-days) that sent no api_request event.
 * Only the candidates the writer noted in usage_metric_orphans can be such sessions (migration 0009), so
 * the coverage is read for those alone, by its primary key, however many sessions are covered. A point's
 * candidate is noted on the point's UTC day, so the range's days are the only ones to read.
 */
const USAGE_COLUMNS = `bucket, team_id, user_key, department, cost_center, model, query_source, agent_name, skill_name,
  plugin_name, mcp_server_name, cost_usd, input_tokens, output_tokens, cache_read_tokens, cache_creation_tokens`
const ORPHAN_DAYS = `day >= toDate({from:DateTime('UTC')}) AND day <= toDate({to:DateTime('UTC')})`
const CANDIDATE_SESSIONS = `(SELECT session_id FROM usage_metric_orphans WHERE session_id != '' AND ${ORPHAN_DAYS})`
const UNCOVERED_SESSIONS = `(SELECT session_id FROM ${CANDIDATE_SESSIONS}
  WHERE session_id NOT IN (SELECT session_id FROM usage_event_coverage WHERE session_id IN ${CANDIDATE_SESSIONS}))`
// A user-day is covered by any api_request of the user that day: usage_events_15m has a row for it then
// (the same events feed usage_event_coverage), and is ordered by time, where the coverage is by session.
const CANDIDATE_USERS = `(SELECT user_key FROM usage_metric_orphans WHERE session_id = '' AND ${ORPHAN_DAYS})`
const UNCOVERED_USER_DAYS = `(SELECT user_key, day FROM usage_metric_orphans WHERE session_id = '' AND ${ORPHAN_DAYS}
  AND (user_key, day) NOT IN (SELECT user_key, toDate(bucket) FROM usage_events_15m
                              WHERE bucket >= toStartOfDay({from:DateTime('UTC')}) AND bucket < toStartOfDay({to:DateTime('UTC')}) + INTERVAL 1 DAY
                                AND user_key IN ${CANDIDATE_USERS}))`

const USAGE_INNER = `
  SELECT ${USAGE_COLUMNS}, requests FROM usage_events_15m WHERE ${BUCKET_RANGE}
  UNION ALL
  SELECT ${USAGE_COLUMNS}, toUInt64(0) AS requests FROM usage_metrics_15m
  WHERE ${BUCKET_RANGE}
    AND if(session_id != '', session_id IN ${UNCOVERED_SESSIONS}, (user_key, toDate(bucket)) IN ${UNCOVERED_USER_DAYS})`

const ACTIVITY_INNER = `SELECT * FROM activity_15m WHERE ${BUCKET_RANGE}`
const TOOLS_INNER = `SELECT * FROM tools_15m WHERE ${BUCKET_RANGE}`

export interface DatasetSql<D extends DatasetName> {
  source: string
  dimensions: Record<Dimension<D>, string>
  measures: Record<Measure<D>, string>
  /**
   * How a grouped series picks its top groups (queries/dataset.ts): 'grouping-sets' reads the source once
   * and aggregates every measure three ways; 'two-pass' reads it twice and aggregates once. Measured at
   * 10 M events: cost by model per day 222 → 169 ms in one pass, adoption (distinct users and sessions)
   * by team per week 168 → 300 ms, so adoption keeps two passes.
   */
  topGroups: 'grouping-sets' | 'two-pass'
}

/** The dimensions every source has, as the attributed columns (attributedColumns). */
export const COMMON_DIMENSION_SQL = { user: 'u', team: 'team', department: 'dept', costCenter: 'cc' } as const
const common = COMMON_DIMENSION_SQL

/**
 * What a request may read: a manager's teams (null = every team). Applied as one more, mandatory
 * condition on the attributed team, the same expression the team filter uses, in every query a
 * request runs: datasets, summary, exports, users, drill-down.
 */
export type Scope = { teams: readonly string[] } | null

/**
 * What of a person's activity a role reads per user (/users, a user's sessions): `full`, or `cost`
 * (finance): cost, API requests, seat, active days and first/last seen, what licence and cost
 * decisions need, but not the work itself (sessions, prompts, lines, commits, PRs, active time, tool
 * decisions, denials). Enforced in the SQL: the columns a `cost` view hides are never computed.
 */
export type UserView = 'full' | 'cost'

/** The scope's condition on an attributed team column (COMMON_DIMENSION_SQL.team, or the directory's d_team). */
export function scopeSql(scope: Scope, params: Record<string, unknown>, teamColumn: string = COMMON_DIMENSION_SQL.team): string {
  if (!scope) return '1'
  params.scopeTeams = [...scope.teams]
  return `${teamColumn} IN {scopeTeams:Array(String)}`
}

/**
 * The scope's condition on raw rows (drill-down reads events and metric_points): the attributed team
 * is the directory's when it names one for the user, else the row's own (attributedColumns).
 */
export function scopeRawSql(scope: Scope, params: Record<string, unknown>): string {
  if (!scope) return '1'
  params.scopeTeams = [...scope.teams]
  return `(user_key IN (SELECT d_user FROM ${DIRECTORY_NOW} WHERE d_team IN {scopeTeams:Array(String)})
    OR (team_id IN {scopeTeams:Array(String)} AND user_key NOT IN (SELECT d_user FROM ${DIRECTORY_NOW} WHERE d_team != '')))`
}

/** Measure expressions may name other measures as m_<name>: their aliases in the same SELECT. */
export const DATASET_SQL: { [D in DatasetName]: DatasetSql<D> } = {
  cost: {
    source: attributed(
      USAGE_INNER,
      `r.model AS model, r.query_source AS query_source, r.agent_name AS agent_name, r.skill_name AS skill_name,
       r.plugin_name AS plugin_name, r.mcp_server_name AS mcp_server_name, r.requests AS n_requests, r.cost_usd AS usd,
       r.input_tokens AS t_input, r.output_tokens AS t_output, r.cache_read_tokens AS t_cache_read,
       r.cache_creation_tokens AS t_cache_creation`,
    ),
    dimensions: {
      ...common,
      model: 'model',
      querySource: 'query_source',
      agent: 'agent_name',
      skill: 'skill_name',
      plugin: 'plugin_name',
      mcpServer: 'mcp_server_name',
    },
    topGroups: 'grouping-sets',
    measures: {
      costUsd: 'sum(usd)',
      requests: 'sum(n_requests)',
      inputTokens: 'sum(t_input)',
      outputTokens: 'sum(t_output)',
      cacheReadTokens: 'sum(t_cache_read)',
      cacheCreationTokens: 'sum(t_cache_creation)',
      cacheSavingsUsd: 'sum(t_cache_read * transform(model, {priceModels:Array(String)}, {priceSavings:Array(Float64)}, 0.))',
    },
  },
  adoption: {
    source: attributed(
      ACTIVITY_INNER,
      `r.session_id AS session_id, r.service_version AS service_version, r.prompts AS n_prompts,
       r.active_user_s AS s_user, r.active_cli_s AS s_cli, r.lines_added AS n_added, r.lines_removed AS n_removed,
       r.commits AS n_commits, r.pull_requests AS n_prs, r.edit_accepts AS n_edit_accept, r.edit_rejects AS n_edit_reject`,
    ),
    dimensions: { ...common, version: 'service_version' },
    topGroups: 'two-pass',
    measures: {
      activeUsers: `uniqExactIf(u, u != '')`,
      activeUserDays: `uniqExactIf((u, toDate(bucket, {tz:String})), u != '')`,
      sessions: `uniqExactIf(session_id, session_id != '')`,
      prompts: 'sum(n_prompts)',
      promptsPerUser: 'if(m_activeUsers = 0, NULL, m_prompts / m_activeUsers)',
      activeTimeUserSeconds: 'sum(s_user)',
      activeTimeCliSeconds: 'sum(s_cli)',
      linesAdded: 'sum(n_added)',
      linesRemoved: 'sum(n_removed)',
      commits: 'sum(n_commits)',
      pullRequests: 'sum(n_prs)',
      editAccepts: 'sum(n_edit_accept)',
      editRejects: 'sum(n_edit_reject)',
      editAcceptRate: 'if(m_editAccepts + m_editRejects = 0, NULL, m_editAccepts / (m_editAccepts + m_editRejects))',
    },
  },
  tools: {
    source: attributed(
      TOOLS_INNER,
      `r.tool_name AS tool_name, r.tool_source AS tool_source, r.decision AS decision, r.source AS source,
       r.command AS command, r.mcp_server AS mcp_server, r.mcp_tool AS mcp_tool,
       r.decisions AS n_decisions, r.results AS n_results, r.failures AS n_failures`,
    ),
    dimensions: {
      ...common,
      tool: 'tool_name',
      toolSource: 'tool_source',
      decision: 'decision',
      source: 'source',
      command: 'command',
      mcpServer: 'mcp_server',
      mcpTool: 'mcp_tool',
    },
    topGroups: 'grouping-sets',
    measures: {
      decisions: 'sum(n_decisions)',
      accepts: `sumIf(n_decisions, decision = 'accept')`,
      rejects: `sumIf(n_decisions, decision = 'reject')`,
      policyDenials: `sumIf(n_decisions, decision = 'reject' AND source = 'config')`,
      hookRejects: `sumIf(n_decisions, decision = 'reject' AND source = 'hook')`,
      userRejects: `sumIf(n_decisions, decision = 'reject' AND source = 'user_reject')`,
      userAborts: `sumIf(n_decisions, decision = 'reject' AND source = 'user_abort')`,
      policyDenialRate: 'if(m_decisions = 0, NULL, m_policyDenials / m_decisions)',
      results: 'sum(n_results)',
      failures: 'sum(n_failures)',
    },
  },
}
