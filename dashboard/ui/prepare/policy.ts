import type { DatasetResponse } from '../../../schemas/analytics'
import type { CoverageResponse, DenialsResponse, MoversResponse, PolicyResponse } from '../../../schemas/policy'
import { datasetParams, todayIn, type DateRange, type Filters, type Params } from '../filters'
import { formatCount, formatInstant, formatPeriod } from '../format'
import { barItems, groupLabel, type BarItem } from './series'

/**
 * The Policy page's data shaping. Pure and unit-tested (test/ui-prepare-cost-policy.test.ts): the page
 * only wires queries to these and draws what they return.
 */

export type ToolsRow = DatasetResponse<'tools'>['rows'][number]
export type ToolsTotals = DatasetResponse<'tools'>['totals']

/** tool_decision `source` values as people read them. */
const SOURCE_LABELS: Record<string, string> = {
  config: 'Policy / settings rule',
  hook: 'Hook',
  user_reject: 'User rejected',
  user_abort: 'User dismissed',
  user_permanent: 'User approved (permanent)',
  user_temporary: 'User approved (temporary)',
}

export function sourceLabel(source: string): string {
  return SOURCE_LABELS[source] ?? groupLabel(source)
}

export interface SourceRow {
  key: string
  source: string
  label: string
  /** accept → allowed, reject → denied (anything else is shown as sent). */
  outcome: 'allowed' | 'denied' | string
  decisions: number
  /** Share of all decisions in the range. */
  share: number
}

/** Decisions by who decided (settings rule, hook, the user) and the outcome, largest first. */
export function sourceRows(rows: PolicyResponse['decisionsBySource']): SourceRow[] {
  const total = rows.reduce((s, r) => s + r.decisions, 0)
  return rows
    .filter((r) => r.decisions > 0)
    .map((r) => ({
      key: `${r.source}\u0000${r.decision}`,
      source: r.source,
      label: sourceLabel(r.source),
      outcome: r.decision === 'accept' ? 'allowed' : r.decision === 'reject' ? 'denied' : r.decision,
      decisions: r.decisions,
      share: total > 0 ? r.decisions / total : 0,
    }))
    .sort((a, b) => b.decisions - a.decisions || a.label.localeCompare(b.label) || a.outcome.localeCompare(b.outcome))
}

export interface DenialSummary {
  denials: number
  decisions: number
  rate: number | null
  /** Tool decisions come from events: nobody in the range sends them (metrics only). Not "no denials". */
  notReported: boolean
}

export function denialSummary(totals: ToolsTotals): DenialSummary {
  return {
    denials: totals.policyDenials ?? 0,
    decisions: totals.decisions ?? 0,
    rate: totals.policyDenialRate ?? null,
    notReported: totals.decisions === null || totals.policyDenials === null,
  }
}

/** The tools dataset's parameters for a blocked-by-policy list (commands or MCP servers). */
export function blockedParams(filters: Filters, range: DateRange, groupBy: 'command' | 'mcpServer'): Params {
  return datasetParams(filters, 'tools', range, { groupBy, decision: 'reject', source: 'config', sort: 'policyDenials', limit: 50 })
}

/**
 * Policy denials by command or MCP server as bars. Denials of tools that have no command (not Bash) or
 * no MCP server (built-in tools) come back as the empty group: they are not a blocked command or server.
 */
export function blockedItems(rows: ToolsRow[], max = 10): BarItem[] {
  return barItems(
    rows.filter((r) => r.group !== undefined && r.group !== ''),
    'policyDenials',
    max,
  )
}

export interface ToolRow {
  tool: string
  label: string
  decisions: number
  policyDenials: number
  policyDenialRate: number | null
  hookRejects: number
  userRejects: number
}

/** Tools by policy denials (as the API sorted them), tools without any decision left out. */
export function toolRows(rows: ToolsRow[]): ToolRow[] {
  return rows
    .filter((r) => (r.decisions ?? 0) > 0)
    .map((r) => ({
      tool: r.group ?? '',
      label: groupLabel(r.group),
      decisions: r.decisions ?? 0,
      policyDenials: r.policyDenials ?? 0,
      policyDenialRate: r.policyDenialRate ?? null,
      hookRejects: r.hookRejects ?? 0,
      userRejects: r.userRejects ?? 0,
    }))
}

/** What the week-over-week movers can be split by (?by=…). */
export const MOVER_OPTIONS = [
  { value: 'tool', label: 'Tool' },
  { value: 'command', label: 'Command' },
  { value: 'mcpServer', label: 'MCP server' },
  { value: 'team', label: 'Team' },
  { value: 'user', label: 'User' },
] as const
export type MoverBy = (typeof MOVER_OPTIONS)[number]['value']
export const MOVER_VALUES: readonly MoverBy[] = MOVER_OPTIONS.map((o) => o.value)

/** The movers' parameters: the 7 days before the range's end (today, for this month) against the 7 before; common filters; no `from`. */
export function moversParams(filters: Filters, range: DateRange, by: MoverBy): Params {
  return datasetParams(filters, 'summary', range, { from: undefined, to: range.drawnTo, by })
}

/** The empty group of a mover dimension: a decision with no command is another tool, not an unknown command. */
export function moverLabel(by: MoversResponse['by'], group: string): string {
  if (group !== '') return group
  if (by === 'command') return '(not a Bash command)'
  if (by === 'mcpServer') return '(not an MCP tool)'
  return groupLabel(group)
}

export interface MoverRow {
  group: string
  label: string
  thisWeek: number
  /** Null where ccscope's data does not reach back to last week's start (the API's previousCovered). */
  lastWeek: number | null
  change: number | null
  /** +5, −3, 0: formatted through formatCount. */
  changeText: string
  direction: 'up' | 'down' | 'flat'
  rate: number | null
  /** Decisions this week: the rate's denominator. */
  decisions: number
  spike: boolean
}

export function signedCount(value: number): string {
  if (value === 0) return '0'
  return `${value > 0 ? '+' : '−'}${formatCount(Math.abs(value))}`
}

/** Movers as table rows, in the API's order (biggest increase first). */
export function moverRows(response: MoversResponse): MoverRow[] {
  return response.rows.map((r) => ({
    group: r.group,
    label: moverLabel(response.by, r.group),
    thisWeek: r.policyDenials,
    lastWeek: r.previousPolicyDenials,
    change: r.change,
    changeText: r.change === null ? '—' : signedCount(r.change),
    direction: r.change === null || r.change === 0 ? 'flat' : r.change > 0 ? 'up' : 'down',
    rate: r.policyDenialRate,
    decisions: r.decisions,
    spike: r.spike,
  }))
}

/** What the movers compare: "Policy denials Nov 22 – Nov 28 against Nov 15 – Nov 21", or why they cannot. */
export function moversSubtitle(response: MoversResponse, timeZone: string): string {
  const current = `Policy denials ${weekSpan(response.current, timeZone)}`
  if (response.previousCovered) return `${current} against ${weekSpan(response.previous, timeZone)}`
  const since = response.dataFirst ? `: ccscope's data begins ${formatPeriod(todayIn(timeZone, new Date(response.dataFirst)))}` : ''
  return `${current}; no earlier week to compare with${since}`
}

/** A response range [from, to) as the local days it covers: "Nov 22 – Nov 28". */
export function weekSpan(range: { from: string; to: string }, timeZone: string): string {
  const first = todayIn(timeZone, new Date(range.from))
  const last = todayIn(timeZone, new Date(Date.parse(range.to) - 1))
  return first === last ? formatPeriod(first) : `${formatPeriod(first)} – ${formatPeriod(last)}`
}

/** hook_source as sent by the CLI: 'policySettings' when only managed hooks may run. */
export function hookSourceLabel(source: string): string {
  if (source === 'policySettings') return 'Managed only'
  if (source === 'merged') return 'All settings'
  return groupLabel(source)
}

export interface HookRow {
  key: string
  hookName: string
  hookEvent: string
  source: string
  executions: number
  blocks: number
  /** Blocks ÷ executions (a hook run can block more than once, so this can pass 100%). */
  blockRate: number | null
}

export function hookRows(byHook: PolicyResponse['hooks']['byHook']): HookRow[] {
  return byHook.map((h) => ({
    key: `${h.hookName}\u0000${h.hookEvent}\u0000${h.hookSource}`,
    hookName: h.hookName === '' ? groupLabel('') : h.hookName,
    hookEvent: h.hookEvent === '' ? groupLabel('') : h.hookEvent,
    source: hookSourceLabel(h.hookSource),
    executions: h.executions,
    blocks: h.blocks,
    blockRate: h.executions > 0 ? h.blocks / h.executions : null,
  }))
}

const MODE_LABELS: Record<string, string> = {
  default: 'Default',
  acceptEdits: 'Accept edits',
  plan: 'Plan',
  bypassPermissions: 'Bypass permissions',
  dontAsk: "Don't ask",
}

export function modeLabel(mode: string): string {
  return MODE_LABELS[mode] ?? groupLabel(mode)
}

export interface ModeRow {
  mode: string
  label: string
  changes: number
  users: number
  escalation: boolean
}

export function modeRows(modeChanges: PolicyResponse['modeChanges']): ModeRow[] {
  return [...modeChanges]
    .sort((a, b) => b.changes - a.changes || a.toMode.localeCompare(b.toMode))
    .map((m) => ({ mode: m.toMode, label: modeLabel(m.toMode), changes: m.changes, users: m.users, escalation: m.toMode === 'bypassPermissions' }))
}

export interface EscalationRow {
  key: string
  time: string
  /** The instant in the chosen zone, via formatInstant. */
  timeText: string
  user: string
  sessionId: string
  /** The first 8 characters, for the eye; the link carries the whole id. */
  sessionShort: string
  fromMode: string
  trigger: string
}

export function escalationRows(latest: PolicyResponse['escalations']['latest'], timeZone: string): EscalationRow[] {
  return latest.map((e, i) => ({
    key: `${e.time}\u0000${e.sessionId}\u0000${i}`,
    time: e.time,
    timeText: formatInstant(e.time, timeZone),
    user: e.user,
    sessionId: e.sessionId,
    sessionShort: e.sessionId.length > 8 ? e.sessionId.slice(0, 8) : e.sessionId,
    fromMode: modeLabel(e.fromMode),
    trigger: e.trigger === '' ? groupLabel('') : e.trigger,
  }))
}

/** The drill-down's teams as bars, most denials first; a team the telemetry does not report reads "(not reported)". */
export function drillTeams(d: Pick<DenialsResponse, 'byTeam'>): BarItem[] {
  const total = d.byTeam.reduce((n, t) => n + t.denials, 0)
  return d.byTeam.map((t) => ({ label: t.team || '(not reported)', value: t.denials, share: total > 0 ? t.denials / total : 0 }))
}

type CoverageUser = CoverageResponse['users'][number]

/** How the managed settings in force are spread: users per set of sources, the gaps first. */
export function coverageSources(users: Pick<CoverageUser, 'managedSources'>[]): { sources: string; users: number; gap: boolean }[] {
  const counts = new Map<string, number>()
  for (const u of users) {
    // null: no managed_settings_resolved event (Claude Code before 2.1.274 sends none); []: resolved, no source.
    const key = u.managedSources === null ? 'not reported' : u.managedSources.length ? u.managedSources.join(', ') : 'none'
    counts.set(key, (counts.get(key) ?? 0) + 1)
  }
  const gap = (s: string) => s === 'none' || s === 'not reported'
  return [...counts]
    .map(([sources, n]) => ({ sources, users: n, gap: gap(sources) }))
    .sort((a, b) => Number(b.gap) - Number(a.gap) || b.users - a.users || a.sources.localeCompare(b.sources))
}

/** The users an admin should look at: on a version older than the floor, or without managed settings; oldest first. */
export function attentionRows(users: CoverageUser[]): (CoverageUser & { reasons: string[] })[] {
  return users
    .map((u) => ({
      ...u,
      reasons: [
        ...(u.belowFloor ? ['old version'] : []),
        ...(u.managedSources === null ? ['managed settings not reported'] : u.managedSources.length === 0 ? ['no managed settings'] : []),
      ],
    }))
    .filter((u) => u.reasons.length > 0)
    .sort((a, b) => Number(b.belowFloor === true) - Number(a.belowFloor === true) || a.user.localeCompare(b.user))
}

/** A team's versions in a few words: "2.1.328 ×12, 2.1.300 ×3, +2 more". */
export function versionsText(versions: { version: string; users: number }[], shown = 3): string {
  const parts = versions.slice(0, shown).map((v) => `${v.version || '(not reported)'} ×${formatCount(v.users)}`)
  return versions.length > shown ? `${parts.join(', ')}, +${versions.length - shown} more` : parts.join(', ')
}
