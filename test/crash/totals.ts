import type { AnyValueMap } from '@opentelemetry/api-logs'
import type { PointDraft } from '../../simulator/metrics'
import type { Series } from '../../simulator/session'

/**
 * What one crash-test request adds to every figure when it is stored exactly once, computed from the
 * records it holds. Money in integer micro-dollars, so that sums are exact.
 */
export interface Totals {
  events: number
  apiRequests: number
  costMicros: number
  inputTokens: number
  prompts: number
  toolResults: number
  hooks: number
  metricPoints: number
  metricCostMicros: number
  metricInputTokens: number
  linesAdded: number
  sessionsStarted: number
}

export const zeroTotals = (): Totals => ({
  events: 0,
  apiRequests: 0,
  costMicros: 0,
  inputTokens: 0,
  prompts: 0,
  toolResults: 0,
  hooks: 0,
  metricPoints: 0,
  metricCostMicros: 0,
  metricInputTokens: 0,
  linesAdded: 0,
  sessionsStarted: 0,
})

export function addTotals(into: Totals, more: Totals): void {
  for (const key of Object.keys(into) as (keyof Totals)[]) into[key] += more[key]
}

const micros = (usd: number) => Math.round(usd * 1e6)

/** One event's contribution, from its event.name and attributes (as the verifier sums them). */
export function addEvent(into: Totals, attributes: AnyValueMap): void {
  into.events++
  switch (attributes['event.name']) {
    case 'api_request':
      into.apiRequests++
      into.costMicros += micros(Number(attributes.cost_usd ?? 0))
      into.inputTokens += Number(attributes.input_tokens ?? 0)
      break
    case 'user_prompt':
      into.prompts++
      break
    case 'tool_result':
      into.toolResults++
      break
    case 'hook_execution_complete':
      into.hooks++
      break
  }
}

/**
 * One metric point's contribution: what it adds to its series (its value when delta; the growth of the
 * running total since the series' previous point when cumulative, `previous` holding the last totals).
 */
export function addPoint(into: Totals, series: Series, point: PointDraft, previous: Map<string, number> | undefined, stream: string): void {
  into.metricPoints++
  const scaled = series.metric === 'claude_code.cost.usage' ? micros(point.value) : point.value
  let growth = scaled
  if (previous) {
    growth = scaled - (previous.get(stream) ?? 0)
    previous.set(stream, scaled)
  }
  if (series.metric === 'claude_code.cost.usage') into.metricCostMicros += growth
  else if (series.metric === 'claude_code.token.usage' && series.attrs.type === 'input') into.metricInputTokens += growth
  else if (series.metric === 'claude_code.lines_of_code.count' && series.attrs.type === 'added') into.linesAdded += growth
  else if (series.metric === 'claude_code.session.count') into.sessionsStarted += growth
}
