import type { Coverage } from '../../../schemas/analytics'
import type { ReliabilityResponse } from '../../../schemas/reliability'
import { formatCount, formatDecimal, formatPercent } from '../format'

/**
 * The Reliability page's data shaping. Pure and unit-tested (test/ui-prepare-reliability.test.ts): the page
 * only wires the one request to these and draws what they return.
 */

type Sections = Omit<ReliabilityResponse, 'range' | 'coverage'>
export type SectionName = keyof Sections
type Api = NonNullable<ReliabilityResponse['api']>

/** A section as the page draws it: not reported (nobody here sends events), nothing recorded, or figures. */
export type SectionState<T> = { kind: 'not-reported'; coverage: Coverage } | { kind: 'empty' } | { kind: 'data'; data: T }

/** Whether a section has anything to show: each section's own count of events. */
const COUNT: { [K in SectionName]: (s: NonNullable<Sections[K]>) => number } = {
  api: (s) => s.totals.requests + s.totals.errors + s.totals.refusals + s.totals.refusalsRetried,
  subagents: (s) => s.completions,
  skills: (s) => s.activations,
  plugins: (s) => s.byPlugin.length,
  mcp: (s) => s.byStatus.reduce((n, x) => n + x.events, 0),
  compaction: (s) => s.compactions,
  internalErrors: (s) => s.errors,
}

export function sectionState<K extends SectionName>(d: ReliabilityResponse, name: K): SectionState<NonNullable<Sections[K]>> {
  const section = d[name] as Sections[K]
  if (section === null) return { kind: 'not-reported', coverage: d.coverage }
  const data = section as NonNullable<Sections[K]>
  return COUNT[name](data) === 0 ? { kind: 'empty' } : { kind: 'data', data }
}

/** What an empty section says: that nothing was recorded in the range, not that something failed to load. */
export const EMPTY_TEXT: Record<SectionName, string> = {
  api: 'No API requests, errors or refusals recorded in this range.',
  subagents: 'No sub-agent completed in this range.',
  skills: 'No skill ran in this range.',
  plugins: 'No plugin was loaded or installed in this range.',
  mcp: 'No MCP server connections recorded in this range.',
  compaction: 'No conversation was compacted in this range.',
  internalErrors: 'No internal errors recorded in this range. (Claude Code does not send them on Bedrock, Vertex, Foundry or with DISABLE_ERROR_REPORTING.)',
}

export interface Tile {
  id: string
  label: string
  value: string
  /** On hover: where the figure comes from, or the counts behind a rate. */
  hint: string
  /** A rate: drawn with its counts (components/Rate.tsx), greyed on a small denominator. */
  rate?: { numerator: number; denominator: number; of: string }
}

/** The headline tiles; none when the API section is not reported (the page says so instead). */
export function headlineTiles(d: ReliabilityResponse): Tile[] {
  if (!d.api) return []
  const t = d.api.totals
  const tiles: Tile[] = [
    { id: 'requests', label: 'API requests', value: formatCount(t.requests), hint: 'api_request events' },
    { id: 'errors', label: 'API errors', value: formatCount(t.errors), hint: 'api_error events: requests that failed after their last retry' },
    {
      id: 'error-rate',
      label: 'Error rate',
      value: formatPercent(t.errorRate),
      hint: 'errors ÷ (requests + errors)',
      rate: { numerator: t.errors, denominator: t.requests + t.errors, of: 'requests failed' },
    },
    { id: 'retries-exhausted', label: 'Retries exhausted', value: formatCount(t.retriesExhausted), hint: 'Errors after more than one try: part of the errors' },
    { id: 'refusals', label: 'Refusals', value: formatCount(t.refusals), hint: 'Responses that ended in a refusal (not errors)' },
  ]
  if (d.mcp)
    tiles.push({
      id: 'mcp-failure-rate',
      label: 'MCP connection failures',
      value: formatPercent(d.mcp.failureRate),
      hint: 'failures ÷ (connects + failures)',
      rate: { numerator: d.mcp.failures, denominator: d.mcp.connects + d.mcp.failures, of: 'connection attempts failed' },
    })
  return tiles
}

export interface ApiRow {
  key: string
  label: string
  /** Null: not reported (a team none of whose active users sends events). */
  requests: number | null
  errors: number | null
  /** The error rate's denominator: requests + errors. */
  attempts: number | null
  retriesExhausted: number | null
  refusals: number | null
  /** "0 of 3 active users send events" for a team not reported. */
  hint: string | undefined
}

export function modelRows(api: Api): ApiRow[] {
  return api.byModel.map((m) => ({
    key: m.model,
    label: m.model === '' ? '(model not sent)' : m.model,
    requests: m.requests,
    errors: m.errors,
    attempts: m.requests + m.errors,
    retriesExhausted: m.retriesExhausted,
    refusals: m.refusals,
    hint: undefined,
  }))
}

/** Teams with figures first (most errors first), then those not reported. */
export function teamRows(api: Api): ApiRow[] {
  return api.byTeam
    .map((t) => {
      const f = t.figures
      return {
        key: t.team,
        label: t.team === '' ? '(no team)' : t.team,
        requests: f ? f.requests : null,
        errors: f ? f.errors : null,
        attempts: f ? f.requests + f.errors : null,
        retriesExhausted: f ? f.retriesExhausted : null,
        refusals: f ? f.refusals : null,
        hint: f ? undefined : `Not reported: ${formatCount(t.usersWithEvents)} of ${formatCount(t.users)} active users send events (metrics only)`,
      }
    })
    .sort((a, b) => Number(a.errors === null) - Number(b.errors === null) || (b.errors ?? 0) - (a.errors ?? 0) || a.label.localeCompare(b.label))
}

const STATUS_TEXT: Record<string, string> = {
  '400': 'Bad request',
  '401': 'Unauthorized',
  '403': 'Forbidden',
  '404': 'Not found',
  '408': 'Request timeout',
  '413': 'Request too large',
  '429': 'Rate limited',
  '500': 'Internal server error',
  '502': 'Bad gateway',
  '503': 'Unavailable',
  '504': 'Gateway timeout',
  '529': 'Overloaded',
}

export function statusLabel(code: string): string {
  if (code === '') return 'Network error (no status)'
  const text = STATUS_TEXT[code]
  return text ? `${code} ${text}` : code
}

export function statusRows(api: Api): { key: string; label: string; errors: number; retriesExhausted: number }[] {
  return api.errorsByStatus.map((s) => ({ key: s.statusCode, label: statusLabel(s.statusCode), errors: s.errors, retriesExhausted: s.retriesExhausted }))
}

export function categoryRows(api: Api): { key: string; label: string; hint: string | undefined; refusals: number }[] {
  return api.refusalsByCategory.map((c) => ({
    key: c.category,
    label: c.category === '' ? 'Not sent' : c.category,
    hint: c.category === '' ? 'Claude Code sends the category only with OTEL_LOG_TOOL_DETAILS=1' : undefined,
    refusals: c.refusals,
  }))
}

/** A name Claude Code sent in place of hidden ones: says that it stands for many. */
export function nameLabel(name: string, placeholder: boolean): { label: string; hint: string | undefined } {
  if (name === '') return { label: '(not sent)', hint: undefined }
  if (!placeholder) return { label: name, hint: undefined }
  return {
    label: `${name} (hidden names)`,
    hint: `“${name}” is what Claude Code sends for every name it hides without OTEL_LOG_TOOL_DETAILS=1: many of them, not one.`,
  }
}

/** Milliseconds as people read a duration: 850 ms, 2.4 s, 3.1 min. */
export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—'
  if (ms < 1000) return `${formatCount(Math.round(ms))} ms`
  if (ms < 60_000) return `${formatDecimal(ms / 1000)} s`
  return `${formatDecimal(ms / 60_000)} min`
}

export function agentRows(s: NonNullable<ReliabilityResponse['subagents']>) {
  return s.byAgent.map((a) => ({
    key: a.agentType,
    ...nameLabel(a.agentType, a.placeholder),
    completions: a.completions,
    users: a.users,
    mean: formatMs(a.meanDurationMs),
    p50: formatMs(a.p50DurationMs),
    toolUses: a.toolUses,
    toolUsesPerRun: a.completions > 0 ? a.toolUses / a.completions : null,
  }))
}

export function skillRows(s: NonNullable<ReliabilityResponse['skills']>) {
  return s.bySkill.map((k) => ({
    key: `${k.skill}\u0000${k.invocationTrigger}`,
    ...nameLabel(k.skill, k.placeholder),
    trigger: k.invocationTrigger === '' ? '—' : k.invocationTrigger,
    activations: k.activations,
    users: k.users,
  }))
}

export function pluginRows(s: NonNullable<ReliabilityResponse['plugins']>) {
  return s.byPlugin.map((p) => {
    const name = nameLabel(p.plugin, p.placeholder)
    return {
      key: p.plugin,
      label: name.label,
      hint: p.placeholder ? `${name.hint ?? ''} ${formatCount(p.distinctPlugins)} distinct plugins by plugin_id_hash.`.trim() : name.hint,
      usersLoaded: p.usersLoaded,
      sessionsLoaded: p.sessionsLoaded,
      installs: p.installs,
      usersInstalled: p.usersInstalled,
    }
  })
}

/** What a row of a hidden server name is counted by, and why (server_name needs OTEL_LOG_TOOL_DETAILS). */
const IDENTIFIED_BY: Record<'name' | 'plugin' | 'transport', { kind: string; hint: string | undefined }> = {
  name: { kind: 'server', hint: undefined },
  plugin: { kind: 'plugin', hint: 'Server name not sent (OTEL_LOG_TOOL_DETAILS off): counted under the plugin that brings it' },
  transport: { kind: 'transport', hint: 'Server name not sent (OTEL_LOG_TOOL_DETAILS off): every such server of this transport, together' },
}

export function mcpRows(s: NonNullable<ReliabilityResponse['mcp']>) {
  return s.byServer.map((m) => ({
    key: `${m.identifiedBy}\u0000${m.server}`,
    label: m.server === '' ? '(not sent)' : m.server,
    kind: IDENTIFIED_BY[m.identifiedBy].kind,
    hint: IDENTIFIED_BY[m.identifiedBy].hint,
    hidden: m.identifiedBy !== 'name',
    connects: m.connects,
    failures: m.failures,
    attempts: m.connects + m.failures,
    topErrorCode: m.topErrorCode ?? '—',
    users: m.users,
  }))
}

export function compactionTiles(c: NonNullable<ReliabilityResponse['compaction']>): Tile[] {
  return [
    { id: 'compactions', label: 'Compactions', value: formatCount(c.compactions), hint: 'compaction events' },
    { id: 'auto-manual', label: 'Auto / manual', value: `${formatCount(c.auto)} / ${formatCount(c.manual)}`, hint: 'trigger: auto or manual (/compact)' },
    {
      id: 'compaction-success',
      label: 'Success rate',
      value: formatPercent(c.successRate),
      hint: 'success=true ÷ compactions that sent success',
      rate: { numerator: c.succeeded, denominator: c.succeeded + c.failed, of: 'compactions succeeded' },
    },
    {
      id: 'tokens-saved',
      label: 'Mean tokens saved',
      value: c.meanTokensSaved === null ? '—' : formatCount(Math.round(c.meanTokensSaved)),
      hint: 'pre_tokens − post_tokens, over successful compactions',
    },
    { id: 'compaction-duration', label: 'Mean duration', value: formatMs(c.meanDurationMs), hint: 'duration_ms' },
  ]
}

export function internalErrorRows(s: NonNullable<ReliabilityResponse['internalErrors']>) {
  return s.byError.map((e) => ({
    key: `${e.errorName}\u0000${e.errorCode}`,
    name: e.errorName === '' ? '(not sent)' : e.errorName,
    code: e.errorCode === '' ? '—' : e.errorCode,
    errors: e.errors,
    users: e.users,
  }))
}
