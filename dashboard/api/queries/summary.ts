import type { SummaryResponse, TimeRange } from '../../../schemas/api'
import { selectRows, type Warehouse } from '../../../warehouse/client'
import { rangeParams, RANGE } from './range'

/**
 * Headline figures for a time range. Sources of truth (warehouse/RULES.md):
 * - users, sessions: distinct user_key / session.id over events and metric points;
 * - apiRequests: api_request events;
 * - costUsd, tokens: the `usage` view (api_request events, else cost/token metric points);
 * - toolDecisions: tool_decision events; policyDenials: those with decision=reject, source=config.
 */
const SQL = `
SELECT
  (SELECT uniqExact(k) FROM (
      SELECT user_key AS k FROM events WHERE ${RANGE('timestamp')} AND user_key != ''
      UNION ALL
      SELECT user_key AS k FROM metric_points WHERE ${RANGE('timestamp')} AND user_key != '')) AS users,
  (SELECT uniqExact(k) FROM (
      SELECT session_id AS k FROM events WHERE ${RANGE('timestamp')} AND session_id != ''
      UNION ALL
      SELECT session_id AS k FROM metric_points WHERE ${RANGE('timestamp')} AND session_id != '')) AS sessions,
  (SELECT count() FROM events WHERE event_name = 'api_request' AND ${RANGE('timestamp')}) AS api_requests,
  (SELECT tuple(sum(cost_usd), sum(input_tokens), sum(output_tokens), sum(cache_read_tokens), sum(cache_creation_tokens))
     FROM usage WHERE ${RANGE('timestamp')}) AS usage,
  (SELECT tuple(countIf(decision = 'accept'), countIf(decision = 'reject'),
                countIf(decision = 'reject' AND source = 'config'))
     FROM events WHERE event_name = 'tool_decision' AND ${RANGE('timestamp')}) AS decisions
`

interface SummaryRow {
  users: string
  sessions: string
  api_requests: string
  usage: [number, string, string, string, string]
  decisions: [string, string, string]
}

/** Dollars to the micro-dollar: floating-point sums lose nothing a person can see. */
export function roundUsd(value: number): number {
  return Math.round(value * 1e6) / 1e6
}

export async function querySummary(client: Warehouse, range: TimeRange): Promise<SummaryResponse> {
  const [row] = await selectRows<SummaryRow>(client, SQL, rangeParams(range))
  if (!row) throw new Error('summary query returned no row')
  return {
    range: { from: range.from.toISOString(), to: range.to.toISOString(), timeZone: 'UTC' },
    users: Number(row.users),
    sessions: Number(row.sessions),
    apiRequests: Number(row.api_requests),
    costUsd: roundUsd(Number(row.usage[0])),
    tokens: {
      input: Number(row.usage[1]),
      output: Number(row.usage[2]),
      cacheRead: Number(row.usage[3]),
      cacheCreation: Number(row.usage[4]),
    },
    toolDecisions: { accept: Number(row.decisions[0]), reject: Number(row.decisions[1]) },
    policyDenials: Number(row.decisions[2]),
  }
}
