import { z } from 'zod'
import { amountToMicros, decimalToMicros } from './money'
import { PRINTABLE } from './text'

/**
 * What Anthropic bills, as ccscope imports it, and the reconciliation of it with the telemetry's cost
 * (docs/finance.md, "Reconciliation"). Client-safe: zod and types only.
 *
 * The Admin API shape follows Anthropic's documentation of GET /v1/organizations/usage_report/claude_code
 * (the Claude Code Analytics Admin API): one record per person (actor) and UTC day, with a per-model
 * breakdown of tokens and `estimated_cost` in cents of USD; pages chained by `has_more` / `next_page`.
 * Fields ccscope does not use (core_metrics, tool_actions, terminal_type, …) are accepted and ignored.
 */

const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER)

/** A YYYY-MM-DD that names a day of the calendar (not 2026-11-31, which Date.parse would roll into December). */
function isRealDay(day: string): boolean {
  const ms = Date.parse(`${day}T00:00:00Z`)
  return !Number.isNaN(ms) && new Date(ms).toISOString().slice(0, 10) === day
}

/** "2025-08-08T00:00:00Z" (what the API sends) or "2025-08-08" → the UTC day "2025-08-08". */
const reportDate = z
  .string()
  .max(40)
  .transform((v, ctx) => {
    const day = /^(\d{4}-\d{2}-\d{2})(?:T00:00:00(?:\.0+)?(?:Z|\+00:00))?$/.exec(v.trim())?.[1]
    if (!day || !isRealDay(day)) {
      ctx.addIssue({ code: 'custom', message: 'must be a UTC day: 2025-08-08 or 2025-08-08T00:00:00Z' })
      return z.NEVER
    }
    return day
  })

const key = (max: number) => z.string().trim().min(1, 'must not be empty').max(max).regex(PRINTABLE, 'must be printable text')

export const adminActorSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('user_actor'), email_address: key(320) }),
  z.object({ type: z.literal('api_actor'), api_key_name: key(320) }),
])

/** Cents of USD: a JSON number or a decimal string (the sibling Cost Report API sends "123.45"). */
const cents = z.union([z.number(), z.string().max(40)]).transform((v, ctx) => {
  const micros = amountToMicros(v, 4)
  if (micros === null) {
    ctx.addIssue({ code: 'custom', message: 'must be a non-negative amount of cents, at most 4 decimals' })
    return z.NEVER
  }
  return micros
})

export const adminModelBreakdownSchema = z.object({
  model: key(200),
  tokens: z.object({ input: count, output: count, cache_read: count, cache_creation: count }),
  estimated_cost: z.object({
    currency: z.literal('USD', { error: 'only USD is imported (the API documents USD only)' }),
    amount: cents,
  }),
})

export const adminRecordSchema = z.object({
  date: reportDate,
  actor: adminActorSchema,
  organization_id: z.string().optional(),
  customer_type: z.string().optional(),
  terminal_type: z.string().optional(),
  model_breakdown: z.array(adminModelBreakdownSchema).max(1000),
})
export type AdminRecord = z.output<typeof adminRecordSchema>

export const MAX_ADMIN_RECORDS = 1_000_000

export const adminPageSchema = z.object({
  data: z.array(adminRecordSchema).max(MAX_ADMIN_RECORDS),
  has_more: z.boolean(),
  next_page: z.string().max(2000).nullable().optional(),
})
export type AdminPage = z.output<typeof adminPageSchema>

export const adminPagesSchema = z.array(adminPageSchema).max(10_000)

/** PUT /api/v1/billing/usage as JSON: one page of the Admin API's answer, or an array of pages (as documented). */
export const adminUploadSchema = z.union([adminPageSchema, adminPagesSchema])

/** An upload as an array of pages: a single page is the array of it (so a problem's path starts at its page). */
export function uploadedPages(raw: unknown): unknown[] {
  return Array.isArray(raw) ? raw : [raw]
}

/**
 * A billing CSV: one row per UTC day, person and model. Header:
 * date,user_email,model,cost_usd[,input_tokens,output_tokens,cache_read_tokens,cache_creation_tokens]
 * The token columns are optional together: without them the reconciliation cannot check prices.
 */
export const BILLING_CSV_COLUMNS = [
  'date',
  'user_email',
  'model',
  'cost_usd',
  'input_tokens',
  'output_tokens',
  'cache_read_tokens',
  'cache_creation_tokens',
] as const
export const BILLING_CSV_REQUIRED = ['date', 'user_email', 'model', 'cost_usd'] as const
const TOKEN_COLUMNS = ['input_tokens', 'output_tokens', 'cache_read_tokens', 'cache_creation_tokens'] as const

const csvTokens = z
  .string()
  .trim()
  .regex(/^\d{0,15}$/, 'must be a whole number of tokens (or empty)')
  .optional()

export const billingCsvRowSchema = z
  .object({
    date: z
      .string()
      .trim()
      .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a UTC day such as 2026-11-02')
      .refine(isRealDay, 'must be a real date'),
    user_email: key(320),
    model: key(200),
    cost_usd: z
      .string()
      .trim()
      .transform((v, ctx) => {
        const micros = decimalToMicros(v, 6)
        if (micros === null) {
          ctx.addIssue({ code: 'custom', message: 'must be a non-negative amount of dollars such as 12.34 (at most 6 decimals)' })
          return z.NEVER
        }
        return micros
      }),
    input_tokens: csvTokens,
    output_tokens: csvTokens,
    cache_read_tokens: csvTokens,
    cache_creation_tokens: csvTokens,
  })
  .superRefine((row, ctx) => {
    const given = TOKEN_COLUMNS.filter((c) => (row[c] ?? '') !== '')
    if (given.length > 0 && given.length < TOKEN_COLUMNS.length)
      ctx.addIssue({
        code: 'custom',
        path: [TOKEN_COLUMNS.find((c) => (row[c] ?? '') === '') ?? 'input_tokens'],
        message: 'give all four token counts or none',
      })
  })
export type BillingCsvRow = z.output<typeof billingCsvRowSchema>

export const MAX_CSV_ROWS = 1_000_000

/** One row as stored (billed_usage): per UTC day, person and model; money in micro-dollars. */
export interface BilledRow {
  day: string
  user: string
  model: string
  actorType: 'user_actor' | 'api_actor' | 'csv'
  costMicros: number
  tokens: { input: number; output: number; cacheRead: number; cacheCreation: number } | null
}

export const BILLING_SOURCES = ['admin_api', 'admin_api_upload', 'csv'] as const
export type BillingSource = (typeof BILLING_SOURCES)[number]

export const billingImportResponseSchema = z.object({
  importedAt: z.string().meta({ description: 'When this import was stored; it replaces every earlier import of its days.' }),
  source: z.enum(BILLING_SOURCES),
  days: z.array(z.string()).meta({ description: 'The UTC days the import holds (and replaces), in order.' }),
  rows: z.number().int().meta({ description: 'Rows stored: one per day, person and model (duplicates in the input are summed).' }),
  users: z.number().int(),
  costUsd: z.number().meta({ description: 'Total billed cost imported, USD, to the cent.' }),
})
export type BillingImportResponse = z.infer<typeof billingImportResponseSchema>

// ---------------------------------------------------------------------------------------------------------
// Reconciliation

const isoDay = z.iso.date()

export const DEFAULT_THRESHOLD_PERCENT = 5
export const DEFAULT_THRESHOLD_USD = 1
export const MAX_RECONCILIATION_DAYS = 366

const rangeParams = {
  from: isoDay.optional().meta({ description: 'First UTC day (inclusive). Default: 30 days before to.', example: '2026-11-01' }),
  to: isoDay
    .optional()
    .meta({ description: 'UTC day after the last one (exclusive). Default: today (UTC), so the last 30 complete days.', example: '2026-12-01' }),
  tz: z
    .literal('UTC', { error: 'the bill is kept per UTC day, so reconciliation days are UTC days: omit tz or send UTC' })
    .optional()
    .meta({ description: 'Only UTC: Anthropic reports usage per UTC day, and a bill cannot be cut at another midnight.' }),
  threshold: z.coerce
    .number()
    .min(0)
    .max(1000)
    .optional()
    .meta({ description: `Percent of the billed cost a difference must exceed to be flagged (default ${DEFAULT_THRESHOLD_PERCENT}).` }),
  minUsd: z.coerce
    .number()
    .min(0)
    .max(1_000_000)
    .optional()
    .meta({ description: `USD a difference must also exceed to be flagged (default ${DEFAULT_THRESHOLD_USD}).` }),
}

export const RECONCILIATION_PAGE_ROWS = 100
export const MAX_RECONCILIATION_PAGE_ROWS = 1000

/** GET /api/v1/billing/reconciliation.csv: the range and thresholds, every row. */
export const reconciliationExportParamsSchema = z.strictObject(rangeParams)

/** GET /api/v1/billing/reconciliation: the range and thresholds, and which page of the rows. */
export const reconciliationParamsSchema = z.strictObject({
  ...rangeParams,
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_RECONCILIATION_PAGE_ROWS)
    .default(RECONCILIATION_PAGE_ROWS)
    .meta({ description: `Rows per page (default ${RECONCILIATION_PAGE_ROWS}). Days and totals are over every row whatever the page.` }),
  offset: z.coerce
    .number()
    .int()
    .min(0)
    .max(10_000_000)
    .default(0)
    .meta({ description: 'Rows to skip: the next page starts at offset + limit (page.rows says how many there are).' }),
})

export interface ReconciliationQuery {
  from: string
  to: string
  thresholdPercent: number
  thresholdUsd: number
}

export interface ReconciliationPageQuery extends ReconciliationQuery {
  offset: number
  limit: number
}

const DAY_MS = 86_400_000
const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10)

type RangeParams = z.output<typeof reconciliationExportParamsSchema>

/** The range and thresholds with their defaults, checked together (a refinement's issue names its parameter). */
function rangeQuery(v: RangeParams, ctx: z.RefinementCtx, today: () => string): ReconciliationQuery {
  const to = v.to ?? today()
  const from = v.from ?? dayOf(Date.parse(`${to}T00:00:00Z`) - 30 * DAY_MS)
  const span = (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS
  if (span <= 0) ctx.addIssue({ code: 'custom', path: ['from'], message: 'must be before to' })
  if (span > MAX_RECONCILIATION_DAYS) ctx.addIssue({ code: 'custom', path: ['from'], message: `at most ${MAX_RECONCILIATION_DAYS} days at once` })
  return { from, to, thresholdPercent: v.threshold ?? DEFAULT_THRESHOLD_PERCENT, thresholdUsd: v.minUsd ?? DEFAULT_THRESHOLD_USD }
}

/** The parameters with their defaults, checked together; `today` is the UTC day of the answer's clock. */
export function reconciliationQuerySchema(today: () => string) {
  return reconciliationParamsSchema.transform((v, ctx): ReconciliationPageQuery => ({ ...rangeQuery(v, ctx, today), offset: v.offset, limit: v.limit }))
}

/** The export's parameters (no page: every row). */
export function reconciliationExportQuerySchema(today: () => string) {
  return reconciliationExportParamsSchema.transform((v, ctx): ReconciliationQuery => rangeQuery(v, ctx, today))
}

export const RECONCILIATION_CAUSES = ['match', 'no_telemetry', 'not_billed', 'price_drift', 'subagents', 'unexplained', 'not_imported'] as const
export type ReconciliationCause = (typeof RECONCILIATION_CAUSES)[number]

const usd = (description: string) => z.number().meta({ description: `${description} USD, to the cent.` })
const usdOrNull = (description: string) =>
  z
    .number()
    .nullable()
    .meta({ description: `${description} USD, to the cent; null when not reported.` })

export const reconciliationModelSchema = z.object({
  model: z.string(),
  telemetryUsd: usdOrNull('Cost the telemetry reports for this model (null: none).'),
  billedUsd: usdOrNull('Billed cost of this model (null: the day is not imported).'),
  telemetryTokens: z.number().int().nullable().meta({ description: 'Input + output + cache-read + cache-creation tokens in the telemetry.' }),
  billedTokens: z.number().int().nullable().meta({ description: 'The same four kinds of tokens in the bill; null when the bill gives none.' }),
  listPriceUsd: usdOrNull("The billed tokens at ccscope's list prices (dashboard/api/prices.ts); null for a model the table lacks or a bill without tokens."),
})
export type ReconciliationModel = z.infer<typeof reconciliationModelSchema>

export const reconciliationRowSchema = z.object({
  date: z.string().meta({ description: 'UTC day.' }),
  user: z.string().meta({ description: 'The person: the telemetry user key, which is the email when Claude Code sends one (the bill names the same email).' }),
  billedAs: z.enum(['user_actor', 'api_actor', 'csv']).nullable().meta({ description: 'How the bill names the person; null when the bill does not.' }),
  telemetryUsd: usdOrNull("Cost from the telemetry, the Cost page's figure for this person and day (null: none sent)."),
  billedUsd: usdOrNull('Billed cost (0 when the day is imported and the person is not on it; null when the day is not imported).'),
  differenceUsd: usdOrNull('billedUsd − telemetryUsd (a missing telemetry figure counts 0); null when the day is not imported.'),
  subagentUsd: usd("Of telemetryUsd, the cost whose query_source is subagent: sub-agents this person's sessions spawned."),
  cause: z.enum(RECONCILIATION_CAUSES).meta({ description: 'The likely cause of the difference, by the rules in docs/finance.md.' }),
  detail: z.string().meta({ description: 'The evidence for the cause, in a sentence.' }),
  flagged: z.boolean().meta({ description: 'The difference exceeds both thresholds.' }),
  models: z.array(reconciliationModelSchema),
})
export type ReconciliationRow = z.infer<typeof reconciliationRowSchema>

export const reconciliationDaySchema = z.object({
  date: z.string(),
  imported: z.boolean().meta({ description: 'Whether any billing data is imported for this day.' }),
  importedAt: z.string().nullable(),
  source: z.enum(BILLING_SOURCES).nullable(),
  telemetryUsd: usd("Sum of the day's rows."),
  billedUsd: usdOrNull("Sum of the day's rows; null when the day is not imported."),
  differenceUsd: usdOrNull('billedUsd − telemetryUsd; null when the day is not imported.'),
  subagentUsd: usd("Sum of the day's rows."),
  flagged: z.boolean().meta({ description: "The day's difference exceeds both thresholds." }),
  users: z.number().int(),
})
export type ReconciliationDay = z.infer<typeof reconciliationDaySchema>

export const reconciliationResponseSchema = z.object({
  range: z.object({ from: z.string(), to: z.string(), timeZone: z.literal('UTC') }),
  threshold: z.object({ percent: z.number(), usd: z.number() }),
  stored: z.object({
    days: z.number().int().meta({ description: 'UTC days with billing data stored, in any range: 0 = nothing imported yet.' }),
    lastImportAt: z.string().nullable(),
  }),
  days: z.array(reconciliationDaySchema),
  page: z
    .object({
      offset: z.number().int(),
      limit: z.number().int(),
      rows: z.number().int().meta({ description: 'Rows (person-days) in the range, on every page together.' }),
    })
    .meta({ description: 'Which rows this answer holds: rows offset + 1 to offset + limit of page.rows, in order.' }),
  rows: z.array(reconciliationRowSchema).meta({
    description:
      'One page of the rows: flagged first, then the largest |difference| first (a day not imported has none), then by day, then by person (UTF-8 byte order).',
  }),
  causes: z
    .array(
      z.object({
        cause: z.enum(RECONCILIATION_CAUSES),
        rows: z.number().int(),
        differenceUsd: usdOrNull("Sum of the rows' differences; null for not_imported."),
      }),
    )
    .meta({ description: 'Every row of the range (not only this page) per cause, in the order of the causes.' }),
  totals: z.object({
    telemetryUsd: usd('Sum of every row (imported days or not).'),
    telemetryUsdOnImportedDays: usd('Sum of the rows of imported days.'),
    billedUsd: usdOrNull('Sum of the rows; null when no day of the range is imported.'),
    differenceUsd: usdOrNull("billedUsd − telemetryUsdOnImportedDays: the sum of the rows' differences."),
    subagentUsd: usd('Sum of every row.'),
    flaggedDays: z.number().int(),
    flaggedRows: z.number().int(),
  }),
})
export type ReconciliationResponse = z.infer<typeof reconciliationResponseSchema>
