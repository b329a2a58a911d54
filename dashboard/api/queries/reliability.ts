import { z } from 'zod'
import type { Coverage } from '../../../schemas/analytics'
import { answeredRange } from '../../../schemas/periods'
import { isPlaceholder, type ApiFigures, type ReliabilityQuery, type ReliabilityResponse } from '../../../schemas/reliability'
import { ch, runAll, type Query } from '../../../warehouse/query'
import { attributedRows } from '../sources'
import { planTiers } from '../tiers'
import { coverageOf, NO_COVERAGE } from './companion'
import type { QueryContext } from './dataset'
import { buildRowsSql, sourceFor } from './dataset-sql'
import { rangeParams } from './range'
import { dailyRowsOf, rowsOf, type DailyKind } from './reliability-rows'
import { directoryNeeded, filterSql } from './filters'

/**
 * GET /api/v1/reliability. Requests are the Cost page's (api_request, the usage rollups); coverage per team
 * the Adoption page's (user_activity); everything else is read from reliability_events (migration 0018: one
 * row per API error, refusal, sub-agent, skill, plugin, MCP connection, compaction or internal error), MCP
 * connections, plugins, skills and compactions by whole UTC days from reliability_1d (0025; the rows: reliability-rows.ts), the
 * sessions that loaded each plugin estimated from the events' stored session hashes (0029: the one approximate figure). Teams
 * are the directory's where it names one, as on every page; a manager sees their teams only.
 */

const LISTED = 200

/** The API counters per group (model, team or none), one expression each. */
const API_COUNTS = `countIf(event_name = 'api_error') AS errors, countIf(event_name = 'api_retries_exhausted') AS exhausted,
  countIf(event_name = 'api_refusal' AND fallback_hop = 0) AS refusals, countIf(event_name = 'api_refusal' AND fallback_hop = 1) AS refusal_hops`
const API_ROWS = rowsOf(true, 'api_error', 'api_retries_exhausted', 'api_refusal')
/**
 * One read of the API kinds for every grouping they are shown in (grouping(model, team, status_code, category)):
 * by model (API_BY.model), by team, in total, by status code, by refusal category.
 */
const API_BY = { model: 7, team: 11, total: 15, status: 13, category: 14 } as const
const apiRow = z.object({
  model: ch.string,
  team: ch.string,
  status_code: ch.string,
  category: ch.string,
  g_set: ch.count,
  errors: ch.count,
  exhausted: ch.count,
  refusals: ch.count,
  refusal_hops: ch.count,
})
type ApiRow = z.output<typeof apiRow>
/** Requests by model (g_set 1), by team (2), in total (3). */
const requestRow = z.object({ model: ch.string, team: ch.string, g_set: ch.count, requests: ch.count })

/** A compaction's row among the skills' (the two kinds share one read). */
const IS_COMPACTION = `event_name = 'compaction'`

/** An MCP connection that neither connected nor disconnected failed (failed, error, …: the docs name no list). */
const MCP_FAILURE = `status NOT IN ('connected', 'disconnected')`
/** The server a connection is counted under: its name (tool details on), else its plugin, else its transport. */
const MCP_SERVER = `multiIf(server_name != '', server_name, plugin_name != '', plugin_name, transport)`
const MCP_BY = `multiIf(server_name != '', 'name', plugin_name != '', 'plugin', 'transport')`
/** grouping(server, identified_by, status) of the MCP read's sets: by server, by status, in total. */
const MCP_BY_SET = { server: 1, status: 6, total: 7 } as const

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
  const sql = <S extends z.ZodType>(text: string, row: S): Query<S> => ({ sql: text, params, row })
  const plan = planTiers(range, 'none')
  // Only the API read groups by team; the others need the directory only to filter (as the Policy page decides).
  const attribute = directoryNeeded(q.filters, ctx.scope)
  const daily = (...kinds: DailyKind[]) => dailyRowsOf(plan, params, attribute, ...kinds)
  const raw = (...kinds: string[]) => rowsOf(attribute, ...kinds)

  // Who sends what, per team and in total: the Adoption page's active users (user_activity), its rows and totals.
  const teamShape = { ...common, source: sourceFor('adoption', 'team', filters), groupBy: 'team', measures: ['activeUsers'], coverage: true }
  // Every read in one engine query (runAll): none needs another's answer (when nobody sends events, the answer is nulls
  // and the reads after the first two are not used).
  const [teamSets, requests, apiCounts, subagents, skills, plugins, pluginSessions, mcp, internal] = await runAll(ctx.client, [
    // The teams and their total in one read (grouping sets (team) and (): the total is g_set 1).
    buildRowsSql(teamShape, { totals: 'row' }),
    // The Cost page's requests (usage_by_model: api_request events) by model, by team and in total, in one read. The metric
    // candidates add no request (nor any group with one), so they are not read; a group without requests is a group with 0.
    sql(
      `SELECT model, team, grouping(model, team) AS g_set, sum(n_requests) AS requests
       FROM ${attributedRows('usageByModel', plan, params, 'r_', true, false)} AS s WHERE ${where}
       GROUP BY GROUPING SETS ((model), (team), ())`,
      requestRow,
    ),
    sql(
      `SELECT model, team, status_code, category, grouping(model, team, status_code, category) AS g_set, ${API_COUNTS} FROM ${API_ROWS} WHERE ${where}
       GROUP BY GROUPING SETS ((model), (team), (), (status_code), (category))`,
      apiRow,
    ),
    sql(
      `SELECT agent_type, grouping(agent_type) AS g_set, count() AS completions, uniqExact(u) AS users, avg(duration_ms) AS mean_ms,
         quantileExactInclusive(0.5)(duration_ms) AS p50_ms, sum(tool_uses) AS tool_uses, avg(total_tokens) AS mean_tokens
       FROM ${raw('subagent_completed')} WHERE ${where}
       GROUP BY GROUPING SETS ((agent_type), ()) ORDER BY completions DESC, agent_type LIMIT {listed:UInt32} BY g_set`,
      z.object({
        agent_type: ch.string,
        g_set: ch.count,
        completions: ch.count,
        users: ch.count,
        mean_ms: ch.number,
        p50_ms: ch.number,
        tool_uses: ch.count,
        mean_tokens: ch.number,
      }),
    ),
    // Skills by name and trigger, and in total; compactions in total (the set () of the same read): one read of
    // reliability_1d for both, each figure counting its own kind's rows only.
    sql(
      `SELECT skill_name, trigger, grouping(skill_name, trigger) AS g_set,
         sumIf(n, event_name = 'skill_activated') AS activations, uniqExactIf(u, event_name = 'skill_activated') AS users,
         sumIf(n, ${IS_COMPACTION}) AS compactions, sumIf(n, ${IS_COMPACTION} AND trigger = 'auto') AS auto,
         sumIf(n, ${IS_COMPACTION} AND trigger = 'manual') AS manual, sumIf(n, ${IS_COMPACTION} AND success = 'true') AS succeeded,
         sumIf(n, ${IS_COMPACTION} AND success = 'false') AS failed,
         sumIf(saved_tokens, ${IS_COMPACTION}) / sumIf(saved_n, ${IS_COMPACTION}) AS mean_saved,
         sumIf(duration_ms, ${IS_COMPACTION}) / sumIf(n, ${IS_COMPACTION}) AS mean_ms
       FROM ${daily('skill_activated', 'compaction')} WHERE ${where}
       GROUP BY GROUPING SETS ((skill_name, trigger), ()) ORDER BY activations DESC, skill_name, trigger LIMIT {listed:UInt32} BY g_set`,
      z.object({
        skill_name: ch.string,
        trigger: ch.string,
        g_set: ch.count,
        activations: ch.count,
        users: ch.count,
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
      `SELECT plugin_name, uniqExact(plugin_hash) - (countIf(plugin_hash = '') > 0) AS hashes, uniqExactIf(u, event_name = 'plugin_loaded') AS users_loaded,
         sumIf(n, event_name = 'plugin_installed') AS installs, uniqExactIf(u, event_name = 'plugin_installed') AS users_installed
       FROM ${daily('plugin_loaded', 'plugin_installed')} WHERE ${where}
       GROUP BY plugin_name ORDER BY users_loaded DESC, installs DESC, plugin_name LIMIT {listed:UInt32}`,
      z.object({ plugin_name: ch.string, hashes: ch.count, users_loaded: ch.count, installs: ch.count, users_installed: ch.count }),
    ),
    // The sessions that loaded each plugin: a distinct count, which a daily sum cannot keep, so estimated over the
    // range's plugin_loaded events by the stored hash of their session ids (reliability_events.session_hash, migration
    // 0029; a HyperLogLog past a few thousand sessions, within the bound docs/reliability.md gives). An event without a
    // session id counts no session: its hash is the empty id's.
    sql(
      `SELECT plugin_name, uniqCombined64If(session_hash, session_hash != cityHash64('')) AS sessions_loaded FROM ${raw('plugin_loaded')} WHERE ${where} GROUP BY plugin_name`,
      z.object({ plugin_name: ch.string, sessions_loaded: ch.count }),
    ),
    sql(
      `SELECT ${MCP_SERVER} AS server, ${MCP_BY} AS identified_by, status, grouping(server, identified_by, status) AS g_set,
         sum(n) AS events, sumIf(n, status = 'connected') AS connects,
         sumIf(n, ${MCP_FAILURE}) AS failures, sumIf(n, status = 'disconnected') AS disconnects,
         topKWeightedIf(1)(error_code, n, ${MCP_FAILURE} AND error_code != '') AS top_error, uniqExact(u) AS users
       FROM ${daily('mcp_server_connection')} WHERE ${where}
       GROUP BY GROUPING SETS ((server, identified_by), (status), ())
       ORDER BY failures DESC, connects DESC, server, events DESC, status LIMIT {listed:UInt32} BY g_set`,
      z.object({
        server: ch.string,
        identified_by: z.enum(['name', 'plugin', 'transport', '']),
        status: ch.string,
        g_set: ch.count,
        events: ch.count,
        connects: ch.count,
        failures: ch.count,
        disconnects: ch.count,
        top_error: z.array(z.string()),
        users: ch.count,
      }),
    ),
    sql(
      `SELECT error_name, error_code, grouping(error_name, error_code) AS g_set, count() AS errors, uniqExact(u) AS users
       FROM ${raw('internal_error')} WHERE ${where}
       GROUP BY GROUPING SETS ((error_name, error_code), ()) ORDER BY errors DESC, error_name, error_code LIMIT {listed:UInt32} BY g_set`,
      z.object({ error_name: ch.string, error_code: ch.string, g_set: ch.count, errors: ch.count, users: ch.count }),
    ),
  ])

  const teamRows = teamSets.filter((t) => t.g_set === 0)
  const coverage: Coverage = coverageOf(teamSets.find((t) => t.g_set === 1)) ?? NO_COVERAGE
  const reported = coverage.users === 0 || coverage.usersWithEvents > 0
  const base = { range: { from: range.from.toISOString(), to: range.to.toISOString(), timeZone: range.timeZone }, coverage }
  if (!reported) return { ...base, api: null, subagents: null, skills: null, plugins: null, mcp: null, compaction: null, internalErrors: null }

  const modelRequests = new Map(requests.filter((r) => r.g_set === 1).map((r) => [r.model, r.requests]))
  const teamRequests = new Map(requests.filter((r) => r.g_set === 2).map((r) => [r.team, r.requests]))
  const apiBy = (set: number) => apiCounts.filter((r) => r.g_set === set)
  const modelErrors = new Map(apiBy(API_BY.model).map((r) => [r.model, r]))
  const teamErrors = new Map(apiBy(API_BY.team).map((r) => [r.team, r]))
  const apiTotals = apiBy(API_BY.total)[0]
  const models = [...new Set([...[...modelRequests].filter(([, n]) => n > 0).map(([m]) => m), ...modelErrors.keys()])]
  // The status codes of errors (refusals have none) and the categories of first refusals (a retried one is counted once).
  const byStatus = apiBy(API_BY.status)
    .filter((r) => r.errors + r.exhausted > 0)
    .sort((a, b) => b.errors - a.errors || b.exhausted - a.exhausted || a.status_code.localeCompare(b.status_code))
    .slice(0, LISTED)
  const byCategory = apiBy(API_BY.category)
    .filter((r) => r.refusals > 0)
    .sort((a, b) => b.refusals - a.refusals || a.category.localeCompare(b.category))
    .slice(0, LISTED)
  // Each read's total row (the grouping set (), never cut by LIMIT … BY g_set) and its listed groups.
  const subagentTotal = subagents.find((r) => r.g_set === 1)
  const skillTotal = skills.find((r) => r.g_set === 3)
  // Compactions are the total row's (a range without skills or compactions has none: zeros).
  const compaction = skillTotal
  const internalTotal = internal.find((r) => r.g_set === 3)
  const mcpTotal = mcp.find((r) => r.g_set === MCP_BY_SET.total)
  const sessionsOf = new Map(pluginSessions.map((p) => [p.plugin_name, p.sessions_loaded]))
  // identified_by is '' only outside the by-server set.
  const mcpServers = mcp.flatMap((s) => (s.g_set === MCP_BY_SET.server && s.identified_by !== '' ? [{ ...s, identified_by: s.identified_by }] : []))
  const mcpConnects = mcpTotal?.connects ?? 0
  const mcpFailures = mcpTotal?.failures ?? 0

  return {
    ...base,
    api: {
      totals: figures(requests.find((r) => r.g_set === 3)?.requests ?? 0, apiTotals),
      byModel: models
        .map((model) => ({ model, ...figures(modelRequests.get(model) ?? 0, modelErrors.get(model)) }))
        .sort((a, b) => b.errors - a.errors || b.requests - a.requests || a.model.localeCompare(b.model)),
      byTeam: teamRows
        .map((t) => {
          const team = String(t.g)
          const c = coverageOf(t) ?? NO_COVERAGE
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
      completions: subagentTotal?.completions ?? 0,
      byAgent: subagents
        .filter((a) => a.g_set === 0)
        .map((a) => ({
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
      activations: skillTotal?.activations ?? 0,
      users: skillTotal?.users ?? 0,
      // A compaction's trigger (auto, manual) makes a group of its own in the by-skill set, with no activation.
      bySkill: skills
        .filter((s) => s.g_set === 0 && s.activations > 0)
        .map((s) => ({
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
        sessionsLoaded: sessionsOf.get(p.plugin_name) ?? 0,
        installs: p.installs,
        usersInstalled: p.users_installed,
      })),
    },
    mcp: {
      connects: mcpConnects,
      failures: mcpFailures,
      disconnects: mcpTotal?.disconnects ?? 0,
      failureRate: ratio(mcpFailures, mcpConnects + mcpFailures),
      byServer: mcpServers.map((s) => ({
        server: s.server,
        identifiedBy: s.identified_by,
        connects: s.connects,
        failures: s.failures,
        disconnects: s.disconnects,
        failureRate: ratio(s.failures, s.connects + s.failures),
        topErrorCode: s.top_error[0] ?? null,
        users: s.users,
      })),
      byStatus: mcp
        .filter((s) => s.g_set === MCP_BY_SET.status)
        .sort((a, b) => b.events - a.events || a.status.localeCompare(b.status))
        .map((s) => ({ status: s.status, events: s.events })),
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
      errors: internalTotal?.errors ?? 0,
      users: internalTotal?.users ?? 0,
      byError: internal.filter((e) => e.g_set === 0).map((e) => ({ errorName: e.error_name, errorCode: e.error_code, errors: e.errors, users: e.users })),
    },
  }
}
