import { z } from 'zod'

/** What the dashboard needs to know about the server: for the "point Claude Code here" empty state. */
export const metaResponseSchema = z.object({
  version: z.string(),
  otlp: z.object({ httpPort: z.number().int(), grpcPort: z.number().int(), authRequired: z.boolean() }),
  data: z.object({
    events: z.number().int().meta({ description: 'Events stored, all time.' }),
    first: z.string().nullable(),
    last: z.string().nullable(),
  }),
})
export type MetaResponse = z.infer<typeof metaResponseSchema>
