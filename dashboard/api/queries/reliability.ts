import { z } from 'zod'
import type { Coverage } from '../../../schemas/analytics'
import { answeredRange } from '../../../schemas/periods'
import { isPlaceholder, type ApiFigures, type ReliabilityQuery, type ReliabilityResponse } from '../../../schemas/reliability'
import { ch, run } from '../../../warehouse/query'
import { attributedColumns, attributedRows, DIRECTORY_NOW } from '../sources'
import { planTiers } from '../tiers'
import { coverageOf, type QueryContext } from './dataset'
import { selectRowsWithTotals, sourceFor } from './dataset-sql'
import { rangeParams } from './range'
import { filterSql } from './filters'

/**
 * GET /api/v1/reliability. Requests are the Cost page's (api_request, the usage rollups); coverage per team
 * the Adoption page's (user_activity); everything else is read from reliability_events (migration 0018: one
 * row per API error, refusal, sub-agent, skill, plugin, MCP connection, compaction or internal error). Teams
 * are the directory's where it names one, as on every page; a manager sees their teams only.
 */

const LISTED = 200

/**
 * reliability_events of these kinds (code-owned names) in the range, attributed like every other source
 * (sources.ts attributedColumns): the kinds are filtered before the directory join.
 */
function rowsOf(...kinds: string[]): string {
  return `(
  SELECT ${attributedColumns('e')}, e.event_name AS event_name, e.session_id AS session_id, e.model AS model, e.status_code AS status_code,
    e.category AS category, e.fallback_hop AS fallback_hop, e.agent_type AS agent_type, e.tool_uses AS tool_uses, e.total_tokens AS total_tokens,
    e.skill_name AS skill_name, e.plugin_name AS plugin_name, e.plugin_hash AS plugin_hash, e.server_name AS server_name, e.transport AS transport,
    e.status AS status, e.error_code AS error_code, e.error_name AS error_name, e.trigger AS trigger, e.success AS success,
    e.pre_tokens AS pre_tokens, e.post_tokens AS post_tokens, e.duration_ms AS duration_ms
  FROM reliability_events AS e LEFT ANY JOIN ${DIRECTORY_NOW} AS d ON e.user_key = d.d_user
  WHERE e.event_name IN (${kinds.map((k) => `'${k}'`).join(', ')}) AND e.timestamp >= {from:DateTime('UTC')} AND e.timestamp < {to:DateTime('UTC')}
)`
}

/** The API counters per group (model, team or none), one expression each. */
const API_COUNTS = `countIf(event_name = 'api_error') AS errors, countIf(event_name = 'api_retries_exhausted') AS exhausted,
  countIf(event_name = 'api_refusal' AND fallback_hop = 0) AS refusals, countIf(event_name = 'api_refusal' AND fallback_hop = 1) AS refusal_hops`
const API_ROWS = rowsOf('api_error', 'api_retries_exhausted', 'api_refusal')
/** One read for the three groupings: by model (g_set 1), by team (2), in total (3). */
const apiRow = z.object({
  model: ch.string,
  team: ch.string,
  g_set: ch.count,
  errors: ch.count,
  exhausted: ch.count,
  refusals: ch.count,
  refusal_hops: ch.count,
})
type ApiRow = z.output<typeof apiRow>
/** Requests by model (g_set 1), by team (2), in total (3). */
const requestRow = z.object({ model: ch.string, team: ch.string, g_set: ch.count, requests: ch.count })

/**
 * A session counted by a 64-bit hash of its id: ClickHouse's uniqExact keeps a 128-bit SipHash of each String, which
 * cost the plugins read ~100 of its ~160 ms at 10 M events (every session start loads every plugin); a UInt64 set
 * costs ~30. Two distinct sessions of one plugin count as one only if their CityHash64 values collide: with n
 * sessions the chance that the count is short at all is below n² / 2^65 (1.7e-10 at 78 k sessions, 2.7e-8 at a
 * million), and it is then short by the number of colliding pairs. docs/reliability.md says so.
 */
const SESSION_KEY = 'cityHash64(session_id)'

/** An MCP connection that neither connected nor disconnected failed (failed, error, …: the docs name no list). */
const MCP_FAILURE = `status NOT IN ('connected', 'disconnected')`
/** The server a connection is counted under: its name (tool details on), else its plugin, else its transport. */
const MCP_SERVER = `multiIf(server_name != '', server_name, plugin_name != '', plugin_name, transport)`
const MCP_BY = `multiIf(server_name != '', 'name', plugin_name != '', 'plugin', 'transport')`

const nullableMean = (n: number | null) => (n === null || Number.isNaN(n) ? null : Math.round(n * 10) / 10)
const ratio = (part: number, whole: number) => (whole > 0 ? part / whole : null)

function figures(requests: number, row: ApiRow | undefined): ApiFigures {
  const errors = row?.errors ?? 0
  return {
    requests,
    errors,
    retriesExhausted: row?.exhausted ?? 0,
    refusals: row?.refusals ?? 0,
    refusalsRetried: row?.refusal_hops ?? 0,
    errorRate: ratio(errors, requests + errors),
  }
}

export async function queryReliability(ctx: QueryContext, q: ReliabilityQuery): Promise<ReliabilityResponse> {
  const range = answeredRange(q.range, ctx.now)
  const filters = q.filters as Record<string, string[] | undefined>
  const common = { scope: ctx.scope, range, granularity: 'none' as const, filters }
  const params: Record<string, unknown> = { ...rangeParams(range), listed: LISTED }
  const where = filterSql(q.filters, params, ctx.scope)
  const sql = <S extends z.ZodType>(text: string, row: S) => run(ctx.client, { sql: text, params, row })

  // Every read at once: none needs another's answer (when nobody sends events, the answer is nulls and the reads after the first are not used).
  const [teams, requests, apiCounts, byStatus, byCategory, subagents, skills, plugins, mcp, mcpStatus, [compaction], internal, [totals]] = await Promise.all([
    // Who sends what, per team and in total: the Adoption page's active users (user_activity).
    selectRowsWithTotals(ctx.client, { ...common, source: sourceFor('adoption', 'team', filters), groupBy: 'team', measures: ['activeUsers'], coverage: true }),
    // The Cost page's requests (usage_by_model: api_request events) by model, by team and in total, in one read. The metric
    // candidates add no request (nor any group with one), so they are not read; a group without requests is a group with 0.
    sql(
      `SELECT model, team, grouping(model, team) AS g_set, sum(n_requests) AS requests
       FROM ${attributedRows('usageByModel', planTiers(range, 'none'), params, 'r_', true, false)} AS s WHERE ${where}
       GROUP BY GROUPING SETS ((model), (team), ())`,
      requestRow,
    ),
    sql(
      `SELECT model, team, grouping(model, team) AS g_set, ${API_COUNTS} FROM ${API_ROWS} WHERE ${where}
       GROUP BY GROUPING SETS ((model), (team), ())`,
      apiRow,
    ),
    sql(
      `SELECT status_code, countIf(event_name = 'api_error') AS errors, countIf(event_name = 'api_retries_exhausted') AS exhausted
       FROM ${rowsOf('api_error', 'api_retries_exhausted')} WHERE ${where}
       GROUP BY status_code ORDER BY errors DESC, exhausted DESC, status_code LIMIT {listed:UInt32}`,
      z.object({ status_code: ch.string, errors: ch.count, exhausted: ch.count }),
    ),
    sql(
      `SELECT category, count() AS refusals FROM ${rowsOf('api_refusal')} WHERE fallback_hop = 0 AND ${where}
       GROUP BY category ORDER BY refusals DESC, category LIMIT {listed:UInt32}`,
      z.object({ category: ch.string, refusals: ch.count }),
    ),
    sql(
      `SELECT agent_type, count() AS completions, uniqExact(u) AS users, avg(duration_ms) AS mean_ms, quantileExactInclusive(0.5)(duration_ms) AS p50_ms,
         sum(tool_uses) AS tool_uses, avg(total_tokens) AS mean_tokens
       FROM ${rowsOf('subagent_completed')} WHERE ${where}
       GROUP BY agent_type ORDER BY completions DESC, agent_type LIMIT {listed:UInt32}`,
      z.object({
        agent_type: ch.string,
        completions: ch.count,
        users: ch.count,
        mean_ms: ch.number,
        p50_ms: ch.number,
        tool_uses: ch.count,
        mean_tokens: ch.number,
      }),
    ),
    sql(
      `SELECT skill_name, trigger, count() AS activations, uniqExact(u) AS users
       FROM ${rowsOf('skill_activated')} WHERE ${where}
       GROUP BY skill_name, trigger ORDER BY activations DESC, skill_name, trigger LIMIT {listed:UInt32}`,
      z.object({ skill_name: ch.string, trigger: ch.string, activations: ch.count, users: ch.count }),
    ),
    sql(
      `SELECT plugin_name, uniqExact(plugin_hash) - (countIf(plugin_hash = '') > 0) AS hashes,
         uniqExactIf(u, event_name = 'plugin_loaded') AS users_loaded, uniqExactIf(${SESSION_KEY}, event_name = 'plugin_loaded') AS sessions_loaded,
         countIf(event_name = 'plugin_installed') AS installs, uniqExactIf(u, event_name = 'plugin_installed') AS users_installed
       FROM ${rowsOf('plugin_loaded', 'plugin_installed')} WHERE ${where}
       GROUP BY plugin_name ORDER BY users_loaded DESC, installs DESC, plugin_name LIMIT {listed:UInt32}`,
      z.object({
        plugin_name: ch.string,
        hashes: ch.count,
        users_loaded: ch.count,
        sessions_loaded: ch.count,
        installs: ch.count,
        users_installed: ch.count,
      }),
    ),
    sql(
      `SELECT ${MCP_SERVER} AS server, ${MCP_BY} AS identified_by, countIf(status = 'connected') AS connects,
         countIf(${MCP_FAILURE}) AS failures, countIf(status = 'disconnected') AS disconnects,
         topKIf(1)(error_code, ${MCP_FAILURE} AND error_code != '') AS top_error, uniqExact(u) AS users
       FROM ${rowsOf('mcp_server_connection')} WHERE ${where}
       GROUP BY server, identified_by ORDER BY failures DESC, connects DESC, server LIMIT {listed:UInt32}`,
      z.object({
        server: ch.string,
        identified_by: z.enum(['name', 'plugin', 'transport']),
        connects: ch.count,
        failures: ch.count,
        disconnects: ch.count,
        top_error: z.array(z.string()),
        users: ch.count,
      }),
    ),
    sql(
      `SELECT status, count() AS events FROM ${rowsOf('mcp_server_connection')} WHERE ${where}
       GROUP BY status ORDER BY events DESC, status`,
      z.object({ status: ch.string, events: ch.count }),
    ),
    sql(
      `SELECT count() AS compactions, countIf(trigger = 'auto') AS auto, countIf(trigger = 'manual') AS manual,
         countIf(success = 'true') AS succeeded, countIf(success = 'false') AS failed,
         avgIf(toInt64(pre_tokens) - toInt64(post_tokens), success = 'true' AND pre_tokens > 0 AND post_tokens > 0) AS mean_saved,
         avg(duration_ms) AS mean_ms
       FROM ${rowsOf('compaction')} WHERE ${where}`,
      z.object({
        compactions: ch.count,
        auto: ch.count,
        manual: ch.count,
        succeeded: ch.count,
        failed: ch.count,
        mean_saved: ch.number,
        mean_ms: ch.number,
      }),
    ),
    sql(
      `SELECT error_name, error_code, count() AS errors, uniqExact(u) AS users
       FROM ${rowsOf('internal_error')} WHERE ${where}
       GROUP BY error_name, error_code ORDER BY errors DESC, error_name, error_code LIMIT {listed:UInt32}`,
      z.object({ error_name: ch.string, error_code: ch.string, errors: ch.count, users: ch.count }),
    ),
    sql(
      `SELECT countIf(event_name = 'skill_activated') AS skill_runs, uniqExactIf(u, event_name = 'skill_activated') AS skill_users,
         countIf(event_name = 'internal_error') AS internal_errors, uniqExactIf(u, event_name = 'internal_error') AS internal_users,
         countIf(event_name = 'subagent_completed') AS subagents, countIf(event_name = 'mcp_server_connection' AND status = 'connected') AS mcp_connects,
         countIf(event_name = 'mcp_server_connection' AND ${MCP_FAILURE}) AS mcp_failures,
         countIf(event_name = 'mcp_server_connection' AND status = 'disconnected') AS mcp_disconnects
       FROM ${rowsOf('skill_activated', 'internal_error', 'subagent_completed', 'mcp_server_connection')} WHERE ${where}`,
      z.object({
        skill_runs: ch.count,
        skill_users: ch.count,
        internal_errors: ch.count,
        internal_users: ch.count,
        subagents: ch.count,
        mcp_connects: ch.count,
        mcp_failures: ch.count,
        mcp_disconnects: ch.count,
      }),
    ),
  ])

  const coverage: Coverage = coverageOf(teams.totals) ?? { users: 0, usersWithEvents: 0, usersWithMetrics: 0 }
  const reported = coverage.users === 0 || coverage.usersWithEvents > 0
  const base = { range: { from: range.from.toISOString(), to: range.to.toISOString(), timeZone: range.timeZone }, coverage }
  if (!reported) return { ...base, api: null, subagents: null, skills: null, plugins: null, mcp: null, compaction: null, internalErrors: null }

  const modelRequests = new Map(requests.filter((r) => r.g_set === 1).map((r) => [r.model, r.requests]))
  const teamRequests = new Map(requests.filter((r) => r.g_set === 2).map((r) => [r.team, r.requests]))
  const modelErrors = new Map(apiCounts.filter((r) => r.g_set === 1).map((r) => [r.model, r]))
  const teamErrors = new Map(apiCounts.filter((r) => r.g_set === 2).map((r) => [r.team, r]))
  const apiTotals = apiCounts.find((r) => r.g_set === 3)
  const models = [...new Set([...[...modelRequests].filter(([, n]) => n > 0).map(([m]) => m), ...modelErrors.keys()])]

  const mcpConnects = totals?.mcp_connects ?? 0
  const mcpFailures = totals?.mcp_failures ?? 0

  return {
    ...base,
    api: {
      totals: figures(requests.find((r) => r.g_set === 3)?.requests ?? 0, apiTotals),
      byModel: models
        .map((model) => ({ model, ...figures(modelRequests.get(model) ?? 0, modelErrors.get(model)) }))
        .sort((a, b) => b.errors - a.errors || b.requests - a.requests || a.model.localeCompare(b.model)),
      byTeam: teams.rows
        .map((t) => {
          const team = String(t.g)
          const c = coverageOf(t) ?? { users: 0, usersWithEvents: 0, usersWithMetrics: 0 }
          return {
            team,
            users: c.users,
            usersWithEvents: c.usersWithEvents,
            figures: c.usersWithEvents > 0 ? figures(teamRequests.get(team) ?? 0, teamErrors.get(team)) : null,
          }
        })
        .filter((t) => t.users > 0)
        .sort((a, b) => (b.figures?.errors ?? -1) - (a.figures?.errors ?? -1) || a.team.localeCompare(b.team)),
      errorsByStatus: byStatus.map((s) => ({ statusCode: s.status_code, errors: s.errors, retriesExhausted: s.exhausted })),
      refusalsByCategory: byCategory.map((c) => ({ category: c.category, refusals: c.refusals })),
    },
    subagents: {
      completions: totals?.subagents ?? 0,
      byAgent: subagents.map((a) => ({
        agentType: a.agent_type,
        placeholder: isPlaceholder('agent', a.agent_type),
        completions: a.completions,
        users: a.users,
        meanDurationMs: nullableMean(a.mean_ms),
        p50DurationMs: nullableMean(a.p50_ms),
        toolUses: a.tool_uses,
        meanFinalRequestTokens: nullableMean(a.mean_tokens),
      })),
    },
    skills: {
      activations: totals?.skill_runs ?? 0,
      users: totals?.skill_users ?? 0,
      bySkill: skills.map((s) => ({
        skill: s.skill_name,
        invocationTrigger: s.trigger,
        placeholder: isPlaceholder('skill', s.skill_name),
        activations: s.activations,
        users: s.users,
      })),
    },
    plugins: {
      byPlugin: plugins.map((p) => ({
        plugin: p.plugin_name,
        placeholder: isPlaceholder('plugin', p.plugin_name),
        distinctPlugins: p.hashes,
        usersLoaded: p.users_loaded,
        sessionsLoaded: p.sessions_loaded,
        installs: p.installs,
        usersInstalled: p.users_installed,
      })),
    },
    mcp: {
      connects: mcpConnects,
      failures: mcpFailures,
      disconnects: totals?.mcp_disconnects ?? 0,
      failureRate: ratio(mcpFailures, mcpConnects + mcpFailures),
      byServer: mcp.map((s) => ({
        server: s.server,
        identifiedBy: s.identified_by,
        connects: s.connects,
        failures: s.failures,
        disconnects: s.disconnects,
        failureRate: ratio(s.failures, s.connects + s.failures),
        topErrorCode: s.top_error[0] ?? null,
        users: s.users,
      })),
      byStatus: mcpStatus.map((s) => ({ status: s.status, events: s.events })),
    },
    compaction: {
      compactions: compaction?.compactions ?? 0,
      auto: compaction?.auto ?? 0,
      manual: compaction?.manual ?? 0,
      succeeded: compaction?.succeeded ?? 0,
      failed: compaction?.failed ?? 0,
      successRate: ratio(compaction?.succeeded ?? 0, (compaction?.succeeded ?? 0) + (compaction?.failed ?? 0)),
      meanTokensSaved: nullableMean(compaction?.mean_saved ?? null),
      meanDurationMs: nullableMean(compaction?.mean_ms ?? null),
    },
    internalErrors: {
      errors: totals?.internal_errors ?? 0,
      users: totals?.internal_users ?? 0,
      byError: internal.map((e) => ({ errorName: e.error_name, errorCode: e.error_code, errors: e.errors, users: e.users })),
    },
  }
}
