import { z } from 'zod'
import { summaryFiguresSchema, timeZoneSchema } from './analytics'
import { PRINTABLE } from './text'

/**
 * Reports that reach finance without a login (docs/finance.md, "Reports"): the weekly digest (spend,
 * movers, adoption, denials) and the monthly cost CSV, rendered on the server (Markdown, HTML, CSV),
 * on demand or on a schedule to a webhook or the reports folder. Client-safe: zod only.
 */

const isoDate = z.iso.date()

export const REPORT_KINDS = ['weeklyDigest', 'monthlyCostCsv'] as const
export type ReportKind = (typeof REPORT_KINDS)[number]

export const digestQuerySchema = z.strictObject({
  week: isoDate.optional().meta({ description: 'Any day of the week (Monday–Sunday, in tz) to report; default the last complete week.' }),
  tz: timeZoneSchema.optional(),
  format: z.enum(['json', 'markdown', 'html']).default('json'),
})

export const monthlyCsvQuerySchema = z.strictObject({
  month: z
    .string()
    .regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'must be a month, YYYY-MM')
    .optional()
    .meta({ description: 'The calendar month (in tz); default the last complete month.' }),
  tz: timeZoneSchema.optional(),
})

const moverSchema = z.object({
  group: z.string(),
  label: z.string().optional(),
  costUsd: z.number(),
  previousCostUsd: z.number().nullable().meta({ description: 'Null when the data does not cover the week before (previousCovered).' }),
  changeUsd: z.number().nullable(),
})

export const digestSchema = z.object({
  period: z.object({ firstDay: z.string(), lastDay: z.string(), timeZone: z.string() }),
  previous: z.object({ firstDay: z.string(), lastDay: z.string() }),
  summary: summaryFiguresSchema.meta({ description: 'GET /api/v1/summary for the week.' }),
  previousSummary: summaryFiguresSchema.meta({ description: 'GET /api/v1/summary for the week before.' }),
  previousCovered: z.boolean().meta({
    description:
      "Whether ccscope's data (its first record, dataFirst) reaches back to the start of the week before. When not, that week holds part of a week: nothing is compared with it (the teams' previous cost and change are null, and there are no movers).",
  }),
  dataFirst: z.string().nullable().meta({ description: "ccscope's first record in the caller's scope (GET /api/v1/meta data.first); null before any data." }),
  teams: z.array(moverSchema).meta({ description: 'Cost by team, largest first (top 10), with the week before.' }),
  movers: z
    .array(moverSchema)
    .meta({ description: 'Users whose cost changed most against the week before (top 5 by absolute change); none when the week before is not covered.' }),
  blockedCommands: z
    .array(z.object({ command: z.string(), policyDenials: z.number().int() }))
    .nullable()
    .optional()
    .meta({ description: 'Top blocked commands (policy denials by Bash command), for admins only (absent otherwise); null when nobody sends events.' }),
})
export type Digest = z.infer<typeof digestSchema>

const destinationSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('webhook'),
    url: z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }).max(2000),
    format: z.enum(['json', 'slack']).default('json'),
  }),
  z.strictObject({ kind: z.literal('folder') }).meta({ description: "The server's reports folder (CCSCOPE_REPORTS_DIR)." }),
  z
    .strictObject({
      kind: z.literal('email'),
      to: z
        .array(z.email({ message: 'must be e-mail addresses' }).max(320))
        .min(1, 'name at least one address')
        .max(50),
    })
    .meta({ description: 'E-mail through the SMTP server ccscope is configured with (CCSCOPE_SMTP_URL): the digest as the HTML body, files attached.' }),
])

export const scheduleInputSchema = z.strictObject({
  name: z.string().trim().min(1, 'must not be empty').max(200).regex(PRINTABLE, 'must be printable text'),
  kind: z
    .enum(REPORT_KINDS)
    .meta({ description: 'weeklyDigest: every Monday, for the week before. monthlyCostCsv: on the 1st, cost by user for the month before.' }),
  timeZone: timeZoneSchema.default('UTC'),
  destination: destinationSchema,
})
export type ScheduleInput = z.output<typeof scheduleInputSchema>

export const scheduleSchema = scheduleInputSchema.extend({ id: z.string(), createdAt: z.string(), createdBy: z.string() })
export type Schedule = z.output<typeof scheduleSchema>
export const schedulePathSchema = z.strictObject({ id: z.string().regex(/^[a-f0-9]{16,64}$/, 'must be a schedule id') })

export const reportRunSchema = z.object({
  scheduleId: z.string(),
  scheduleName: z.string(),
  kind: z.enum(REPORT_KINDS),
  firstDay: z.string(),
  lastDay: z.string(),
  status: z.enum(['delivered', 'retrying', 'failed']),
  attempts: z.number().int(),
  at: z.string(),
  files: z.array(z.string()),
  error: z.string().nullable(),
})
export type ReportRun = z.infer<typeof reportRunSchema>

export const schedulesResponseSchema = z.object({
  schedules: z.array(scheduleSchema),
  runs: z.array(reportRunSchema),
  email: z.boolean().meta({ description: 'Whether this ccscope can send e-mail (CCSCOPE_SMTP_URL is set).' }),
})
export type SchedulesResponse = z.infer<typeof schedulesResponseSchema>
