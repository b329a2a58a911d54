import { z } from 'zod'
import { datasetQuerySchema } from '../../../schemas/analytics'
import type { AttributionQuery, AttributionResponse } from '../../../schemas/attribution'
import { answeredRange } from '../../../schemas/periods'
import { ch, run } from '../../../warehouse/query'
import { roundUsd } from '../../../schemas/money'
import { runDatasetFigures, type QueryContext } from './dataset'

/**
 * Cost by repository, workflow run or entrypoint (docs/attribution.md), from attribution_1d (migration 0021:
 * api_request cost per UTC day and the requests' attributes). Beside it, the Cost page's total for the same
 * days: the difference is cost known only from metrics, which this cannot attribute, and is stated.
 */
const COLUMN = { repository: 'repository', workflow: 'workflow_run', entrypoint: 'entrypoint' } as const

export async function queryAttribution(ctx: QueryContext, query: AttributionQuery): Promise<AttributionResponse> {
  const range = answeredRange(query.range, ctx.now)
  const d0 = range.from.toISOString().slice(0, 10)
  const d1 = new Date(range.to.getTime() - 1).toISOString().slice(0, 10)
  const column = COLUMN[query.by]
  const params = { d0, d1, limit: query.limit + 1 }
  const [rows, [totals], cost] = await Promise.all([
    run(ctx.client, {
      sql: `SELECT ${column} AS g, ${query.by === 'workflow' ? "anyIf(workflow_name, workflow_name != '')" : "''"} AS name, sum(cost_usd) AS cost,
         sum(requests) AS requests, uniqExactMerge(sessions) AS sessions, uniqExact(user_key) AS users
       FROM attribution_1d WHERE day >= {d0:Date} AND day <= {d1:Date} AND ${column} != ''
       GROUP BY g ORDER BY cost DESC, g LIMIT {limit:UInt32}`,
      params,
      row: z.object({ g: ch.string, name: ch.string, cost: ch.number, requests: ch.count, sessions: ch.count, users: ch.count }),
    }),
    run(ctx.client, {
      sql: `SELECT sum(cost_usd) AS cost, sumIf(cost_usd, ${column} = '') AS unattributed FROM attribution_1d WHERE day >= {d0:Date} AND day <= {d1:Date}`,
      params,
      row: z.object({ cost: ch.number, unattributed: ch.number }),
    }),
    runDatasetFigures(
      ctx,
      datasetQuerySchema('cost').parse({ from: d0, to: new Date(Date.parse(`${d1}T00:00:00Z`) + 86_400_000).toISOString(), tz: 'UTC', measures: 'costUsd' }),
    ),
  ])
  const eventsCost = roundUsd(totals?.cost ?? 0)
  const costUsd = typeof cost.totals.costUsd === 'number' ? cost.totals.costUsd : 0
  return {
    range: { from: `${d0}T00:00:00.000Z`, to: new Date(Date.parse(`${d1}T00:00:00Z`) + 86_400_000).toISOString(), timeZone: 'UTC' },
    by: query.by,
    rows: rows.slice(0, query.limit).map((r) => ({
      group: r.g,
      ...(query.by === 'workflow' ? { workflowName: r.name } : {}),
      costUsd: roundUsd(r.cost ?? 0),
      requests: r.requests,
      sessions: r.sessions,
      users: r.users,
    })),
    truncated: rows.length > query.limit,
    totals: {
      eventsCostUsd: eventsCost,
      costUsd,
      notAttributableUsd: roundUsd(Math.max(0, costUsd - eventsCost)),
      unattributedUsd: roundUsd(totals?.unattributed ?? 0),
    },
  }
}
