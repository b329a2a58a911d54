import { z } from 'zod'
import { answeredRange } from '../../../schemas/periods'
import { WASTE_EXAMPLES, type WastePattern, type WasteQuery, type WasteResponse } from '../../../schemas/waste'
import { ch, run } from '../../../warehouse/query'
import type { QueryContext } from './dataset'
import { roundUsd } from '../../../schemas/money'
import { rangeParams } from './range'

/**
 * Waste patterns (docs/waste.md), each a rule over tables the other pages read: policy_denials (a denial
 * loop: the same command denied again and again in one session), the sessions rollup with its accepted edits
 * (a costly session with no accepted edit), reliability_events (retry storms, runaway
 * sub-agents). Priced where the telemetry prices it; the rule and the pricing are stated in the answer.
 */

/** A sub-agent run this long, or with this many tool uses, is a runaway. */
const RUNAWAY_MS = 30 * 60_000
const RUNAWAY_TOOL_USES = 200

/** A session's cost (the Cost page's rule: its api_request events', else its cost metric's), over a group of its `sessions` rows. */
const SESSION_USD = 'if(sum(requests) > 0, sum(event_cost), sum(metric_cost))'

/**
 * Every query answers its pattern's first WASTE_EXAMPLES rows, ranked as the card shows them (priced waste, then
 * occurrences, then the session id), and on each row the totals over all of its rows (window functions, computed
 * before the LIMIT): the card's sessions, occurrences and USD count every session of the range, not a top list.
 */
const totals = {
  t_rows: ch.count,
  t_sessions: ch.count,
  t_occurrences: ch.count,
  t_usd: ch.number,
}

interface Totals {
  sessions: number
  occurrences: number
  usd: number | null
}

function pattern(
  base: Omit<WastePattern, 'usd' | 'usdPerMonth' | 'examples' | 'sessions' | 'occurrences'>,
  examples: { sessionId: string; user: string; detail: string; usd: number | null }[],
  all: Totals,
  days: number,
): WastePattern {
  const usd = all.usd === null ? null : roundUsd(all.usd)
  return {
    ...base,
    sessions: all.sessions,
    occurrences: all.occurrences,
    usd,
    usdPerMonth: usd === null || days <= 0 ? null : roundUsd((usd * 30) / days),
    examples: examples.map(({ sessionId, user, detail, usd: u }) => ({ sessionId, user, detail, usd: u === null ? null : roundUsd(u) })),
  }
}

/** The totals on a pattern's first row (every row carries them), or zeros when it has none. */
function totalsOf(
  rows: readonly z.output<z.ZodObject<typeof totals>>[],
  sessions: 't_rows' | 't_sessions',
  occurrences: 't_rows' | 't_occurrences',
  priced: boolean,
): Totals {
  const first = rows[0]
  return { sessions: first?.[sessions] ?? 0, occurrences: first?.[occurrences] ?? 0, usd: priced ? (first?.t_usd ?? 0) : null }
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
    examples: WASTE_EXAMPLES,
  }
  const inRange = "timestamp >= {from:DateTime('UTC')} AND timestamp < {to:DateTime('UTC')}"
  const sessionsInRange = 'day >= {d0:Date} AND day <= {d1:Date}'
  // Denial loops and costly sessions are found by a 64-bit hash first, a cheaper key to group by than the strings
  // (at 100 M events 108 → 68 and 274 → 144 ms), then counted or summed again by their values: for the loops a collision
  // can only add a candidate, which the second step drops.
  const loopHashes = `SELECT cityHash64(session_id, tool_name, command) AS h FROM policy_denials WHERE ${inRange} AND session_id != ''
    GROUP BY h HAVING count() >= {repeats:UInt32}`
  // The costly sessions with no accepted edit, by hash, read from the `sessions` rows that have none (0026: tool_decision
  // events or the code_edit_tool.decision metric, either source counts; about one row in eight at 100 M events). A
  // session with no accepted edit in the range has only such rows, as the collector stores no negative accept
  // (collector/normalize/metrics.ts TOTALLED_COUNTERS), so its whole cost is summed here; one that has an accepted
  // edit on another row is dropped by the second step, which sums every row of the candidates. A row with a negative
  // count (written by other means) makes its session a candidate whatever its cost, so no session is missed either way.
  // At 100 M events 177 → 81 ms against grouping every row by hash. The hash is stored (`session_hash`, 0028), so the
  // ids are read only for the candidates' rows. A hash collision could hide a session (joined with one that has an
  // edit): with n sessions a chance below n² / 2^65.
  const costlyHashes = `SELECT session_hash AS h FROM sessions WHERE ${sessionsInRange} AND accepts <= 0
    GROUP BY h HAVING ${SESSION_USD} >= {minUsd:Float64} OR min(accepts) < 0`
  const [loops, costly, storms, runaways] = await Promise.all([
    run(ctx.client, {
      // Each repeated (session, tool, command), priced at its session's mean cost per API request: each denial after
      // the first took one request (NULL, not priced, for a session without api_request events). The loops are the
      // join's right side, the one the engine builds: it filters the sessions read by their keys (a join runtime
      // filter), so the sessions are not grouped whole (at 100 M events 177 → 104 ms; 240 without the filter). They are
      // matched by the stored hash of the id (`session_hash`, 0028), so no id is read from `sessions`; a collision
      // would price a loop at two sessions' mean (a chance below n² / 2^65, as above). The build side is fixed: left to
      // itself the planner swapped it once it had seen a small hash table of the sessions' side in an earlier run
      // (use_hash_table_stats_for_join_reordering), built the sessions whole, and took 250 instead of 110-135 ms.
      sql: `SELECT session_id, user, tool_name, command, denials, usd, count() OVER () AS t_rows, uniqExact(session_id) OVER () AS t_sessions,
         sum(denials) OVER () AS t_occurrences, sum(usd) OVER () AS t_usd
       FROM (
         SELECT l.session_id AS session_id, l.user AS user, l.tool_name AS tool_name, l.command AS command, l.denials AS denials,
           if(c.requests > 0, (l.denials - 1) * c.ev / c.requests, NULL) AS usd
         FROM (
           SELECT session_hash AS h, sum(requests) AS requests, sum(event_cost) AS ev FROM sessions WHERE ${sessionsInRange} GROUP BY h
         ) AS c
         RIGHT JOIN (
           SELECT cityHash64(session_id) AS h, session_id, any(user_key) AS user, tool_name, command, count() AS denials FROM policy_denials
           WHERE ${inRange} AND session_id != '' AND cityHash64(session_id, tool_name, command) IN (${loopHashes})
           GROUP BY h, session_id, tool_name, command HAVING denials >= {repeats:UInt32}
         ) AS l ON c.h = l.h
       )
       ORDER BY ifNull(usd, 0) DESC, denials DESC, session_id, tool_name, command LIMIT {examples:UInt32}
       SETTINGS query_plan_join_swap_table = 'false'`,
      params,
      row: z.object({ session_id: ch.string, user: ch.string, tool_name: ch.string, command: ch.string, denials: ch.count, usd: ch.number, ...totals }),
    }),
    run(ctx.client, {
      // Sessions costing minUsd or more with no accepted edit, summed again by their ids.
      sql: `SELECT session_id, user, usd, count() OVER () AS t_rows, 0 AS t_sessions, 0 AS t_occurrences, sum(usd) OVER () AS t_usd
       FROM (
         SELECT session_id, any(user_key) AS user, ${SESSION_USD} AS usd FROM sessions
         WHERE ${sessionsInRange} AND session_hash IN (${costlyHashes})
         GROUP BY session_id HAVING usd >= {minUsd:Float64} AND sum(accepts) <= 0
       )
       ORDER BY usd DESC, session_id LIMIT {examples:UInt32}`,
      params,
      row: z.object({ session_id: ch.string, user: ch.string, usd: ch.number, ...totals }),
    }),
    run(ctx.client, {
      sql: `SELECT session_id, user, storms, attempts, count() OVER () AS t_rows, 0 AS t_sessions, sum(storms) OVER () AS t_occurrences, NULL AS t_usd
       FROM (
         SELECT session_id, any(user_key) AS user, count() AS storms, sum(attempts) AS attempts FROM reliability_events
         WHERE event_name = 'api_retries_exhausted' AND ${inRange} AND session_id != '' GROUP BY session_id HAVING storms >= {repeats:UInt32}
       )
       ORDER BY storms DESC, session_id LIMIT {examples:UInt32}`,
      params,
      row: z.object({ session_id: ch.string, user: ch.string, storms: ch.count, attempts: ch.count, ...totals }),
    }),
    run(ctx.client, {
      sql: `SELECT session_id, user, runs, longest, most_tools, count() OVER () AS t_rows, 0 AS t_sessions, sum(runs) OVER () AS t_occurrences, NULL AS t_usd
       FROM (
         SELECT session_id, any(user_key) AS user, count() AS runs, max(duration_ms) AS longest, max(tool_uses) AS most_tools FROM reliability_events
         WHERE event_name = 'subagent_completed' AND ${inRange} AND (duration_ms >= {runawayMs:Float64} OR tool_uses >= {runawayTools:UInt32})
         GROUP BY session_id
       )
       ORDER BY runs DESC, session_id LIMIT {examples:UInt32}`,
      params,
      row: z.object({ session_id: ch.string, user: ch.string, runs: ch.count, longest: ch.number, most_tools: ch.count, ...totals }),
    }),
  ])

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
        loops.map((l) => ({ sessionId: l.session_id, user: l.user, detail: `${l.command || l.tool_name} denied ${l.denials} times`, usd: l.usd })),
        totalsOf(loops, 't_sessions', 't_occurrences', true),
        days,
      ),
      pattern(
        {
          kind: 'costlyNoEdit',
          title: 'Costly sessions with no accepted edit',
          rule: `A session costing $${query.minCostUsd} or more in the range with no accepted Edit, Write, MultiEdit or NotebookEdit (tool_decision events or the code_edit_tool.decision metric).`,
          pricing: "The session's whole cost (the Cost page's rule). Not all of it is waste: research and review sessions edit nothing by design.",
        },
        costly.map((c) => ({ sessionId: c.session_id, user: c.user, detail: `$${roundUsd(c.usd ?? 0).toFixed(2)}, no edit accepted`, usd: c.usd })),
        totalsOf(costly, 't_rows', 't_rows', true),
        days,
      ),
      pattern(
        {
          kind: 'retryStorm',
          title: 'Retry storms',
          rule: `${query.minRepeats} or more requests in one session that failed after every retry (api_retries_exhausted).`,
          pricing: "Not priced in USD: failed requests are not billed. The cost is the developer's wait, which the telemetry does not time per request.",
        },
        storms.map((s) => ({ sessionId: s.session_id, user: s.user, detail: `${s.storms} requests failed after ${s.attempts} attempts in all`, usd: null })),
        totalsOf(storms, 't_rows', 't_occurrences', false),
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
        })),
        totalsOf(runaways, 't_rows', 't_occurrences', false),
        days,
      ),
    ],
  }
}
