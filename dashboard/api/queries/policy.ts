import type { CommonFilters, ResolvedRange } from '../../../schemas/analytics'
import type { MoversQuery, MoversResponse, PolicyQuery, PolicyResponse } from '../../../schemas/policy'
import { selectRows, type Warehouse } from '../../../warehouse/client'
import { attributedColumns, DIRECTORY_NOW, type Scope } from '../datasets'
import { buildRowsSql } from './dataset'
import { isoFromClickHouse, rangeParams } from './range'
import { filterSql } from './users'

const rangeOut = (r: ResolvedRange) => ({ from: r.from.toISOString(), to: r.to.toISOString(), timeZone: r.timeZone })

interface GroupRow {
  g: string
  m_policyDenials: string
  m_decisions: string
  m_policyDenialRate: number | null
}

async function denialsBy(client: Warehouse, range: ResolvedRange, by: string, filters: CommonFilters, scope: Scope): Promise<Map<string, GroupRow>> {
  const built = buildRowsSql({
    scope,
    dataset: 'tools',
    range,
    granularity: 'none',
    groupBy: by,
    filters,
    measures: ['policyDenials', 'decisions', 'policyDenialRate'],
    sort: 'policyDenials',
    order: 'desc',
  })
  const rows = await selectRows<GroupRow>(client, built.sql, built.params)
  return new Map(rows.map((r) => [String(r.g), r]))
}

/** Policy denials this week against last week, per tool (or command, MCP server, team, user); spikes flagged. */
export async function queryMovers(client: Warehouse, q: MoversQuery, scope: Scope): Promise<MoversResponse> {
  const now = await denialsBy(client, q.current, q.by, q.filters, scope)
  const before = await denialsBy(client, q.previous, q.by, q.filters, scope)
  const groups = new Set([...now.keys(), ...before.keys()])
  const rows = [...groups].map((group) => {
    const c = now.get(group)
    const p = before.get(group)
    const policyDenials = Number(c?.m_policyDenials ?? 0)
    const previousPolicyDenials = Number(p?.m_policyDenials ?? 0)
    return {
      group,
      policyDenials,
      previousPolicyDenials,
      change: policyDenials - previousPolicyDenials,
      decisions: Number(c?.m_decisions ?? 0),
      policyDenialRate: c?.m_policyDenialRate ?? null,
      previousPolicyDenialRate: p?.m_policyDenialRate ?? null,
      spike: policyDenials >= q.minDenials && policyDenials >= 2 * previousPolicyDenials,
    }
  })
  rows.sort((a, b) => b.change - a.change || b.policyDenials - a.policyDenials || a.group.localeCompare(b.group))
  return { current: rangeOut(q.current), previous: rangeOut(q.previous), by: q.by, rows: rows.filter((r) => r.policyDenials + r.previousPolicyDenials > 0) }
}

/** Policy events of one kind in the range (the policy_events rollup), with the directory applied like the datasets. */
function policyEvents(eventName: 'hook_execution_complete' | 'permission_mode_changed' | 'managed_settings_resolved', columns: string): string {
  return `(SELECT e.timestamp AS ts, ${attributedColumns('e')}, ${columns}
  FROM policy_events AS e LEFT ANY JOIN ${DIRECTORY_NOW} AS d ON e.user_key = d.d_user
  WHERE e.event_name = '${eventName}' AND e.timestamp >= {from:DateTime('UTC')} AND e.timestamp < {to:DateTime('UTC')})`
}

/** Decisions by source (tools rollup); hook blocks, permission-mode changes and managed settings (policy_events). */
export async function queryPolicy(client: Warehouse, q: PolicyQuery, scope: Scope): Promise<PolicyResponse> {
  const params: Record<string, unknown> = { ...rangeParams(q.range) }
  const where = filterSql(q.filters, params, scope)
  const bySource = buildRowsSql({ scope, dataset: 'tools', range: q.range, granularity: 'none', groupBy: 'source', filters: q.filters, measures: ['decisions', 'accepts', 'rejects'] })
  const sources = await selectRows<{ g: string; m_accepts: string; m_rejects: string }>(client, bySource.sql, bySource.params)
  const decisionsBySource = sources
    .flatMap((s) => [
      { source: s.g, decision: 'accept', decisions: Number(s.m_accepts) },
      { source: s.g, decision: 'reject', decisions: Number(s.m_rejects) },
    ])
    .filter((r) => r.decisions > 0)
    .sort((a, b) => b.decisions - a.decisions)

  const hooks = await selectRows<Record<string, string>>(
    client,
    `SELECT hook_name, hook_event, hook_source, count() AS executions, sum(blocking) AS blocks
     FROM ${policyEvents('hook_execution_complete', 'e.hook_name AS hook_name, e.hook_event AS hook_event, e.hook_source AS hook_source, e.num_blocking AS blocking')}
     WHERE ${where} GROUP BY hook_name, hook_event, hook_source ORDER BY blocks DESC, executions DESC LIMIT 100`,
    params,
  )
  const [hookTotals] = await selectRows<Record<string, string>>(
    client,
    `SELECT count() AS executions, sum(blocking) AS blocks
     FROM ${policyEvents('hook_execution_complete', 'e.num_blocking AS blocking')} WHERE ${where}`,
    params,
  )
  const modes = await selectRows<Record<string, string>>(
    client,
    `SELECT to_mode, count() AS changes, uniqExact(u) AS users
     FROM ${policyEvents('permission_mode_changed', 'e.to_mode AS to_mode')} WHERE ${where}
     GROUP BY to_mode ORDER BY changes DESC`,
    params,
  )
  const escalations = await selectRows<Record<string, string>>(
    client,
    `SELECT toString(ts) AS time, u, session_id, from_mode, trigger
     FROM ${policyEvents('permission_mode_changed', 'e.session_id AS session_id, e.from_mode AS from_mode, e.to_mode AS to_mode, e.trigger AS trigger')}
     WHERE to_mode = 'bypassPermissions' AND ${where} ORDER BY ts DESC LIMIT 100`,
    params,
  )
  const managed = await selectRows<Record<string, string>>(
    client,
    `SELECT u, argMax(sources, ts) AS sources, toString(max(ts)) AS last_seen
     FROM ${policyEvents('managed_settings_resolved', 'e.sources AS sources')}
     WHERE u != '' AND ${where} GROUP BY u ORDER BY u LIMIT 10000`,
    params,
  )
  const escalationTotal = modes.find((m) => m.to_mode === 'bypassPermissions')
  return {
    range: rangeOut(q.range),
    decisionsBySource,
    hooks: {
      executions: Number(hookTotals?.executions ?? 0),
      blocks: Number(hookTotals?.blocks ?? 0),
      byHook: hooks.map((h) => ({
        hookName: h.hook_name ?? '',
        hookEvent: h.hook_event ?? '',
        hookSource: h.hook_source ?? '',
        executions: Number(h.executions),
        blocks: Number(h.blocks),
      })),
    },
    modeChanges: modes.map((m) => ({ toMode: m.to_mode ?? '', changes: Number(m.changes), users: Number(m.users) })),
    escalations: {
      total: Number(escalationTotal?.changes ?? 0),
      latest: escalations.map((e) => ({
        time: isoFromClickHouse(e.time ?? ''),
        user: e.u ?? '',
        sessionId: e.session_id ?? '',
        fromMode: e.from_mode ?? '',
        trigger: e.trigger ?? '',
      })),
    },
    managedSettings: managed.map((m) => ({ user: m.u ?? '', sources: parseSources(m.sources ?? ''), lastSeen: isoFromClickHouse(m.last_seen ?? '') })),
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
