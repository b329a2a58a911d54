import type { DatasetName, Dimension, Measure } from '../../schemas/analytics'
import { DIRECTORY_NOW, type FamilyName } from './sources'

/**
 * The SQL behind each dataset of schemas/analytics.ts: which rollup family answers it (sources.ts), and
 * the expression of each dimension and measure over that family's attributed rows. A dataset may have
 * several variants; a query takes the first whose dimensions hold every dimension it groups or filters
 * by (cost by team reads the per-model rollup, cost by agent the one with every attribution key).
 * Everything here is code-owned text; request values only reach SQL as typed placeholders.
 */

export interface DatasetVariant<D extends DatasetName> {
  family: FamilyName
  dimensions: Partial<Record<Dimension<D>, string>>
  measures: Record<Measure<D>, string>
}

export interface DatasetSql<D extends DatasetName> {
  variants: DatasetVariant<D>[]
  /** Measures that count local days: the tier plan must not let a bucket straddle a local midnight. */
  localDayMeasures: readonly string[]
  /**
   * How a grouped series picks its top groups (queries/dataset-sql.ts): 'grouping-sets' reads the source once
   * and aggregates every measure three ways; 'two-pass' reads it twice and aggregates once.
   */
  topGroups: 'grouping-sets' | 'two-pass'
}

/** The dimensions every source has, as the attributed columns (sources.ts, attributedColumns). */
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
 * The scope's condition on raw rows (drill-down reads events and sessions): the attributed team
 * is the directory's when it names one for the user, else the row's own (attributedColumns).
 */
export function scopeRawSql(scope: Scope, params: Record<string, unknown>): string {
  if (!scope) return '1'
  params.scopeTeams = [...scope.teams]
  return `(user_key IN (SELECT d_user FROM ${DIRECTORY_NOW} WHERE d_team IN {scopeTeams:Array(String)})
    OR (team_id IN {scopeTeams:Array(String)} AND user_key NOT IN (SELECT d_user FROM ${DIRECTORY_NOW} WHERE d_team != '')))`
}

/** A user counts as active in a row of user_activity with any event or metric point (the tools backfill of 0010 adds rows with neither). */
const ACTIVE = `u != '' AND n_events + n_points > 0`

/**
 * Who reports what (schemas/analytics.ts, coverage): users with any telemetry, with events, with metrics.
 * Over user_activity's attributed rows.
 */
export const COVERAGE_MEASURES = {
  c_users: `uniqExactIf(u, ${ACTIVE})`,
  c_events: `uniqExactIf(u, u != '' AND n_events > 0)`,
  c_metrics: `uniqExactIf(u, u != '' AND n_points > 0)`,
} as const

const ACTIVE_USER_DAYS = `uniqExactIf((u, toDate(bucket, {tz:String})), ${ACTIVE})`
/**
 * Active time in seconds: Claude Code sends it to the millisecond (claude_code.active_time.total), and a float sum
 * of such values carries noise in its last digits (0.1 + 0.2 = 0.30000000000000004) that differs with the order the
 * engine adds in. Rounded to the millisecond, two reads of the same rows agree, and the CSV shows 0.3.
 */
export const activeSeconds = (column: 's_user' | 's_cli') => `round(sum(${column}), 3)`

/** Tool measures over rows with a decision and source per row (toolDecisions and tools families). */
const TOOL_MEASURES = {
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
}

/**
 * Cost: the sum rounded to the nano-dollar, below the micro-dollar the API answers in (schemas/money.ts). A float sum
 * carries noise in its last bits that depends on the order the engine adds in: two users of equal cost ($749.073976
 * each) came back in a different order from one query plan to the next. Rounded, they are equal, and the group
 * name breaks the tie. Same in the users list (queries/users.ts).
 */
export const COST_SUM = 'round(sum(usd), 9)'

const COST_MEASURES = {
  costUsd: COST_SUM,
  requests: 'sum(n_requests)',
  inputTokens: 'sum(t_input)',
  outputTokens: 'sum(t_output)',
  cacheReadTokens: 'sum(t_cache_read)',
  cacheCreationTokens: 'sum(t_cache_creation)',
  cacheSavingsUsd: 'sum(t_cache_read * transform(model, {priceModels:Array(String)}, {priceSavings:Array(Float64)}, 0.))',
}

/** Measure expressions may name other measures as m_<name>: their aliases in the same SELECT. */
export const DATASET_SQL: { [D in DatasetName]: DatasetSql<D> } = {
  cost: {
    variants: [
      { family: 'usageByModel', dimensions: { ...common, model: 'model', querySource: 'query_source' }, measures: COST_MEASURES },
      {
        family: 'usageEvents',
        dimensions: {
          ...common,
          model: 'model',
          querySource: 'query_source',
          agent: 'agent_name',
          skill: 'skill_name',
          plugin: 'plugin_name',
          mcpServer: 'mcp_server_name',
        },
        measures: COST_MEASURES,
      },
    ],
    localDayMeasures: [],
    topGroups: 'grouping-sets',
  },
  adoption: {
    variants: [
      {
        family: 'userActivity',
        dimensions: { ...common, version: 'service_version' },
        measures: {
          activeUsers: COVERAGE_MEASURES.c_users,
          activeUserDays: ACTIVE_USER_DAYS,
          sessions: 'sum(n_new_sessions)',
          prompts: 'sum(n_prompts)',
          // Prompts come from events: per person who sends events, not per person active (a metrics-only user is not one who writes none).
          promptsPerUser: `if(${COVERAGE_MEASURES.c_events} = 0, NULL, m_prompts / ${COVERAGE_MEASURES.c_events})`,
          activeTimeUserSeconds: activeSeconds('s_user'),
          activeTimeCliSeconds: activeSeconds('s_cli'),
          linesAdded: 'sum(n_added)',
          linesRemoved: 'sum(n_removed)',
          commits: 'sum(n_commits)',
          pullRequests: 'sum(n_prs)',
          editAccepts: 'sum(n_edit_accept)',
          editRejects: 'sum(n_edit_reject)',
          editAcceptRate: 'if(m_editAccepts + m_editRejects = 0, NULL, m_editAccepts / (m_editAccepts + m_editRejects))',
        },
      },
    ],
    localDayMeasures: ['activeUserDays'],
    topGroups: 'two-pass',
  },
  tools: {
    variants: [
      // By person or team: user_activity's tool counters (a row per user and bucket, not per tool).
      {
        family: 'userActivity',
        dimensions: { ...common },
        measures: {
          decisions: 'sum(n_decisions)',
          accepts: 'sum(n_accepts)',
          rejects: 'sum(n_rejects)',
          policyDenials: 'sum(n_denials)',
          hookRejects: 'sum(n_hook_rejects)',
          userRejects: 'sum(n_user_rejects)',
          userAborts: 'sum(n_user_aborts)',
          policyDenialRate: 'if(m_decisions = 0, NULL, m_policyDenials / m_decisions)',
          results: 'sum(n_results)',
          failures: 'sum(n_failures)',
        },
      },
      // By tool, decision and source: one row per user, bucket and those (no command or MCP keys).
      { family: 'toolDecisions', dimensions: { ...common, tool: 'tool_name', decision: 'decision', source: 'source' }, measures: TOOL_MEASURES },
      {
        family: 'tools',
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
        measures: TOOL_MEASURES,
      },
    ],
    localDayMeasures: [],
    topGroups: 'grouping-sets',
  },
}

/** The variant that answers a query grouping or filtering by these dimensions: the first that has them all. */
export function variantFor<D extends DatasetName>(dataset: D, dimensions: readonly string[]): DatasetVariant<D> {
  const variants = DATASET_SQL[dataset].variants as DatasetVariant<D>[]
  const found = variants.find((v) => dimensions.every((d) => d in v.dimensions))
  if (!found) throw new Error(`no rollup of ${dataset} has the dimensions ${dimensions.join(', ')}`)
  return found
}
