import type { SummaryResponse } from '../../../schemas/analytics'
import { change, formatCount, formatPercent, formatUsd, type Change } from '../format'

export interface HeadlineStat {
  id: string
  label: string
  value: string
  change: Change
  /** Whether up is good (cost and denials going up is not). */
  upIsGood: boolean
  hint: string
}

type Formatter = (value: number | null | undefined) => string

interface StatSpec<T> {
  label: string
  pick: (figures: T) => number | null
  format: Formatter
  upIsGood: boolean
  hint: (figures: T) => string
}

/** One figure of `current` with its change against `previous`. */
export function compareStat<T>(id: string, spec: StatSpec<T>, current: T, previous: T | undefined): HeadlineStat {
  const value = spec.pick(current)
  return {
    id,
    label: spec.label,
    value: spec.format(value),
    change: change(value, previous === undefined ? undefined : spec.pick(previous)),
    upIsGood: spec.upIsGood,
    hint: spec.hint(current),
  }
}

/** Every headline figure the summary answers, by id: pages pick the ones they show. */
export const SUMMARY_STATS = {
  'active-users': { label: 'Active users', pick: (s) => s.users, format: formatCount, upIsGood: true, hint: () => 'Distinct people with any Claude Code activity' },
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
} satisfies Record<string, StatSpec<SummaryResponse>>

export type SummaryStatId = keyof typeof SUMMARY_STATS

export function summaryStats(ids: SummaryStatId[], current: SummaryResponse, previous: SummaryResponse | undefined): HeadlineStat[] {
  return ids.map((id) => compareStat(id, SUMMARY_STATS[id], current, previous))
}

/** The Overview's headline figures, with the change against the previous period of the same length. */
export function headlineStats(current: SummaryResponse, previous: SummaryResponse | undefined): HeadlineStat[] {
  return summaryStats(['active-users', 'sessions', 'cost', 'cost-per-user-day', 'policy-denials', 'edit-accept-rate'], current, previous)
}
