import { z } from 'zod'
import { checkRange, rangeFields, rangeResponseSchema } from './analytics'

/**
 * Waste patterns (issue 17; docs/waste.md): sessions that spent without result, or fought the policy or
 * the API, each detected by a stated rule and priced in USD where the telemetry can price it.
 */

export const WASTE_KINDS = ['denialLoop', 'costlyNoEdit', 'retryStorm', 'runawaySubagent'] as const
export type WasteKind = (typeof WASTE_KINDS)[number]

export const wasteParamsSchema = z.strictObject({
  ...rangeFields,
  minCostUsd: z.coerce.number().min(0).max(100_000).default(5).meta({ description: 'costlyNoEdit: a session costing at least this much (USD).' }),
  minRepeats: z.coerce.number().int().min(2).max(1000).default(3).meta({ description: 'denialLoop and retryStorm: at least this many in one session.' }),
})
export const wasteQuerySchema = wasteParamsSchema.transform((value, ctx) => ({
  range: checkRange(value, ctx),
  minCostUsd: value.minCostUsd,
  minRepeats: value.minRepeats,
}))
export type WasteQuery = z.output<typeof wasteQuerySchema>

export const WASTE_EXAMPLES = 10

const exampleSchema = z.object({
  sessionId: z.string(),
  user: z.string(),
  detail: z.string(),
  usd: z.number().nullable().meta({ description: "This session's priced waste; null when this pattern is not priced." }),
})

export const wastePatternSchema = z.object({
  kind: z.enum(WASTE_KINDS),
  title: z.string(),
  rule: z.string().meta({ description: 'How the pattern is detected, in words.' }),
  pricing: z.string().meta({ description: 'How it is priced, or why it cannot be.' }),
  sessions: z.number().int().meta({ description: 'Sessions showing the pattern in the range.' }),
  occurrences: z.number().int(),
  usd: z.number().nullable().meta({ description: 'Priced waste in the range (USD); null when the pattern cannot be priced from telemetry.' }),
  usdPerMonth: z.number().nullable().meta({ description: 'usd scaled to 30 days: usd × 30 ÷ the days answered.' }),
  examples: z.array(exampleSchema).meta({ description: `The ${WASTE_EXAMPLES} sessions with the most waste, linked from the page.` }),
})
export type WastePattern = z.infer<typeof wastePatternSchema>

export const wasteResponseSchema = z.object({
  range: rangeResponseSchema,
  days: z.number().meta({ description: 'Days answered (to the last complete 15-minute bucket), for the monthly figure.' }),
  patterns: z.array(wastePatternSchema),
})
export type WasteResponse = z.infer<typeof wasteResponseSchema>
