import { peopleOf } from '../sources'
import type { TierPlan } from '../tiers'
import { dateTimeParam } from './range'

/**
 * The rows the reliability reads group (queries/reliability.ts): events of some kinds in the range, each with its
 * person (attributed through the directory when asked), from reliability_events (migration 0018) or, for the kinds
 * reliability_1d sums per UTC day (0025), from whole days there and the rest of the range from the events.
 */

/** reliability_events of these kinds (code-owned names) in the range: the kinds are filtered before the directory join. */
export function rowsOf(attribute: boolean, ...kinds: string[]): string {
  const { columns, join } = peopleOf(attribute)
  return `(
  SELECT ${columns}, e.event_name AS event_name, e.session_id AS session_id, e.session_hash AS session_hash, e.model AS model, e.status_code AS status_code,
    e.category AS category, e.fallback_hop AS fallback_hop, e.agent_type AS agent_type, e.tool_uses AS tool_uses, e.total_tokens AS total_tokens,
    e.skill_name AS skill_name, e.plugin_name AS plugin_name, e.plugin_hash AS plugin_hash, e.server_name AS server_name, e.transport AS transport,
    e.status AS status, e.error_code AS error_code, e.error_name AS error_name, e.trigger AS trigger, e.success AS success,
    e.pre_tokens AS pre_tokens, e.post_tokens AS post_tokens, e.duration_ms AS duration_ms
  FROM reliability_events AS e ${join}
  WHERE e.event_name IN (${kinds.map((k) => `'${k}'`).join(', ')}) AND e.timestamp >= {from:DateTime('UTC')} AND e.timestamp < {to:DateTime('UTC')}
)`
}

/** The kinds reliability_1d sums per UTC day (migration 0025): the ones every session start repeats, and skills and compactions. */
export type DailyKind = 'mcp_server_connection' | 'plugin_loaded' | 'plugin_installed' | 'skill_activated' | 'compaction'

/** The attributes reliability_1d keeps (its key after the day), as both branches of dailyRowsOf name them. */
const DAILY_ATTRIBUTES = [
  'event_name',
  'user_key',
  'team_id',
  'department',
  'cost_center',
  'server_name',
  'plugin_name',
  'plugin_hash',
  'transport',
  'status',
  'error_code',
  'skill_name',
  'trigger',
  'success',
] as const

/** One raw event as a row of reliability_1d: the sums 0025's view takes, of one event. */
const SAVED = `success = 'true' AND pre_tokens > 0 AND post_tokens > 0`
const RAW_AS_DAILY = `${DAILY_ATTRIBUTES.join(', ')}, toUInt64(1) AS events,
    if(${SAVED}, toInt64(pre_tokens) - toInt64(post_tokens), toInt64(0)) AS saved_tokens, toUInt64(${SAVED}) AS saved_n, duration_ms`

/** The plan's runs as conditions: whole UTC days (on a `day` column) and the rest (on `timestamp`), their bounds in params. */
function planConditions(plan: TierPlan, params: Record<string, unknown>): { days: string[]; raw: string[] } {
  const days = plan['1d'].map((run, i) => {
    params[`rl_d${i}_f`] = run.from.toISOString().slice(0, 10)
    params[`rl_d${i}_t`] = run.to.toISOString().slice(0, 10)
    return `(day >= {rl_d${i}_f:Date} AND day < {rl_d${i}_t:Date})`
  })
  const raw = [...plan['1h'], ...plan['15m']].map((run, i) => {
    params[`rl_r${i}_f`] = dateTimeParam(run.from)
    params[`rl_r${i}_t`] = dateTimeParam(run.to)
    return `(timestamp >= {rl_r${i}_f:DateTime('UTC')} AND timestamp < {rl_r${i}_t:DateTime('UTC')})`
  })
  return { days, raw }
}

/**
 * Rows of the daily kinds in the range, attributed like rowsOf's, with their sums: `n` events (count() is sum(n)),
 * `saved_tokens` over `saved_n` compactions, `duration_ms` summed. Whole UTC days of the range come from reliability_1d,
 * the rest (a partial day, the edges of a range in another zone: the plan's hours and quarter-hours) from
 * reliability_events, each event a row. Exact either way: every measure over them is a sum or a distinct count of a key.
 */
export function dailyRowsOf(plan: TierPlan, params: Record<string, unknown>, attribute: boolean, ...kinds: DailyKind[]): string {
  const { columns, join } = peopleOf(attribute)
  const names = kinds.map((k) => `'${k}'`).join(', ')
  const { days, raw } = planConditions(plan, params)
  const branches = [
    ...(days.length > 0
      ? [
          `SELECT ${DAILY_ATTRIBUTES.join(', ')}, events, saved_tokens, saved_n, duration_ms FROM reliability_1d WHERE event_name IN (${names}) AND (${days.join(' OR ')})`,
        ]
      : []),
    ...(raw.length > 0 ? [`SELECT ${RAW_AS_DAILY} FROM reliability_events WHERE event_name IN (${names}) AND (${raw.join(' OR ')})`] : []),
  ]
  // An empty range: the columns, no rows.
  const rows = branches.length > 0 ? branches.join('\n  UNION ALL\n  ') : `SELECT ${RAW_AS_DAILY} FROM reliability_events WHERE 0`
  return `(
  SELECT ${columns}, ${DAILY_ATTRIBUTES.filter((c) => !['user_key', 'team_id', 'department', 'cost_center'].includes(c))
    .map((c) => `e.${c} AS ${c}`)
    .join(', ')},
    e.events AS n, e.saved_tokens AS saved_tokens, e.saved_n AS saved_n, e.duration_ms AS duration_ms
  FROM (
  ${rows}
  ) AS e ${join}
)`
}
