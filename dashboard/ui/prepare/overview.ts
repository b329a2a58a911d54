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

/** The Overview's headline figures, with the change against the previous period of the same length. */
export function headlineStats(current: SummaryResponse, previous: SummaryResponse | undefined): HeadlineStat[] {
  const p = previous
  return [
    { id: 'active-users', label: 'Active users', value: formatCount(current.users), change: change(current.users, p?.users), upIsGood: true, hint: 'Distinct people with any Claude Code activity' },
    { id: 'sessions', label: 'Sessions', value: formatCount(current.sessions), change: change(current.sessions, p?.sessions), upIsGood: true, hint: 'Distinct Claude Code sessions' },
    { id: 'cost', label: 'Cost', value: formatUsd(current.costUsd), change: change(current.costUsd, p?.costUsd), upIsGood: false, hint: "Claude Code's list-price estimate" },
    {
      id: 'cost-per-user-day',
      label: 'Cost per active user-day',
      value: formatUsd(current.costPerActiveUserDay),
      change: change(current.costPerActiveUserDay, p?.costPerActiveUserDay),
      upIsGood: false,
      hint: 'Cost ÷ days on which each person was active',
    },
    {
      id: 'policy-denials',
      label: 'Policy denials',
      value: formatCount(current.policyDenials),
      change: change(current.policyDenials, p?.policyDenials),
      upIsGood: false,
      hint: `${formatPercent(current.policyDenialRate)} of tool decisions were denied by a settings rule`,
    },
    {
      id: 'edit-accept-rate',
      label: 'Edit accept rate',
      value: formatPercent(current.editAcceptRate),
      change: change(current.editAcceptRate, p?.editAcceptRate),
      upIsGood: true,
      hint: 'Suggested edits accepted ÷ all edit decisions',
    },
  ]
}
