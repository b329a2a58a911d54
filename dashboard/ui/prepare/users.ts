import type { DatasetRow, SummaryFigures } from '../../../schemas/analytics'
import type { TimelineItem } from '../../../schemas/users'
import { filtersToSearch, type Filters } from '../filters'
import { formatCount, formatDuration, formatUsd } from '../format'
import { summaryStats, type HeadlineStat } from './overview'
import { groupLabel } from './series'

/**
 * Users, one user and one session: links that keep the global filters, the user's tiles and tools,
 * and the session timeline's rows. Pure and unit-tested (test/ui-prepare-adoption.test.ts).
 */

/** The global filters as a search string ("" or "?range=7d&tz=…"): what a link to another page keeps. */
export function filterSuffix(filters: Filters): string {
  const search = filtersToSearch(filters).toString()
  return search ? `?${search}` : ''
}

/** A user's page, `search` ("" or "?…") appended: the one place a user key becomes a path. */
export function userPath(user: string, search = ''): string {
  return `/users/${encodeURIComponent(user)}${search}`
}

export function userHref(user: string, filters: Filters): string {
  return userPath(user, filterSuffix(filters))
}

/** The users list, keeping the filters, with page options (e.g. sort=lastSeen). */
export function usersHref(filters: Filters, options: Record<string, string> = {}): string {
  const search = filtersToSearch(filters)
  for (const [k, v] of Object.entries(options)) search.set(k, v)
  return search.size ? `/users?${search}` : '/users'
}

export function sessionHref(session: string, filters: Filters): string {
  return `/sessions/${encodeURIComponent(session)}${filterSuffix(filters)}`
}

/** Sort orders of the users list (the API's `sort`), with their labels. */
export const USER_SORTS = [
  { value: 'costUsd', label: 'Cost' },
  { value: 'activeDays', label: 'Active days' },
  { value: 'sessions', label: 'Sessions' },
  { value: 'prompts', label: 'Prompts' },
  { value: 'lastSeen', label: 'Last seen' },
  { value: 'user', label: 'User (A–Z)' },
] as const
export type UserSort = (typeof USER_SORTS)[number]['value']
export const USER_SORT_VALUES: readonly UserSort[] = USER_SORTS.map((s) => s.value)

/** The search box's text as the API's `q`: trimmed, at most 200 characters; '' = no search. */
export function searchQuery(text: string): string {
  return text.trim().slice(0, 200)
}

/** One user's headline figures against the same elapsed span before (compare=previous). */
export function userStats(current: SummaryFigures, previous: SummaryFigures | null | undefined): HeadlineStat[] {
  return summaryStats(['cost', 'sessions', 'prompts', 'policy-denials', 'edit-accept-rate'], current, previous)
}

export interface ToolRow {
  tool: string
  decisions: number
  accepts: number
  rejects: number
  policyDenials: number
  policyDenialRate: number | null
  results: number
  failures: number
}

/** Tools dataset grouped by tool → table rows, most decisions first. */
export function toolRows(rows: DatasetRow<'tools'>[]): ToolRow[] {
  return rows
    .map((r) => ({
      tool: groupLabel(r.group),
      decisions: r.decisions ?? 0,
      accepts: r.accepts ?? 0,
      rejects: r.rejects ?? 0,
      policyDenials: r.policyDenials ?? 0,
      policyDenialRate: r.policyDenialRate ?? null,
      results: r.results ?? 0,
      failures: r.failures ?? 0,
    }))
    .sort((a, b) => b.decisions - a.decisions || b.results - a.results || a.tool.localeCompare(b.tool))
}

/** Seconds from start to end (ISO instants); never negative. */
export function durationSeconds(start: string, end: string): number {
  return Math.max(0, (Date.parse(end) - Date.parse(start)) / 1000)
}

const clocks = new Map<string, Intl.DateTimeFormat>()

/** An instant's wall-clock time with seconds in a zone, "14:05:09": the timeline's rows are seconds apart. */
export function formatClock(iso: string, timeZone: string): string {
  let f = clocks.get(timeZone)
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' })
    clocks.set(timeZone, f)
  }
  return f.format(new Date(iso))
}

export type Tone = 'good' | 'bad' | 'warn' | ''

export interface TimelineEntry {
  key: string
  time: string
  /** The event, as people read it ("API request"). */
  event: string
  /** Model or tool. */
  subject: string
  /** Tokens, decision source, detail … */
  detail: string
  command: string
  tags: { text: string; tone: Tone }[]
  cost: string
  duration: string
  denied: boolean
}

const EVENT_LABELS: Record<string, string> = {
  user_prompt: 'Prompt',
  api_request: 'API request',
  api_error: 'API error',
  tool_decision: 'Tool decision',
  tool_result: 'Tool result',
  permission_mode_changed: 'Permission mode',
  hook_execution_complete: 'Hook',
  assistant_response: 'Response',
}

export function eventLabel(event: string): string {
  const known = EVENT_LABELS[event]
  if (known) return known
  // Acronyms as people write them: "MCP server connection", "API retries exhausted".
  const words = event
    .replace(/^claude_code\./, '')
    .replace(/_/g, ' ')
    .replace(/\b(mcp|api|ide|id|url)\b/g, (w) => w.toUpperCase())
  return words.charAt(0).toUpperCase() + words.slice(1)
}

/** Token counts of an API request: "in 1,234 · out 567 · cache read 12.3K · cache write 80". */
export function tokenText(item: TimelineItem): string {
  const parts: string[] = []
  if (item.inputTokens !== undefined) parts.push(`in ${formatCount(item.inputTokens)}`)
  if (item.outputTokens !== undefined) parts.push(`out ${formatCount(item.outputTokens)}`)
  if (item.cacheReadTokens) parts.push(`cache read ${formatCount(item.cacheReadTokens)}`)
  if (item.cacheCreationTokens) parts.push(`cache write ${formatCount(item.cacheCreationTokens)}`)
  return parts.join(' · ')
}

/** One timeline item → a row: what happened, with denials marked. */
export function timelineEntry(item: TimelineItem, timeZone: string): TimelineEntry {
  const entry: TimelineEntry = {
    key: `${item.time}/${item.sequence}/${item.event}`,
    time: formatClock(item.time, timeZone),
    event: eventLabel(item.event),
    subject: item.model ?? item.tool ?? '',
    detail: item.detail ?? '',
    command: item.command ?? '',
    tags: [],
    cost: item.costUsd !== undefined ? formatUsd(item.costUsd) : '',
    duration: item.durationMs !== undefined ? formatDuration(item.durationMs / 1000) : '',
    denied: item.policyDenial === true,
  }
  switch (item.event) {
    case 'api_request':
      entry.detail = tokenText(item)
      break
    case 'tool_decision': {
      const decision = item.decision ?? ''
      if (entry.denied) entry.tags.push({ text: 'policy denial', tone: 'bad' })
      else if (decision) entry.tags.push({ text: decision, tone: decision === 'accept' ? 'good' : decision === 'reject' ? 'warn' : '' })
      entry.detail = item.source ? `source: ${item.source}` : ''
      break
    }
    case 'tool_result':
      if (item.success !== undefined) entry.tags.push(item.success ? { text: 'success', tone: 'good' } : { text: 'failed', tone: 'bad' })
      break
    case 'api_error':
      entry.tags.push({ text: 'error', tone: 'bad' })
      break
  }
  return entry
}

export interface PromptHeading {
  /** "Prompt 3". */
  title: string
  time: string
  length: string
  cost: string
  requests: string
}

export function promptHeading(
  prompt: { time: string; promptLength: number | null; costUsd: number; apiRequests: number },
  index: number,
  timeZone: string,
): PromptHeading {
  return {
    title: `Prompt ${index + 1}`,
    time: formatClock(prompt.time, timeZone),
    length: prompt.promptLength === null ? 'length not reported' : `${formatCount(prompt.promptLength)} characters`,
    cost: formatUsd(prompt.costUsd),
    requests: `${formatCount(prompt.apiRequests)} ${prompt.apiRequests === 1 ? 'request' : 'requests'}`,
  }
}
