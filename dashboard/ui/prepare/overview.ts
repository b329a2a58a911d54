import type { Coverage, SummaryFigures } from '../../../schemas/analytics'
import { previousCovered } from '../../../schemas/data-start'
import { change, formatCount, formatInstant, formatPercent, formatUsd, type Change } from '../format'

export interface HeadlineStat {
  id: string
  label: string
  value: string
  change: Change
  /** Whether up is good (cost and denials going up is not). */
  upIsGood: boolean
  hint: string
  /** The figure has no source in the range (null): why, shown on hover instead of a 0. */
  notReported?: string
}

type Formatter = (value: number | null | undefined) => string

interface StatSpec<T> {
  label: string
  pick: (figures: T) => number | null
  format: Formatter
  upIsGood: boolean
  hint: (figures: T) => string
}

/** Why a figure is null: who in the range sends events and metrics (the two sources of every measure). */
export function notReportedReason(coverage: Coverage | undefined): string {
  if (!coverage) return 'Not reported for this range and these filters'
  return (
    `Not reported: of ${formatCount(coverage.users)} active users, ${formatCount(coverage.usersWithEvents)} send events and ` +
    `${formatCount(coverage.usersWithMetrics)} send metrics, and this figure needs the source nobody here sends`
  )
}

/** One figure of `current` with its change against `previous` (unknown when either side is not reported). */
export function compareStat<T>(id: string, spec: StatSpec<T>, current: T, previous: T | null | undefined, coverage?: Coverage): HeadlineStat {
  const value = spec.pick(current)
  return {
    id,
    label: spec.label,
    value: spec.format(value),
    change: change(value, previous ? spec.pick(previous) : undefined),
    upIsGood: spec.upIsGood,
    hint: value === null ? notReportedReason(coverage) : spec.hint(current),
    ...(value === null ? { notReported: notReportedReason(coverage) } : {}),
  }
}

/** What a page's changes are measured against, in words and (on hover) as instants. */
export interface Comparison {
  text: string
  title: string
}

/**
 * Whether ccscope's data (its first record: /api/v1/meta `data.first`) reaches back to the start of the previous
 * span. When it begins inside that span, the span holds part of a period (the hours since telemetry arrived), and a
 * change against it ("▲ 211×") would set a period against a fragment: not like with like (docs/numbers.md).
 */
function covered(previous: { from: string } | null | undefined, dataFirst: string | null | undefined): boolean {
  return !previous || previousCovered(previous.from, dataFirst)
}

/** The previous answer a page's changes are measured against: none where the data does not cover it (previousCovered). */
export function comparedWith<P extends { range: { from: string } }>(
  previous: P | null | undefined,
  dataFirst: string | null | undefined,
): P | null | undefined {
  return previous && !covered(previous.range, dataFirst) ? null : previous
}

/**
 * The comparison the API answered (compare=previous, schemas/periods.ts): the same elapsed span of the
 * period before. Undefined while the answer is loading; null when the range has not begun. With `dataFirst`,
 * a span that begins before ccscope's data is named as not compared.
 */
export function comparisonNote(
  previous: { from: string; to: string; timeZone: string } | null | undefined,
  partial: boolean,
  dataFirst?: string | null,
): Comparison {
  if (previous === undefined) return { text: 'vs previous period', title: '' }
  if (previous === null) return { text: 'nothing to compare yet', title: 'The range has not begun' }
  const span = `${formatInstant(previous.from, previous.timeZone)} – ${formatInstant(previous.to, previous.timeZone)} (${previous.timeZone})`
  if (!covered(previous, dataFirst)) return notCompared(span)
  return partial
    ? { text: 'vs same span before', title: `Compared with ${span}: the period is not over, so it is compared with the same elapsed time of the one before` }
    : { text: 'vs previous period', title: `Compared with ${span}` }
}

/** The note for a previous span not compared with, `detail` naming it or the data start it was judged by. */
function notCompared(detail: string | null): Comparison {
  return {
    text: 'no earlier data',
    title: `Not compared: ccscope's data begins after the start of the period before${detail ? ` (${detail})` : ''}, which would hold only part of a period`,
  }
}

/** The note for a span the API did not compare with (previousCovered false), by the first record it judged by. */
function notCovered(dataFirst: string | null, timeZone: string): Comparison {
  return notCompared(dataFirst ? `its first record: ${formatInstant(dataFirst, timeZone)} ${timeZone}` : null)
}

/**
 * What a page's tiles compare with, once for all of them: the previous answer where ccscope's data covers it
 * (comparedWith), and the note every tile shows (comparisonNote). Undefined `answer`: still loading.
 */
export function comparison<P extends { range: { from: string; to: string; timeZone: string } }>(
  answer: { previous?: P | null | undefined; partial: boolean; previousCovered?: boolean; dataFirst?: string | null; range: { timeZone: string } } | undefined,
  dataFirst: string | null | undefined,
): { previous: P | null | undefined; note: Comparison } {
  if (!answer) return { previous: undefined, note: comparisonNote(undefined, false) }
  // The API judged it (compare=previous answers previousCovered): no previous figures, and the note says why.
  if (answer.previousCovered === false) return { previous: null, note: notCovered(answer.dataFirst ?? dataFirst ?? null, answer.range.timeZone) }
  return { previous: comparedWith(answer.previous, dataFirst), note: comparisonNote(answer.previous?.range ?? null, answer.partial, dataFirst) }
}

/** Every headline figure the summary answers, by id: pages pick the ones they show. */
export const SUMMARY_STATS = {
  'active-users': {
    label: 'Active users',
    pick: (s) => s.users,
    format: formatCount,
    upIsGood: true,
    hint: () => 'Distinct people with any Claude Code activity',
  },
  sessions: { label: 'Sessions', pick: (s) => s.sessions, format: formatCount, upIsGood: true, hint: () => 'Distinct Claude Code sessions' },
  prompts: { label: 'Prompts', pick: (s) => s.prompts, format: formatCount, upIsGood: true, hint: () => 'Prompts typed into Claude Code' },
  cost: { label: 'Cost', pick: (s) => s.costUsd, format: formatUsd, upIsGood: false, hint: () => "Claude Code's list-price estimate" },
  'cost-per-user-day': {
    label: 'Cost per active user-day',
    pick: (s) => s.costPerActiveUserDay,
    format: formatUsd,
    upIsGood: false,
    hint: () => 'Cost ÷ days on which each person was active',
  },
  'policy-denials': {
    label: 'Policy denials',
    pick: (s) => s.policyDenials,
    format: formatCount,
    upIsGood: false,
    hint: (s) => `${formatPercent(s.policyDenialRate)} of tool decisions were denied by a settings rule`,
  },
  'edit-accept-rate': {
    label: 'Edit accept rate',
    pick: (s) => s.editAcceptRate,
    format: formatPercent,
    upIsGood: true,
    hint: () => 'Suggested edits accepted ÷ all edit decisions',
  },
} satisfies Record<string, StatSpec<SummaryFigures>>

export type SummaryStatId = keyof typeof SUMMARY_STATS

export function summaryStats(ids: SummaryStatId[], current: SummaryFigures, previous: SummaryFigures | null | undefined): HeadlineStat[] {
  return ids.map((id) => compareStat(id, SUMMARY_STATS[id], current, previous, current.coverage))
}

/** The Overview's headline figures, with the change against the same elapsed span before (compare=previous). */
export function headlineStats(current: SummaryFigures, previous: SummaryFigures | null | undefined): HeadlineStat[] {
  return summaryStats(['active-users', 'sessions', 'cost', 'cost-per-user-day', 'policy-denials', 'edit-accept-rate'], current, previous)
}
