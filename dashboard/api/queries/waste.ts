import { z } from 'zod'
import { answeredRange } from '../../../schemas/periods'
import { WASTE_EXAMPLES, type WastePattern, type WasteQuery, type WasteResponse } from '../../../schemas/waste'
import { ch, run } from '../../../warehouse/query'
import type { QueryContext } from './dataset'
import { roundUsd } from '../../../schemas/money'
import { rangeParams } from './range'

/**
 * Waste patterns (docs/waste.md), each a rule over tables the other pages read: policy_denials (a denial
 * loop: the same command denied again and again in one session), the sessions rollup with session_edits
 * (a costly session with no accepted edit), reliability_events (retry storms, runaway
 * sub-agents). Priced where the telemetry prices it; the rule and the pricing are stated in the answer.
 */

/** A sub-agent run this long, or with this many tool uses, is a runaway. */
const RUNAWAY_MS = 30 * 60_000
const RUNAWAY_TOOL_USES = 200

const sessionCost = z.object({ session_id: ch.string, user: ch.string, requests: ch.count, ev: ch.number, m: ch.number })
const usdOf = (r: z.output<typeof sessionCost>) => (r.requests > 0 ? (r.ev ?? 0) : (r.m ?? 0))
/** A session's cost (the Cost page's rule: its api_request events', else its cost metric's), over a group of its `sessions` rows. */
const SESSION_USD = 'if(sum(requests) > 0, sum(event_cost), sum(metric_cost))'

function pattern(
  base: Omit<WastePattern, 'usd' | 'usdPerMonth' | 'examples' | 'sessions' | 'occurrences'>,
  rows: { sessionId: string; user: string; detail: string; usd: number | null; occurrences: number }[],
  priced: boolean,
  days: number,
): WastePattern {
  const usd = priced ? roundUsd(rows.reduce((sum, r) => sum + (r.usd ?? 0), 0)) : null
  const ranked = [...rows].sort((a, b) => (b.usd ?? 0) - (a.usd ?? 0) || b.occurrences - a.occurrences || a.sessionId.localeCompare(b.sessionId))
  return {
    ...base,
    sessions: new Set(rows.map((r) => r.sessionId)).size,
    occurrences: rows.reduce((sum, r) => sum + r.occurrences, 0),
    usd,
    usdPerMonth: usd === null || days <= 0 ? null : roundUsd((usd * 30) / days),
    examples: ranked.slice(0, WASTE_EXAMPLES).map(({ sessionId, user, detail, usd: u }) => ({ sessionId, user, detail, usd: u === null ? null : roundUsd(u) })),
  }
}

export async function queryWaste(ctx: QueryContext, query: WasteQuery): Promise<WasteResponse> {
  const range = answeredRange(query.range, ctx.now)
  const days = Math.max(0, (range.to.getTime() - range.from.getTime()) / 86_400_000)
  const params: Record<string, unknown> = {
    ...rangeParams(range),
    d0: range.from.toISOString().slice(0, 10),
    d1: new Date(range.to.getTime() - 1).toISOString().slice(0, 10),
    repeats: query.minRepeats,
    minUsd: query.minCostUsd,
    runawayMs: RUNAWAY_MS,
    runawayTools: RUNAWAY_TOOL_USES,
  }
  const inRange = "timestamp >= {from:DateTime('UTC')} AND timestamp < {to:DateTime('UTC')}"
  const sessionsInRange = 'day >= {d0:Date} AND day <= {d1:Date}'
  const [loops, costly, storms, runaways] = await Promise.all([
    run(ctx.client, {
      // The repeated (session, tool, command) triples found by a 64-bit hash of the three (108 → 68 ms at 100 M events), then
      // counted again by their values: a collision can only add a candidate, which the second count drops.
      sql: `SELECT session_id, any(user_key) AS user, tool_name, command, count() AS denials FROM policy_denials
       WHERE ${inRange} AND session_id != '' AND cityHash64(session_id, tool_name, command) IN (
         SELECT cityHash64(session_id, tool_name, command) AS h FROM policy_denials WHERE ${inRange} AND session_id != ''
         GROUP BY h HAVING count() >= {repeats:UInt32})
       GROUP BY session_id, tool_name, command HAVING denials >= {repeats:UInt32} ORDER BY denials DESC LIMIT 5000`,
      params,
      row: z.object({ session_id: ch.string, user: ch.string, tool_name: ch.string, command: ch.string, denials: ch.count }),
    }),
    run(ctx.client, {
      // Every session's cost in the range is summed, grouped by a 64-bit hash of its id (a String key costs twice as much:
      // 274 → 177 ms at 100 M events); then the listed ones are summed again by their ids. Two sessions whose hashes
      // collide (below n² / 2^65 with n sessions) are summed together in the first step, and the second step parts them.
      sql: `SELECT session_id, any(user_key) AS user, sum(requests) AS requests, sum(event_cost) AS ev, sum(metric_cost) AS m FROM sessions
       WHERE ${sessionsInRange} AND cityHash64(session_id) IN (
         SELECT cityHash64(session_id) AS h FROM sessions WHERE ${sessionsInRange} GROUP BY h
         HAVING ${SESSION_USD} >= {minUsd:Float64} ORDER BY ${SESSION_USD} DESC LIMIT 5000)
       GROUP BY session_id HAVING if(requests > 0, ev, m) >= {minUsd:Float64} ORDER BY if(requests > 0, ev, m) DESC LIMIT 5000`,
      params,
      row: sessionCost,
    }),
    run(ctx.client, {
      sql: `SELECT session_id, any(user_key) AS user, count() AS storms, sum(attempts) AS attempts FROM reliability_events
       WHERE event_name = 'api_retries_exhausted' AND ${inRange} AND session_id != '' GROUP BY session_id HAVING storms >= {repeats:UInt32}
       ORDER BY storms DESC LIMIT 5000`,
      params,
      row: z.object({ session_id: ch.string, user: ch.string, storms: ch.count, attempts: ch.count }),
    }),
    run(ctx.client, {
      sql: `SELECT session_id, any(user_key) AS user, count() AS runs, max(duration_ms) AS longest, max(tool_uses) AS most_tools FROM reliability_events
       WHERE event_name = 'subagent_completed' AND ${inRange} AND (duration_ms >= {runawayMs:Float64} OR tool_uses >= {runawayTools:UInt32})
       GROUP BY session_id ORDER BY longest DESC LIMIT 5000`,
      params,
      row: z.object({ session_id: ch.string, user: ch.string, runs: ch.count, longest: ch.number, most_tools: ch.count }),
    }),
  ])
  // What a denied call's retries cost: the session's mean cost per API request (each retry took one).
  const loopSessions = [...new Set(loops.map((l) => l.session_id))]
  const candidates = costly.map((c) => c.session_id)
  const [loopCosts, edits] = await Promise.all([
    loopSessions.length === 0
      ? []
      : run(ctx.client, {
          sql: `SELECT session_id, any(user_key) AS user, sum(requests) AS requests, sum(event_cost) AS ev, sum(metric_cost) AS m FROM sessions
           WHERE ${sessionsInRange} AND session_id IN {ids:Array(String)} GROUP BY session_id`,
          params: { ...params, ids: loopSessions },
          row: sessionCost,
        }),
    candidates.length === 0
      ? []
      : run(ctx.client, {
          // Accepted edits, from events (tool_decision) and from metrics (code_edit_tool.decision): either source counts (migration 0024).
          sql: `SELECT session_id, sum(accepts) AS accepts FROM session_edits
           WHERE session_id IN {ids:Array(String)} AND ${sessionsInRange} GROUP BY session_id`,
          params: { ...params, ids: candidates },
          row: z.object({ session_id: ch.string, accepts: ch.number }),
        }),
  ])
  const perRequest = new Map(loopCosts.map((r) => [r.session_id, r.requests > 0 ? (r.ev ?? 0) / r.requests : null]))
  const accepted = new Set(edits.filter((e) => (e.accepts ?? 0) > 0).map((e) => e.session_id))

  return {
    range: { from: range.from.toISOString(), to: range.to.toISOString(), timeZone: range.timeZone },
    days: Math.round(days * 100) / 100,
    patterns: [
      pattern(
        {
          kind: 'denialLoop',
          title: 'Denial loops',
          rule: `The same command (or tool) denied by policy ${query.minRepeats} or more times in one session.`,
          pricing:
            "Each denial after the first cost one API request: (denials − 1) × the session's mean cost per request (sessions that send no api_request events are not priced).",
        },
        loops.map((l) => {
          const rate = perRequest.get(l.session_id) ?? null
          return {
            sessionId: l.session_id,
            user: l.user,
            detail: `${l.command || l.tool_name} denied ${l.denials} times`,
            usd: rate === null ? null : (l.denials - 1) * rate,
            occurrences: l.denials,
          }
        }),
        true,
        days,
      ),
      pattern(
        {
          kind: 'costlyNoEdit',
          title: 'Costly sessions with no accepted edit',
          rule: `A session costing $${query.minCostUsd} or more in the range with no accepted Edit, Write, MultiEdit or NotebookEdit (tool_decision events or the code_edit_tool.decision metric).`,
          pricing: "The session's whole cost (the Cost page's rule). Not all of it is waste: research and review sessions edit nothing by design.",
        },
        costly
          .filter((c) => !accepted.has(c.session_id))
          .map((c) => ({
            sessionId: c.session_id,
            user: c.user,
            detail: `$${roundUsd(usdOf(c)).toFixed(2)}, no edit accepted`,
            usd: usdOf(c),
            occurrences: 1,
          })),
        true,
        days,
      ),
      pattern(
        {
          kind: 'retryStorm',
          title: 'Retry storms',
          rule: `${query.minRepeats} or more requests in one session that failed after every retry (api_retries_exhausted).`,
          pricing: "Not priced in USD: failed requests are not billed. The cost is the developer's wait, which the telemetry does not time per request.",
        },
        storms.map((s) => ({
          sessionId: s.session_id,
          user: s.user,
          detail: `${s.storms} requests failed after ${s.attempts} attempts in all`,
          usd: null,
          occurrences: s.storms,
        })),
        false,
        days,
      ),
      pattern(
        {
          kind: 'runawaySubagent',
          title: 'Runaway sub-agents',
          rule: `A sub-agent that ran ${RUNAWAY_MS / 60_000} minutes or more, or used ${RUNAWAY_TOOL_USES} tools or more (subagent_completed).`,
          pricing:
            "Not priced per run: the event's tokens are the last request only. The session's sub-agent cost is on its session page (from the cost metric).",
        },
        runaways.map((r) => ({
          sessionId: r.session_id,
          user: r.user,
          detail: `${r.runs} run${r.runs === 1 ? '' : 's'}, longest ${Math.round((r.longest ?? 0) / 60_000)} min, up to ${r.most_tools} tool uses`,
          usd: null,
          occurrences: r.runs,
        })),
        false,
        days,
      ),
    ],
  }
}
