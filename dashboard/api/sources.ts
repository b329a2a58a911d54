import type { ResolvedRange } from '../../schemas/analytics'
import { DIRECTORY_NOW } from '../../warehouse/directory-now'
import { dateTimeParam } from './queries/range'
import { TIER_MS, TIERS, type Tier, type TierPlan } from './tiers'

/**
 * Where the rows of a query come from: a family of rollups (migration 0010, warehouse/RULES.md "Rollups"),
 * read tier by tier over a plan (tiers.ts), with the people directory applied. Everything here is
 * code-owned text; request values reach SQL only as typed placeholders.
 */

export type FamilyName = 'userActivity' | 'usageByModel' | 'usageEvents' | 'toolDecisions' | 'tools' | 'policyActivity'

interface Family {
  tables: Record<Tier, string>
  /** Read from each tier's table, as `r.<column> AS <alias>` once the directory is joined: the aliases measures use. */
  columns: Record<string, string>
}

const COST_COLUMNS = {
  model: 'model',
  query_source: 'query_source',
  n_requests: 'requests',
  usd: 'cost_usd',
  t_input: 'input_tokens',
  t_output: 'output_tokens',
  t_cache_read: 'cache_read_tokens',
  t_cache_creation: 'cache_creation_tokens',
  from_events: 'from_events',
}

export const FAMILIES: Record<FamilyName, Family> = {
  userActivity: {
    tables: { '15m': 'user_activity_15m', '1h': 'user_activity_1h', '1d': 'user_activity_1d' },
    columns: {
      service_version: 'service_version',
      first_seen: 'first_seen',
      last_seen: 'last_seen',
      n_events: 'events',
      n_prompts: 'prompts',
      n_points: 'metric_points',
      n_new_sessions: 'new_sessions',
      n_started: 'sessions_started',
      s_user: 'active_user_s',
      s_cli: 'active_cli_s',
      n_added: 'lines_added',
      n_removed: 'lines_removed',
      n_commits: 'commits',
      n_prs: 'pull_requests',
      n_edit_accept: 'edit_accepts',
      n_edit_reject: 'edit_rejects',
      n_decisions: 'decisions',
      n_accepts: 'accepts',
      n_rejects: 'rejects',
      n_denials: 'policy_denials',
      n_hook_rejects: 'hook_rejects',
      n_user_rejects: 'user_rejects',
      n_user_aborts: 'user_aborts',
      n_results: 'tool_results',
      n_failures: 'tool_failures',
    },
  },
  // Its 15-minute tier is the wide usage_events_15m: only the edges of some ranges read it.
  usageByModel: {
    tables: { '15m': 'usage_events_15m', '1h': 'usage_by_model_1h', '1d': 'usage_by_model_1d' },
    columns: COST_COLUMNS,
  },
  usageEvents: {
    tables: { '15m': 'usage_events_15m', '1h': 'usage_events_1h', '1d': 'usage_events_1d' },
    columns: {
      ...COST_COLUMNS,
      agent_name: 'agent_name',
      skill_name: 'skill_name',
      plugin_name: 'plugin_name',
      mcp_server_name: 'mcp_server_name',
    },
  },
  // Its 15-minute tier is the wide tools_15m: only the edges of some ranges read it.
  toolDecisions: {
    tables: { '15m': 'tools_15m', '1h': 'tool_decisions_1h', '1d': 'tool_decisions_1d' },
    columns: {
      tool_name: 'tool_name',
      decision: 'decision',
      source: 'source',
      n_decisions: 'decisions',
      n_results: 'results',
      n_failures: 'failures',
    },
  },
  policyActivity: {
    tables: { '15m': 'policy_activity_15m', '1h': 'policy_activity_1h', '1d': 'policy_activity_1d' },
    columns: {
      event_name: 'event_name',
      hook_name: 'hook_name',
      hook_event: 'hook_event',
      hook_source: 'hook_source',
      to_mode: 'to_mode',
      last_seen: 'last_seen',
      n_events: 'events',
      n_blocks: 'blocks',
      sources: 'sources',
    },
  },
  tools: {
    tables: { '15m': 'tools_15m', '1h': 'tools_1h', '1d': 'tools_1d' },
    columns: {
      tool_name: 'tool_name',
      tool_source: 'tool_source',
      decision: 'decision',
      source: 'source',
      command: 'command',
      mcp_server: 'mcp_server',
      mcp_tool: 'mcp_tool',
      n_decisions: 'decisions',
      n_results: 'results',
      n_failures: 'failures',
    },
  },
}

/** The columns every family has: time, user and the telemetry's own team, department and cost center. */
const BASE_COLUMNS = ['bucket', 'user_key', 'team_id', 'department', 'cost_center']

/**
 * The newest directory load, joined as `d` (warehouse/directory-now.ts). Where it names a team, department or cost
 * center, that wins over the telemetry; empty fields fall back to it (warehouse/RULES.md, "Directory").
 */
export { DIRECTORY_NOW }

/** How many people the directory's current load names: 0 when no directory is loaded (a scalar subquery). */
export const DIRECTORY_ENTRIES = `(SELECT count() FROM ${DIRECTORY_NOW} WHERE d_user != '')`

/**
 * The columns every source exposes once the directory (joined as `d`) is applied to the rows of table
 * alias `t` (code-owned): u, team, dept, cc, display_name.
 */
export function attributedColumns(t: 'r' | 'e'): string {
  return `${t}.user_key AS u, if(d.d_team != '', d.d_team, ${t}.team_id) AS team,
  if(d.d_dept != '', d.d_dept, ${t}.department) AS dept, if(d.d_cc != '', d.d_cc, ${t}.cost_center) AS cc, d.d_name AS display_name`
}

/**
 * The people columns of raw rows aliased `e` and the join that gives them: attributed (attributedColumns), or, for a
 * read that neither groups by nor filters on a team, department or cost center (queries/filters.ts directoryNeeded),
 * the telemetry's own, without the join.
 */
export function peopleOf(attribute: boolean): { columns: string; join: string } {
  if (!attribute) return { columns: `e.user_key AS u, e.team_id AS team, e.department AS dept, e.cost_center AS cc, '' AS display_name`, join: '' }
  return { columns: attributedColumns('e'), join: `LEFT ANY JOIN ${DIRECTORY_NOW} AS d ON e.user_key = d.d_user` }
}

/** More runs than this in one tier and they are read from the next finer tier instead (one run, simpler SQL). */
const MAX_RUNS = 120

/** A plan with every tier's runs within MAX_RUNS: runs of a tier past it move down one tier (exact still). */
export function boundedPlan(plan: TierPlan): TierPlan {
  const out: TierPlan = { '1d': [...plan['1d']], '1h': [...plan['1h']], '15m': [...plan['15m']] }
  const merge = (runs: TierPlan[Tier]) => {
    const sorted = [...runs].sort((a, b) => a.from.getTime() - b.from.getTime())
    const merged: TierPlan[Tier] = []
    for (const run of sorted) {
      const last = merged[merged.length - 1]
      if (last && last.to.getTime() === run.from.getTime()) last.to = run.to
      else merged.push({ ...run })
    }
    return merged
  }
  if (out['1d'].length > MAX_RUNS) {
    out['1h'] = merge([...out['1h'], ...out['1d']])
    out['1d'] = []
  }
  if (out['1h'].length > MAX_RUNS) {
    out['15m'] = merge([...out['15m'], ...out['1h']])
    out['1h'] = []
  }
  return out
}

/** Past this many runs, a tier's condition lists bucket starts instead of ORing ranges. */
const OR_RUNS = 3
/** The most bucket starts a condition lists; beyond it the ranges are ORed. */
const MAX_LISTED = 5_000

/**
 * The runs of one tier as a condition on `bucket`, each bound a typed placeholder. A few runs are ORed
 * ranges. Many runs (a day in a zone whose midnight is not a UTC hour: every day's straddling hour comes
 * from the finer tier) are one range for the primary key plus the bucket starts inside the runs (`IN`) or
 * in the gaps between them (`NOT IN`), whichever list is shorter: a set lookup per row instead of dozens
 * of comparisons, and exact, since every bucket of the tier starts on its boundary (measured on a month
 * in Asia/Kolkata at 10 M events: 158 → about 90 ms).
 */
function runsCondition(tier: Tier, runs: TierPlan[Tier], key: string, params: Record<string, unknown>): string {
  const step = TIER_MS[tier]
  const aligned = runs.every((r) => r.from.getTime() % step === 0 && r.to.getTime() % step === 0)
  const first = runs[0]
  const last = runs[runs.length - 1]
  if (runs.length > OR_RUNS && aligned && first && last) {
    const inside = runs.reduce((n, r) => n + (r.to.getTime() - r.from.getTime()) / step, 0)
    const gaps = (last.to.getTime() - first.from.getTime()) / step - inside
    if (Math.min(inside, gaps) <= MAX_LISTED) {
      const starts: string[] = []
      const listInside = inside <= gaps
      const spans = listInside ? runs : runs.slice(1).map((r, i) => ({ from: runs[i]!.to, to: r.from }))
      for (const span of spans) for (let t = span.from.getTime(); t < span.to.getTime(); t += step) starts.push(dateTimeParam(new Date(t)))
      params[`${key}_f`] = dateTimeParam(first.from)
      params[`${key}_t`] = dateTimeParam(last.to)
      params[`${key}_set`] = starts
      return `(bucket >= {${key}_f:DateTime('UTC')} AND bucket < {${key}_t:DateTime('UTC')} AND bucket ${listInside ? 'IN' : 'NOT IN'} {${key}_set:Array(DateTime('UTC'))})`
    }
  }
  return runs
    .map((run, i) => {
      params[`${key}_${i}_f`] = dateTimeParam(run.from)
      params[`${key}_${i}_t`] = dateTimeParam(run.to)
      return `(bucket >= {${key}_${i}_f:DateTime('UTC')} AND bucket < {${key}_${i}_t:DateTime('UTC')})`
    })
    .join(' OR ')
}

const TIER_KEY: Record<Tier, string> = { '15m': 'q', '1h': 'h', '1d': 'd' }

/** The tiers of cost and tokens from metric points that may count (migrations 0010 and 0023). */
const CANDIDATE_TABLES: Record<Tier, string> = {
  '15m': 'usage_metric_candidates_15m',
  '1h': 'usage_metric_candidates_1h',
  '1d': 'usage_metric_candidates_1d',
}
const TOKENS = new Set(['input_tokens', 'output_tokens', 'cache_read_tokens', 'cache_creation_tokens'])

/**
 * A cost branch's columns. Tokens are signed (Int64) in every branch, since the covered candidates are
 * subtracted (`sign` -1); requests come from api_request events only; `from_events` tells the two sources apart.
 */
function costSelect(columns: string[], from: 'events' | 'metrics', sign: 1 | -1 = 1): string[] {
  const neg = sign === -1 ? '-' : ''
  const list = columns.map((c) => {
    if (c === 'requests' && from === 'metrics') return 'toUInt64(0) AS requests'
    if (TOKENS.has(c)) return `${neg}toInt64(${c}) AS ${c}`
    if (c === 'cost_usd' && sign === -1) return '-cost_usd AS cost_usd'
    return c
  })
  return [...list, `toUInt8(${from === 'events' ? 1 : 0}) AS from_events`]
}

/** Output names for a branch's columns (table column → the name a query reads), or none: the table's own names. */
type Names = Readonly<Record<string, string>> | undefined

/** A branch's select list, each column under its output name (`expr AS column` entries renamed too). */
function named(entries: readonly string[], names: Names): string {
  if (!names) return entries.join(', ')
  return entries
    .map((entry) => {
      const as = / AS ([a-z_0-9]+)$/.exec(entry)
      const column = as ? as[1]! : entry
      const name = names[column]
      if (name === undefined || name === column) return entry
      return as ? `${entry.slice(0, as.index)} AS ${name}` : `${entry} AS ${name}`
    })
    .join(', ')
}

/**
 * The family's rows over the plan: one SELECT per tier that has runs, UNION ALL. The cost families' metric
 * candidates are appended as more branches with the same columns (metricCandidates), unless `candidates`
 * is false: for a figure they add nothing to (API requests, which count api_request events only).
 */
export function tieredRows(
  family: FamilyName,
  plan: TierPlan,
  params: Record<string, unknown>,
  prefix: string,
  candidates = true,
  names?: Names,
  extra: readonly string[] = [],
): string {
  const f = FAMILIES[family]
  const bounded = boundedPlan(plan)
  const columns = [...BASE_COLUMNS, ...Object.values(f.columns).filter((c) => c !== 'from_events')]
  const cost = 'from_events' in f.columns
  const select = named([...(cost ? costSelect(columns, 'events') : columns), ...extra], names)
  const tiers = TIERS.filter((tier) => bounded[tier].length > 0)
  const branches = tiers.map(
    (tier) => `SELECT ${select} FROM ${f.tables[tier]} WHERE ${runsCondition(tier, bounded[tier], `${prefix}${TIER_KEY[tier]}`, params)}`,
  )
  if (cost && candidates && tiers.length > 0) branches.push(...metricCandidates(columns, bounded, params, prefix, names, extra))
  // An empty range (nothing has happened in it yet): the family's columns, no rows.
  if (branches.length === 0) return `SELECT ${select} FROM ${f.tables['1d']} WHERE 0`
  return branches.join('\nUNION ALL\n')
}

/**
 * Cost and tokens of metric points that count (warehouse/RULES.md, "Cost and tokens"), as branches to add to
 * the event rows: the points the writer marked as candidates (no api_request event of their session, or
 * without session.id of their user-day, stored yet), tier by tier over the same plan as the events; then,
 * subtracted, the candidates of the sessions and user-days an api_request event covered after they were
 * written (noted by the writer, migration 0023), from the writer's copies of them (usage_noted_candidates_15m,
 * 0030: the newest copy of each row, FINAL), over the range's whole buckets (the plan covers exactly those). Every
 * measure over cost rows is a sum, so a subtracted row cancels its candidate in any grouping (it has the same
 * dimensions).
 */
function metricCandidates(
  columns: string[],
  plan: TierPlan,
  params: Record<string, unknown>,
  prefix: string,
  names: Names,
  extra: readonly string[],
): string[] {
  const select = named([...costSelect(columns, 'metrics'), ...extra], names)
  const branches = TIERS.filter((tier) => plan[tier].length > 0).map(
    (tier) => `SELECT ${select} FROM ${CANDIDATE_TABLES[tier]} WHERE ${runsCondition(tier, plan[tier], `${prefix}${TIER_KEY[tier]}`, params)}`,
  )
  branches.push(`SELECT ${named([...costSelect(columns, 'metrics', -1), ...extra], names)} FROM usage_noted_candidates_15m FINAL
  WHERE bucket >= {${prefix}from:DateTime('UTC')} AND bucket < {${prefix}to:DateTime('UTC')}`)
  return branches
}

/**
 * The family's rows, attributed: the directory's team, department and cost center where it names them.
 * A query that reads none of those (nor a display name, nor a manager's scope) skips the join: `team`,
 * `dept` and `cc` are then the telemetry's, and nothing reads them.
 */
export function attributedRows(family: FamilyName, plan: TierPlan, params: Record<string, unknown>, prefix = '', attribute = true, candidates = true): string {
  // Without the directory, each branch names its columns as the query reads them: one level of subquery less, which
  // the engine plans faster (a flat read of user_activity_1d planned in 8 ms where the nested one took 14).
  if (!attribute) {
    const names: Record<string, string> = { user_key: 'u', team_id: 'team', department: 'dept', cost_center: 'cc' }
    for (const [alias, column] of Object.entries(FAMILIES[family].columns)) names[column] = alias
    return `(${tieredRows(family, plan, params, prefix, candidates, names, ["'' AS display_name"])})`
  }
  const rows = tieredRows(family, plan, params, prefix, candidates)
  const aliases = Object.keys(FAMILIES[family].columns)
    .map((alias) => `r.${FAMILIES[family].columns[alias]} AS ${alias}`)
    .join(', ')
  return `(SELECT r.bucket AS bucket, ${attributedColumns('r')}, ${aliases}
  FROM (${rows}) AS r LEFT ANY JOIN ${DIRECTORY_NOW} AS d ON r.user_key = d.d_user)`
}

/** The range bounds the candidates branch reads ({<prefix>from}, {<prefix>to}). */
export function rangeBounds(range: Pick<ResolvedRange, 'from' | 'to'>, params: Record<string, unknown>, prefix = ''): void {
  params[`${prefix}from`] = dateTimeParam(range.from)
  params[`${prefix}to`] = dateTimeParam(range.to)
}
