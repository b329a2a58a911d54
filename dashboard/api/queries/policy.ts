import type { CommonFilters, ResolvedRange } from '../../../schemas/analytics'
import { answeredRange, isPartial, previousRange } from '../../../schemas/periods'
import type { MoversQuery, MoversResponse, PolicyQuery, PolicyResponse } from '../../../schemas/policy'
import { z } from 'zod'
import type { Reader } from '../../../warehouse/pool'
import { ch, runAll } from '../../../warehouse/query'
import type { Scope } from '../datasets'
import { attributedRows, peopleOf } from '../sources'
import { planTiers } from '../tiers'
import type { QueryContext } from './dataset'
import { buildRowsSql, selectRowsWithTotals, sourceFor, type DatasetRawRow } from './dataset-sql'
import { rangeParams } from './range'
import { directoryNeeded, filterSql } from './filters'
import { comparedWith } from './meta'

const rangeOut = (r: ResolvedRange) => ({ from: r.from.toISOString(), to: r.to.toISOString(), timeZone: r.timeZone })

async function denialsBy(client: Reader, range: ResolvedRange, by: string, filters: CommonFilters, scope: Scope): Promise<Map<string, DatasetRawRow>> {
  const result = await selectRowsWithTotals(client, {
    scope,
    source: sourceFor('tools', by, filters),
    range,
    granularity: 'none',
    groupBy: by,
    filters,
    measures: ['policyDenials', 'decisions', 'policyDenialRate'],
    sort: 'policyDenials',
    order: 'desc',
  })
  return new Map(result.rows.map((r) => [String(r.g), r]))
}

/**
 * Policy denials in the week before `to` against the same span a week earlier, per tool (or command, MCP
 * server, team, user); spikes flagged. A week not over yet is compared up to the same point of the week
 * before (schemas/periods.ts): a Thursday afternoon is not set against a whole week. A week before ccscope's
 * data began is not compared with at all (previousCovered): in an organization's first week every blocked
 * tool would otherwise be a "spike" from nothing.
 */
export async function queryMovers(ctx: QueryContext, q: MoversQuery): Promise<MoversResponse> {
  const current = answeredRange(q.current, ctx.now)
  const previous = previousRange(q.current, current) ?? { ...current }
  const [now, before, { previousCovered: covered, dataFirst }] = await Promise.all([
    denialsBy(ctx.client, current, q.by, q.filters, ctx.scope),
    denialsBy(ctx.client, previous, q.by, q.filters, ctx.scope),
    comparedWith(ctx.client, ctx.scope, previous.from),
  ])
  const groups = new Set([...now.keys(), ...(covered ? before.keys() : [])])
  const count = (v: unknown) => Number(v ?? 0)
  const rate = (v: unknown) => (v === null || v === undefined ? null : Number(v))
  const rows = [...groups].map((group) => {
    const c = now.get(group)
    const p = before.get(group)
    const policyDenials = count(c?.m_policyDenials)
    const previousPolicyDenials = covered ? count(p?.m_policyDenials) : null
    return {
      group,
      policyDenials,
      previousPolicyDenials,
      change: previousPolicyDenials === null ? null : policyDenials - previousPolicyDenials,
      decisions: count(c?.m_decisions),
      previousDecisions: covered ? count(p?.m_decisions) : null,
      policyDenialRate: rate(c?.m_policyDenialRate),
      previousPolicyDenialRate: covered ? rate(p?.m_policyDenialRate) : null,
      spike: previousPolicyDenials !== null && policyDenials >= q.minDenials && policyDenials >= 2 * previousPolicyDenials,
    }
  })
  rows.sort((a, b) => (b.change ?? 0) - (a.change ?? 0) || b.policyDenials - a.policyDenials || a.group.localeCompare(b.group))
  return {
    current: rangeOut(current),
    previous: rangeOut(previous),
    partial: isPartial(q.current, current),
    previousCovered: covered,
    dataFirst,
    by: q.by,
    rows: rows.filter((r) => r.policyDenials + (r.previousPolicyDenials ?? 0) > 0),
  }
}

/** Escalations are few: read from policy_events, a row per event, with the directory applied like the datasets. */
function escalationRows(attribute: boolean): string {
  const { columns, join } = peopleOf(attribute)
  return `(SELECT e.timestamp AS ts, ${columns}, e.session_id AS session_id, e.from_mode AS from_mode, e.to_mode AS to_mode, e.trigger AS trigger
  FROM policy_events AS e ${join}
  WHERE e.event_name = 'permission_mode_changed' AND e.timestamp >= {from:DateTime('UTC')} AND e.timestamp < {to:DateTime('UTC')})`
}

/**
 * Decisions by source (tools); hook blocks, permission-mode changes and managed settings (the policy_activity
 * tiers, per user and bucket); the latest escalations to bypassPermissions (policy_events). The directory is
 * joined only when a filter or a manager's scope needs it.
 */
export async function queryPolicy(ctx: QueryContext, q: PolicyQuery): Promise<PolicyResponse> {
  const client = ctx.client
  const scope = ctx.scope
  const range = answeredRange(q.range, ctx.now)
  const params: Record<string, unknown> = { ...rangeParams(range) }
  const where = filterSql(q.filters, params, scope)
  const attribute = directoryNeeded(q.filters, scope)
  const activity = attributedRows('policyActivity', planTiers(range, 'none'), params, 'p_', attribute)
  const of = (event: string) => `(SELECT * FROM ${activity} WHERE event_name = '${event}')`
  // The six reads as one engine query (runAll; at 100 M events 63 → 42 ms against six queries at once).
  const [bySource, hooks, [hookTotals], modes, escalations, managed] = await runAll(client, [
    buildRowsSql(
      {
        scope,
        source: sourceFor('tools', 'source', q.filters),
        range,
        granularity: 'none',
        groupBy: 'source',
        filters: q.filters,
        measures: ['decisions', 'accepts', 'rejects'],
      },
      { totals: false },
    ),
    {
      sql: `SELECT hook_name, hook_event, hook_source, sum(n_events) AS executions, sum(n_blocks) AS blocks
     FROM ${of('hook_execution_complete')} AS s
     WHERE ${where} GROUP BY hook_name, hook_event, hook_source ORDER BY blocks DESC, executions DESC LIMIT 100`,
      params,
      row: z.object({ hook_name: ch.string, hook_event: ch.string, hook_source: ch.string, executions: ch.count, blocks: ch.count }),
    },
    {
      sql: `SELECT sum(n_events) AS executions, sum(n_blocks) AS blocks FROM ${of('hook_execution_complete')} AS s WHERE ${where}`,
      params,
      row: z.object({ executions: ch.count, blocks: ch.count }),
    },
    {
      sql: `SELECT to_mode, sum(n_events) AS changes, uniqExact(u) AS users
     FROM ${of('permission_mode_changed')} AS s WHERE ${where}
     GROUP BY to_mode ORDER BY changes DESC`,
      params,
      row: z.object({ to_mode: ch.string, changes: ch.count, users: ch.count }),
    },
    {
      sql: `SELECT toString(ts) AS time, u, session_id, from_mode, trigger
     FROM ${escalationRows(attribute)} AS s
     WHERE to_mode = 'bypassPermissions' AND ${where} ORDER BY ts DESC LIMIT 100`,
      params,
      row: z.object({ time: ch.dateTime, u: ch.string, session_id: ch.string, from_mode: ch.string, trigger: ch.string }),
    },
    {
      sql: `SELECT u, argMaxMerge(sources) AS latest_sources, toString(max(last_seen)) AS last_at
     FROM ${of('managed_settings_resolved')} AS s
     WHERE u != '' AND ${where} GROUP BY u ORDER BY u LIMIT 10000`,
      params,
      row: z.object({ u: ch.string, latest_sources: ch.string, last_at: ch.dateTime }),
    },
  ])
  const decisionsBySource = bySource
    .flatMap((s) => [
      { source: String(s.g), decision: 'accept', decisions: Number(s.m_accepts ?? 0) },
      { source: String(s.g), decision: 'reject', decisions: Number(s.m_rejects ?? 0) },
    ])
    .filter((r) => r.decisions > 0)
    .sort((a, b) => b.decisions - a.decisions)
  const escalationTotal = modes.find((m) => m.to_mode === 'bypassPermissions')
  return {
    range: rangeOut(range),
    decisionsBySource,
    hooks: {
      executions: hookTotals?.executions ?? 0,
      blocks: hookTotals?.blocks ?? 0,
      byHook: hooks.map((h) => ({ hookName: h.hook_name, hookEvent: h.hook_event, hookSource: h.hook_source, executions: h.executions, blocks: h.blocks })),
    },
    modeChanges: modes.map((m) => ({ toMode: m.to_mode, changes: m.changes, users: m.users })),
    escalations: {
      total: escalationTotal?.changes ?? 0,
      latest: escalations.map((e) => ({ time: e.time, user: e.u, sessionId: e.session_id, fromMode: e.from_mode, trigger: e.trigger })),
    },
    managedSettings: managed.map((m) => ({ user: m.u, sources: parseSources(m.latest_sources), lastSeen: m.last_at })),
  }
}

/** `managed_settings.sources` is an array attribute, stored as JSON text (["file"]); a plain string is one source. */
export function parseSources(text: string): string[] {
  if (text === '') return []
  try {
    const parsed: unknown = JSON.parse(text)
    if (Array.isArray(parsed)) return parsed.map(String)
  } catch {
    // not JSON: a single source name
  }
  return [text]
}
