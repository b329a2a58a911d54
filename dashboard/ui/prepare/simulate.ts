import type { SimulateResponse } from '../../../schemas/simulate'

/** The policy simulator's screen (components/PolicySimulator.tsx): pure, tested in test/ui-prepare-simulate.test.ts. */

export const VERDICT_LABELS: Record<keyof SimulateResponse['verdicts'], string> = {
  deny: 'Denied',
  ask: 'Asked',
  allow: 'Allowed',
  default: 'No rule (tool default)',
  unknown: 'Unknown',
}

export const RECORDED_LABELS: Record<SimulateResponse['comparison'][number]['recorded'], string> = {
  accepted: 'Ran (accepted)',
  policy_denied: 'Denied by policy',
  user_rejected: 'Rejected by the user',
  hook_blocked: 'Blocked by a hook',
  other_rejected: 'Rejected (other)',
}

/** What was typed or loaded: the settings object, or what is wrong with it, in words. */
export function parseSettings(text: string): { settings: Record<string, unknown> } | { error: string } {
  if (text.trim() === '') return { error: 'Paste a managed-settings.json (or load the file) to simulate it.' }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    return { error: `Not valid JSON: ${(error as Error).message}` }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return { error: 'The file must be a JSON object, like {"permissions": {"deny": […]}}.' }
  const permissions = (value as { permissions?: unknown }).permissions
  if (permissions === undefined) return { error: 'No "permissions" in this file: there are no rules to simulate.' }
  return { settings: value as Record<string, unknown> }
}

export interface ComparisonRow {
  recorded: string
  label: string
  cells: Record<keyof SimulateResponse['verdicts'], number>
  total: number
}

/** What happened (rows) against what these rules decide (columns), rows in a fixed order, empty rows left out. */
export function comparisonRows(comparison: SimulateResponse['comparison']): ComparisonRow[] {
  const rows: ComparisonRow[] = []
  for (const recorded of Object.keys(RECORDED_LABELS) as (keyof typeof RECORDED_LABELS)[]) {
    const cells = { deny: 0, ask: 0, allow: 0, default: 0, unknown: 0 }
    for (const c of comparison) if (c.recorded === recorded) cells[c.simulated] += c.calls
    const total = Object.values(cells).reduce((a, b) => a + b, 0)
    if (total > 0) rows.push({ recorded, label: RECORDED_LABELS[recorded], cells, total })
  }
  return rows
}

/** One line saying what the rules decide. */
export function verdictSummary(r: SimulateResponse): string {
  const parts = (Object.keys(VERDICT_LABELS) as (keyof typeof VERDICT_LABELS)[])
    .filter((v) => r.verdicts[v] > 0)
    .map((v) => `${VERDICT_LABELS[v].toLowerCase()} ${r.verdicts[v].toLocaleString('en-US')}`)
  return parts.length ? `These rules: ${parts.join(', ')}.` : 'No tool calls were recorded in this range.'
}

/** How much of the range the simulation can see: calls recorded with their details. */
export function detailNote(r: SimulateResponse): string | null {
  if (r.scanned.calls === 0) return null
  const share = r.scanned.withDetails / r.scanned.calls
  if (share >= 0.999) return null
  return `${Math.round((1 - share) * 100)}% of the calls are Bash or MCP calls sent without their command or MCP names (Claude Code sends them with OTEL_LOG_TOOL_DETAILS=1): rules that need them count those calls as unknown.`
}
