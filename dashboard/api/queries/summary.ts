import type { SummaryQuery, SummaryResponse } from '../../../schemas/analytics'
import type { Warehouse } from '../../../warehouse/client'
import type { Scope } from '../datasets'
import { roundUsd, runTotals } from './dataset'

/**
 * Headline figures for a range. Each is read from the dataset that is its source of truth
 * (warehouse/RULES.md): users, sessions, prompts, edit accept rate from adoption; requests, cost, tokens
 * from cost; decisions and denials from tools. So the summary equals every breakdown's totals.
 */
export async function querySummary(client: Warehouse, { range, filters }: SummaryQuery, scope: Scope): Promise<SummaryResponse> {
  const adoption = await runTotals(client, 'adoption', range, filters, scope, ['activeUsers', 'activeUserDays', 'sessions', 'prompts', 'editAcceptRate'])
  const cost = await runTotals(client, 'cost', range, filters, scope)
  const tools = await runTotals(client, 'tools', range, filters, scope, ['accepts', 'rejects', 'policyDenials', 'policyDenialRate'])
  const n = (v: number | null | undefined) => v ?? 0
  const userDays = n(adoption.activeUserDays)
  return {
    range: { from: range.from.toISOString(), to: range.to.toISOString(), timeZone: range.timeZone },
    users: n(adoption.activeUsers),
    sessions: n(adoption.sessions),
    apiRequests: n(cost.requests),
    costUsd: n(cost.costUsd),
    costPerActiveUserDay: userDays > 0 ? roundUsd(n(cost.costUsd) / userDays) : null,
    tokens: {
      input: n(cost.inputTokens),
      output: n(cost.outputTokens),
      cacheRead: n(cost.cacheReadTokens),
      cacheCreation: n(cost.cacheCreationTokens),
    },
    cacheSavingsUsd: n(cost.cacheSavingsUsd),
    prompts: n(adoption.prompts),
    editAcceptRate: adoption.editAcceptRate ?? null,
    toolDecisions: { accept: n(tools.accepts), reject: n(tools.rejects) },
    policyDenials: n(tools.policyDenials),
    policyDenialRate: tools.policyDenialRate ?? null,
  }
}
