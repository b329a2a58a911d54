import type { SessionSpan } from '../../../schemas/users'

/**
 * A session's beta traces as waterfalls: one per trace (a prompt), its spans in tree order (a parent before
 * its children, children by start), each with its depth and its bar's place on the trace's time axis.
 */
export interface WaterfallRow {
  key: string
  depth: number
  label: string
  /** Where the bar starts and how wide it is, in % of the trace's span of time. */
  offsetPct: number
  widthPct: number
  durationMs: number
  error: boolean
}

export interface Waterfall {
  traceId: string
  /** The root's start (ISO). */
  start: string
  durationMs: number
  rows: WaterfallRow[]
}

const SHORT: Record<string, string> = {
  'claude_code.interaction': 'Prompt',
  'claude_code.llm_request': 'API request',
  'claude_code.tool': 'Tool',
  'claude_code.tool.execution': 'Execution',
  'claude_code.tool.blocked_on_user': 'Waiting for the user',
  'claude_code.hook': 'Hook',
}

/** What a row says: the kind of span, and the tool or model it is about. */
export function spanLabel(span: Pick<SessionSpan, 'name' | 'tool' | 'model'>): string {
  const kind = SHORT[span.name] ?? span.name.replace(/^claude_code\./, '')
  const what = span.name === 'claude_code.llm_request' ? span.model : span.name.startsWith('claude_code.tool') ? span.tool : ''
  return what ? `${kind} · ${what}` : kind
}

export function waterfalls(spans: readonly SessionSpan[]): Waterfall[] {
  const byTrace = new Map<string, SessionSpan[]>()
  for (const s of spans) byTrace.set(s.traceId, [...(byTrace.get(s.traceId) ?? []), s])
  const out: Waterfall[] = []
  for (const [traceId, members] of byTrace) {
    const ids = new Set(members.map((s) => s.spanId))
    const children = new Map<string, SessionSpan[]>()
    // A span whose parent is not here (not sent, or cut by the limit) is drawn as a root, not dropped.
    const roots: SessionSpan[] = []
    for (const s of members) {
      if (s.parentSpanId && ids.has(s.parentSpanId)) children.set(s.parentSpanId, [...(children.get(s.parentSpanId) ?? []), s])
      else roots.push(s)
    }
    const startOf = (s: SessionSpan) => Date.parse(s.start)
    const byStart = (a: SessionSpan, b: SessionSpan) => startOf(a) - startOf(b) || a.spanId.localeCompare(b.spanId)
    roots.sort(byStart)
    const t0 = Math.min(...members.map(startOf))
    const t1 = Math.max(...members.map((s) => startOf(s) + s.durationMs))
    const total = Math.max(t1 - t0, 1)
    const rows: WaterfallRow[] = []
    const visit = (s: SessionSpan, depth: number) => {
      rows.push({
        key: s.spanId,
        depth,
        label: spanLabel(s),
        offsetPct: ((startOf(s) - t0) / total) * 100,
        widthPct: Math.max((s.durationMs / total) * 100, 0.5),
        durationMs: s.durationMs,
        error: s.error,
      })
      for (const c of [...(children.get(s.spanId) ?? [])].sort(byStart)) visit(c, depth + 1)
    }
    for (const r of roots) visit(r, 0)
    out.push({ traceId, start: new Date(t0).toISOString(), durationMs: t1 - t0, rows })
  }
  return out.sort((a, b) => Date.parse(a.start) - Date.parse(b.start))
}
