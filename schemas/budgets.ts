import { z } from 'zod'
import { timeZoneSchema } from './analytics'
import { PRINTABLE } from './text'

/**
 * Budgets for finance (docs/finance.md): a USD amount for the organization, a team, a cost center or a
 * user, per calendar month or a custom period; spend to date, a forecast to the period's end, the day
 * the budget would be crossed, and alerts at thresholds delivered to webhooks. Client-safe: zod only.
 */

const isoDate = z.iso.date()

export const BUDGET_SCOPES = ['organization', 'team', 'costCenter', 'user'] as const
export type BudgetScopeKind = (typeof BUDGET_SCOPES)[number]

const scopeSchema = z
  .discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('organization') }),
    z.strictObject({
      kind: z.enum(['team', 'costCenter', 'user']),
      value: z.string().trim().min(1, 'must name the team, cost center or user').max(320).regex(PRINTABLE, 'must be printable text'),
    }),
  ])
  .meta({ description: "Whose spend: the organization, or one team, cost center or user (as the Cost page's filters name them, directory first)." })
export type BudgetScope = z.infer<typeof scopeSchema>

const periodSchema = z
  .discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('month') }),
    z.strictObject({ kind: z.literal('custom'), firstDay: isoDate, lastDay: isoDate }),
  ])
  .refine((p) => p.kind === 'month' || p.firstDay <= p.lastDay, { message: 'lastDay must not be before firstDay', path: ['lastDay'] })
  .refine((p) => p.kind === 'month' || Date.parse(p.lastDay) - Date.parse(p.firstDay) <= 366 * 86_400_000, {
    message: 'a custom period is at most 367 days',
    path: ['lastDay'],
  })
  .meta({ description: 'month: every calendar month in timeZone (the current one is tracked). custom: firstDay to lastDay, both included.' })
export type BudgetPeriod = z.infer<typeof periodSchema>

const webhookSchema = z.strictObject({
  url: z
    .url({ protocol: /^https?$/, message: 'must be an http(s) URL' })
    .max(2000)
    .meta({ description: 'Receives a POST per alert. Redirects are not followed; only the status is kept.' }),
  format: z.enum(['json', 'slack']).default('json').meta({ description: 'json: ccscope.budget_alert document; slack: { text } for an incoming webhook.' }),
})
export type Webhook = z.output<typeof webhookSchema>

export const DEFAULT_THRESHOLDS = [75, 95] as const

/** What finance sends to create or replace a budget. */
export const budgetInputSchema = z.strictObject({
  name: z.string().trim().min(1, 'must not be empty').max(200).regex(PRINTABLE, 'must be printable text'),
  scope: scopeSchema,
  period: periodSchema,
  amountUsd: z.number().positive('must be more than 0').max(1e9).multipleOf(0.01, 'whole cents'),
  timeZone: timeZoneSchema.default('UTC'),
  thresholds: z
    .array(z.number().int().min(1).max(1000))
    .max(10)
    .default([...DEFAULT_THRESHOLDS])
    .transform((t) => [...new Set(t)].sort((a, b) => a - b))
    .meta({ description: 'Percent of the amount at which an alert fires, once per period each. Default 75 and 95.' }),
  forecastAlert: z.boolean().default(true).meta({ description: 'Also alert (once per period) when the forecast exceeds the amount.' }),
  webhooks: z.array(webhookSchema).max(10).default([]),
})
export type BudgetInput = z.output<typeof budgetInputSchema>

export const budgetSchema = budgetInputSchema.extend({
  id: z.string(),
  updatedAt: z.string(),
  updatedBy: z.string(),
})
export type Budget = z.output<typeof budgetSchema>

export const budgetPathSchema = z.strictObject({ id: z.string().regex(/^[a-f0-9]{16,64}$/, 'must be a budget id') })

const backtestSchema = z.object({
  month: z.string().meta({ description: 'YYYY-MM' }),
  day: z.number().int().meta({ description: 'The forecast was made at the start of this day of the month, from the data before it.' }),
  forecastUsd: z.number(),
  actualUsd: z.number(),
  errorPct: z.number().meta({ description: '(forecast − actual) ÷ actual × 100' }),
})

export const budgetStatusSchema = z.object({
  period: z.object({
    firstDay: z.string(),
    lastDay: z.string(),
    days: z.number().int(),
    elapsedDays: z.number().meta({ description: 'Days of the period behind the last complete 15-minute bucket, with fractions.' }),
    state: z.enum(['upcoming', 'current', 'ended']),
  }),
  spentUsd: z.number().meta({ description: "Cost in the period so far: the Cost page's costUsd for the same scope and dates, to the cent." }),
  percent: z.number().meta({ description: 'spentUsd ÷ amountUsd × 100' }),
  forecastUsd: z.number().nullable().meta({ description: 'Spend by the end of the period; null when there is no history to forecast from.' }),
  crossing: z
    .object({ date: z.string(), past: z.boolean() })
    .nullable()
    .meta({ description: 'The day spend reached (past) or is forecast to reach the amount; null when it is not expected to in the period.' }),
  runRate: z
    .object({
      weekdayUsd: z.number(),
      weekendUsd: z.number(),
      days: z.number().int().meta({ description: 'Complete days the run rate is averaged over (at most 28).' }),
    })
    .nullable(),
  backtest: z.object({
    meanAbsErrorPct: z.number().nullable().meta({ description: 'Mean of |errorPct| over the forecasts below; null without a past month to test on.' }),
    forecasts: z.array(backtestSchema),
  }),
})
export type BudgetStatus = z.infer<typeof budgetStatusSchema>

export const ALERT_KINDS = ['threshold', 'forecast'] as const

export const deliverySchema = z.object({
  id: z.string(),
  url: z.string(),
  format: z.enum(['json', 'slack']),
  status: z.enum(['pending', 'delivered', 'failed']).meta({ description: 'failed: every attempt failed; shown until an admin looks, never dropped.' }),
  attempts: z.number().int(),
  lastAttemptAt: z.string().nullable(),
  nextAttemptAt: z.string().nullable(),
  lastError: z.string().nullable(),
})
export type Delivery = z.infer<typeof deliverySchema>

export const alertSchema = z.object({
  id: z.string(),
  budgetId: z.string(),
  budgetName: z.string(),
  periodFirstDay: z.string(),
  kind: z.enum(ALERT_KINDS),
  threshold: z.number().int().nullable().meta({ description: 'Percent, for a threshold alert.' }),
  firedAt: z.string(),
  spentUsd: z.number(),
  forecastUsd: z.number().nullable(),
  amountUsd: z.number(),
  message: z.string(),
  deliveries: z.array(deliverySchema),
})
export type Alert = z.infer<typeof alertSchema>

export const budgetsResponseSchema = z.object({
  asOf: z.string().meta({ description: 'Spend is counted up to this instant (the last complete 15-minute bucket).' }),
  method: z.string().meta({ description: 'How the forecast is made, in words.' }),
  budgets: z.array(z.object({ budget: budgetSchema, status: budgetStatusSchema })),
})
export type BudgetsResponse = z.infer<typeof budgetsResponseSchema>

export const alertsResponseSchema = z.object({ alerts: z.array(alertSchema) })
export type AlertsResponse = z.infer<typeof alertsResponseSchema>

export const budgetChangeSchema = z.object({
  at: z.string(),
  by: z.string(),
  action: z.enum(['create', 'update', 'delete']),
  budget: budgetInputSchema.extend({ id: z.string() }).nullable().meta({ description: 'The budget as it was after the change (null for a delete).' }),
})
export const budgetHistoryResponseSchema = z.object({ changes: z.array(budgetChangeSchema) })
export type BudgetHistoryResponse = z.infer<typeof budgetHistoryResponseSchema>
