import { z } from 'zod'
import { checkRange, rangeFields, rangeResponseSchema } from './analytics'
import { ATTRIBUTION_BY } from './datasets'

export { ATTRIBUTION_BY }

/** Cost by repository, workflow run or entrypoint (docs/attribution.md). Client-safe: zod only. */

export type AttributionBy = (typeof ATTRIBUTION_BY)[number]

export const attributionParamsSchema = z.strictObject({
  ...rangeFields,
  by: z.enum(ATTRIBUTION_BY).default('repository'),
  limit: z.coerce.number().int().min(1).max(1000).default(50),
})
export const attributionQuerySchema = attributionParamsSchema.transform((value, ctx) => {
  const range = checkRange(value, ctx)
  if (range.timeZone !== 'UTC') ctx.addIssue({ code: 'custom', path: ['tz'], message: 'attribution is kept per UTC day: tz must be UTC' })
  return { range, by: value.by, limit: value.limit }
})
export type AttributionQuery = z.output<typeof attributionQuerySchema>

export const attributionResponseSchema = z.object({
  range: rangeResponseSchema,
  by: z.enum(ATTRIBUTION_BY),
  rows: z.array(
    z.object({
      group: z.string().meta({ description: "The repository, workflow run id or entrypoint; '' = the requests carried none." }),
      workflowName: z.string().optional().meta({ description: 'by=workflow: the run’s workflow name, when sent.' }),
      costUsd: z.number(),
      requests: z.number().int(),
      sessions: z.number().int(),
      users: z.number().int(),
    }),
  ),
  truncated: z.boolean(),
  totals: z.object({
    eventsCostUsd: z.number().meta({ description: 'Cost of the api_request events in the range: what the rows share out.' }),
    costUsd: z.number().meta({ description: "The Cost page's total for the same UTC days (events, else cost metrics)." }),
    notAttributableUsd: z.number().meta({
      description: 'costUsd − eventsCostUsd: cost known only from metrics (sessions that send no api_request event), which carries no request attributes here.',
    }),
    unattributedUsd: z.number().meta({ description: 'Of eventsCostUsd, the requests that carried no value for `by`.' }),
  }),
})
export type AttributionResponse = z.infer<typeof attributionResponseSchema>
