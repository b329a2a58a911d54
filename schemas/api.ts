import { z } from 'zod'

/**
 * The HTTP API's request and response shapes, shared by the API handlers and the dashboard.
 * Client-safe: zod and types only.
 */

const isoDate = z.iso.date()
const isoDateTime = z.iso.datetime({ offset: true, local: false })

/** An ISO-8601 date (a UTC day start) or date-time with Z or an offset. */
export const isoInstant = z
  .string()
  .max(40)
  .refine((v) => isoDate.safeParse(v).success || isoDateTime.safeParse(v).success, {
    message: 'must be an ISO-8601 date (2026-11-01) or date-time with a zone (2026-11-01T00:00:00Z)',
  })
  .transform((v) => new Date(isoDate.safeParse(v).success ? `${v}T00:00:00Z` : v))
  .refine((d) => !Number.isNaN(d.getTime()), { message: 'is not a valid date' })

const DAY_MS = 86_400_000

/** A half-open time range [from, to). Defaults: the last 30 days up to now. */
export const timeRangeQuerySchema = z
  .object({ from: isoInstant.optional(), to: isoInstant.optional() })
  .transform(({ from, to }, ctx) => {
    const end = to ?? new Date()
    const start = from ?? new Date(end.getTime() - 30 * DAY_MS)
    if (start.getTime() >= end.getTime()) {
      ctx.addIssue({ code: 'custom', path: ['from'], message: 'must be before to' })
      return z.NEVER
    }
    return { from: start, to: end }
  })
export type TimeRange = z.output<typeof timeRangeQuerySchema>

export const summaryResponseSchema = z.object({
  range: z.object({ from: z.string(), to: z.string(), timeZone: z.literal('UTC') }),
  users: z.number().int(),
  sessions: z.number().int(),
  apiRequests: z.number().int(),
  costUsd: z.number(),
  tokens: z.object({
    input: z.number().int(),
    output: z.number().int(),
    cacheRead: z.number().int(),
    cacheCreation: z.number().int(),
  }),
  toolDecisions: z.object({ accept: z.number().int(), reject: z.number().int() }),
  policyDenials: z.number().int(),
})
export type SummaryResponse = z.infer<typeof summaryResponseSchema>

export const apiErrorSchema = z.object({
  error: z.string(),
  message: z.string(),
  parameter: z.string().optional(),
})
export type ApiError = z.infer<typeof apiErrorSchema>
