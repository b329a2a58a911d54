import type { Coverage, DatasetResponse, DatasetRow } from '../../../schemas/analytics'
import type { SeatTeam, UserRow, UsersResponse } from '../../../schemas/users'
import { addDays } from '../filters'
import { formatCount, formatDecimal, formatDuration, formatPercent } from '../format'
import { compareStat, type HeadlineStat } from './overview'
import { daysOf, groupLabel, pointValue, type PeriodRow, type SeriesPoint } from './series'

/**
 * Adoption page data: periods of a range (days or Monday weeks), multi-measure series, the range's
 * tiles, adoption by team and the lifecycle (new, returning, gone quiet, seats). Pure and unit-tested
 * (test/ui-prepare-adoption.test.ts).
 */

export type Step = 'day' | 'week'

/** The Monday on or before a date (YYYY-MM-DD): where the API's weeks start. */
export function mondayOf(date: string): string {
  const weekday = new Date(`${date}T00:00:00Z`).getUTCDay() // 0 = Sunday
  return addDays(date, -((weekday + 6) % 7))
}

/**
 * The weeks that meet [from, to), as the API labels them (their Monday, YYYY-MM-DD): the first may
 * start before `from` and the last end after `to` (partial weeks).
 */
export function weeksOf(from: string, to: string): string[] {
  const out: string[] = []
  for (let w = mondayOf(from); w < to; w = addDays(w, 7)) out.push(w)
  return out
}

export function periodsOf(step: Step, from: string, to: string): string[] {
  return step === 'week' ? weeksOf(from, to) : daysOf(from, to)
}

/**
 * Several measures per period, one key per measure (in the order of `periods`; rows outside it are left out):
 * pointValue's rule, so a measure its row does not report is a gap, and a period without a row is 0.
 */
export function multiSeries(rows: PeriodRow[], measures: readonly string[], periods: string[]): SeriesPoint[] {
  const byPeriod = new Map(rows.filter((r) => r.period).map((r) => [r.period as string, r]))
  return periods.map((period) => {
    const row = byPeriod.get(period)
    const point: SeriesPoint = { period }
    for (const m of measures) point[m] = pointValue(row, m)
    return point
  })
}

export type AdoptionTotals = DatasetResponse<'adoption'>['totals']

/** The range's adoption figures, each against the same elapsed span before (compare=previous). */
export function adoptionStats(current: AdoptionTotals, previous: AdoptionTotals | null | undefined, coverage?: Coverage): HeadlineStat[] {
  const stat = (id: keyof AdoptionTotals, label: string, format: (v: number | null | undefined) => string, hint: string, upIsGood = true): HeadlineStat =>
    compareStat<AdoptionTotals>(id, { label, pick: (t) => t[id] ?? null, format, upIsGood, hint: () => hint }, current, previous, coverage)
  return [
    stat('activeUsers', 'Active users', formatCount, 'Distinct people with any Claude Code activity in the range'),
    stat('sessions', 'Sessions', formatCount, 'Distinct Claude Code sessions'),
    stat('prompts', 'Prompts', formatCount, 'Prompts typed into Claude Code'),
    stat('promptsPerUser', 'Prompts per user', formatDecimal, 'Prompts ÷ active users who send events (prompts come from events only)'),
    stat('activeTimeUserSeconds', 'Active time (user)', formatDuration, 'Time people spent interacting with Claude Code'),
    stat('activeTimeCliSeconds', 'Active time (CLI)', formatDuration, 'Time Claude Code spent working (tools, model calls)'),
    stat('linesAdded', 'Lines added', formatCount, `Lines of code added by Claude Code; ${formatCount(current.linesRemoved)} removed`),
    stat('commits', 'Commits', formatCount, 'Git commits created by Claude Code'),
    stat('pullRequests', 'Pull requests', formatCount, 'Pull requests created by Claude Code'),
    stat('editAcceptRate', 'Edit accept rate', formatPercent, 'Suggested edits accepted ÷ all edit decisions'),
  ]
}

export interface TeamRow {
  team: string
  activeUsers: number
  activeUserDays: number
  sessions: number
  /** From events: null (not reported) for a team that sends metrics only. */
  prompts: number | null
  promptsPerUser: number | null
  /** From metrics: null (not reported) for a team that sends events only. */
  linesAdded: number | null
  linesRemoved: number | null
  commits: number | null
  pullRequests: number | null
  editAcceptRate: number | null
}

const n = (v: number | null | undefined) => v ?? 0
/** A measure that may be not reported: null stays null (shown as —), absent is 0. */
const reported = (v: number | null | undefined) => (v === null ? null : (v ?? 0))

/** Adoption grouped by team → table rows, most active users first (then by name). */
export function teamRows(rows: DatasetRow<'adoption'>[]): TeamRow[] {
  return rows
    .map((r) => ({
      team: groupLabel(r.group),
      activeUsers: n(r.activeUsers),
      activeUserDays: n(r.activeUserDays),
      sessions: n(r.sessions),
      prompts: reported(r.prompts),
      promptsPerUser: r.promptsPerUser ?? null,
      linesAdded: reported(r.linesAdded),
      linesRemoved: reported(r.linesRemoved),
      commits: reported(r.commits),
      pullRequests: reported(r.pullRequests),
      editAcceptRate: r.editAcceptRate ?? null,
    }))
    .sort((a, b) => b.activeUsers - a.activeUsers || a.team.localeCompare(b.team))
}

export interface LifecycleTile {
  id: 'active' | 'new' | 'returning' | 'quiet'
  label: string
  value: string
  hint: string
  tone: 'good' | 'warn' | ''
}

/** The lifecycle counts as tiles. */
export function lifecycleTiles(counts: UsersResponse['counts'], quietDays: number): LifecycleTile[] {
  return [
    { id: 'active', label: 'Active users', value: formatCount(counts.activeUsers), hint: 'Active at any time in the range', tone: '' },
    { id: 'new', label: 'New', value: formatCount(counts.newUsers), hint: 'First seen inside the range', tone: 'good' },
    { id: 'returning', label: 'Returning', value: formatCount(counts.returningUsers), hint: 'First seen before the range', tone: '' },
    {
      id: 'quiet',
      label: 'Gone quiet',
      value: formatCount(counts.quietUsers),
      hint: `Active in the range but not in its last ${quietDays} days`,
      tone: counts.quietUsers > 0 ? 'warn' : '',
    },
  ]
}

/** The users who have gone quiet, longest silent first. */
export function quietUsers(rows: UserRow[]): UserRow[] {
  return rows.filter((r) => r.quiet).sort((a, b) => a.lastSeen.localeCompare(b.lastSeen) || a.user.localeCompare(b.user))
}

export interface SeatFigures {
  active: string
  total: string
  utilization: string
  /** 0–1 for a meter; 0 when there are no seats. */
  ratio: number
}

export function seatFigures(seats: NonNullable<UsersResponse['seats']>): SeatFigures {
  return {
    active: formatCount(seats.active),
    total: formatCount(seats.total),
    utilization: formatPercent(seats.utilization),
    ratio: seats.utilization === null ? 0 : Math.min(1, Math.max(0, seats.utilization)),
  }
}

export interface SeatTeamRow {
  team: string
  seats: string
  active: string
  /** Seats with no activity in the range. */
  idle: string
  utilization: string
  ratio: number
}

/** Seat utilization per team for the table: the least used seats first (where a manager looks), then by team. */
export function seatTeamRows(teams: SeatTeam[]): SeatTeamRow[] {
  return [...teams]
    .sort((a, b) => a.utilization - b.utilization || a.team.localeCompare(b.team))
    .map((t) => ({
      team: t.team === '' ? '(no team)' : t.team,
      seats: formatCount(t.seats),
      active: formatCount(t.active),
      idle: formatCount(t.seats - t.active),
      utilization: formatPercent(t.utilization),
      ratio: Math.min(1, Math.max(0, t.utilization)),
    }))
}

/** A duration axis label: whole units, shorter than formatDuration ("45s", "20m", "1.5h"). */
export function durationTick(seconds: number): string {
  if (seconds === 0) return '0'
  if (Math.abs(seconds) < 60) return `${formatDecimal(seconds)}s`
  if (Math.abs(seconds) < 3600) return `${formatDecimal(seconds / 60)}m`
  return `${formatDecimal(seconds / 3600)}h`
}
