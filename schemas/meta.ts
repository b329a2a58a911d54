import { z } from 'zod'

/** A history being loaded into the warehouse (the demo's backfill): what the dashboard's progress banner shows. */
export const metaLoadingSchema = z.object({
  what: z.string().meta({ description: 'What is being loaded, e.g. "the demo fleet\'s history".' }),
  state: z.enum(['loading', 'complete', 'failed']),
  percent: z.number().min(0).max(100),
  records: z.object({
    loaded: z.number().int().meta({ description: 'Records loaded so far (as planned; the events and metric points of the windows done).' }),
    total: z.number().int(),
  }),
  from: z.string().meta({ description: 'The history spans [from, to).' }),
  to: z.string(),
  loadedFrom: z.string().nullable().meta({ description: 'Loaded newest first: the history is complete from here to `to` (null before the first part).' }),
  startedAt: z.string(),
  etaSeconds: z.number().nullable().meta({ description: 'Estimated seconds left while loading; null when unknown or done.' }),
  message: z.string().nullable().meta({ description: 'Why it failed, when it did.' }),
})
export type MetaLoading = z.infer<typeof metaLoadingSchema>

/** What the dashboard needs to know about the server: for the "point Claude Code here" empty state. */
export const metaResponseSchema = z.object({
  version: z.string(),
  otlp: z.object({ httpPort: z.number().int(), grpcPort: z.number().int(), authRequired: z.boolean() }),
  data: z.object({
    events: z.number().int().meta({ description: 'Events stored, all time.' }),
    first: z.string().nullable(),
    last: z.string().nullable(),
  }),
  loading: metaLoadingSchema.nullable().meta({ description: "A history loading in this process (the demo's), or null." }),
})
export type MetaResponse = z.infer<typeof metaResponseSchema>
