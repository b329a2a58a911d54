import { z } from 'zod'
import { COMMON_DIMENSIONS, DATASETS, type DatasetName, type Derived, type Dimension, type Measure } from './datasets'

export { COMMON_DIMENSIONS, DATASETS, type AnyDimension, type DatasetName, type Derived, type Dimension, type Measure } from './datasets'

/**
 * The one declarative query shape of the analytics API (time range, time zone, granularity, filters,
 * group-by, sort, limit), per dataset. Shared by the API handlers, the OpenAPI document and the
 * dashboard. Client-safe: zod and types only. The SQL behind each name lives in dashboard/api/datasets.ts.
 */

const isoDate = z.iso.date()
const isoDateTime = z.iso.datetime({ offset: true, local: false })

/** Rollups are kept in 15-minute buckets: a range is widened to whole buckets. */
export const BUCKET_MS = 15 * 60_000
const DAY_MS = 86_400_000

export function isTimeZone(value: string): boolean {
  // Names only (Area/City, UTC, Etc/GMT+5): what both ICU and ClickHouse's tz database know.
  if (!/^[A-Za-z][A-Za-z0-9_+\-]*(\/[A-Za-z0-9_+\-]+){0,2}$/.test(value) || value.length > 64) return false
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value })
    return true
  } catch {
    return false
  }
}

export const timeZoneSchema = z
  .string()
  .max(64)
  .refine(isTimeZone, { message: 'must be an IANA time zone such as UTC, Europe/Berlin or Asia/Kolkata' })
  .meta({ description: 'IANA time zone for day/week/month boundaries and date-only bounds. Default UTC.', example: 'Europe/Berlin' })

const EARLIEST = Date.parse('2000-01-01T00:00:00Z')
const LATEST = Date.parse('2100-12-31T00:00:00Z')

const instantText = z
  .string()
  .max(40)
  .refine((v) => isoDate.safeParse(v).success || (isoDateTime.safeParse(v).success && !Number.isNaN(Date.parse(v))), {
    message: 'must be an ISO-8601 date (2026-11-01) or date-time with a zone (2026-11-01T00:00:00Z)',
  })
  .refine(
    (v) =>
      Date.parse(isoDate.safeParse(v).success ? `${v}T00:00:00Z` : v) >= EARLIEST && Date.parse(isoDate.safeParse(v).success ? `${v}T00:00:00Z` : v) <= LATEST,
    {
      message: 'must lie between 2000-01-01 and 2100-12-31',
    },
  )

const wallClocks = new Map<string, Intl.DateTimeFormat>()

/** A formatter of a zone's wall-clock time; built once per zone (building one costs far more than using it). */
function wallClock(timeZone: string): Intl.DateTimeFormat {
  let format = wallClocks.get(timeZone)
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    })
    if (wallClocks.size < 1000) wallClocks.set(timeZone, format)
  }
  return format
}

/** Milliseconds between UTC and the zone's wall clock at an instant (positive east of Greenwich). */
export function zoneOffsetMs(instant: Date, timeZone: string): number {
  const parts = wallClock(timeZone).formatToParts(instant)
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value)
  const wall = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'))
  return wall - Math.floor(instant.getTime() / 1000) * 1000
}

/** The instant at which a zone's clocks show `wall` (a wall-clock time written as UTC milliseconds). */
export function zonedInstant(wall: number, timeZone: string): Date {
  let guess = wall - zoneOffsetMs(new Date(wall), timeZone)
  // A second pass settles times where the offset changes between the guess and the wall time (DST).
  guess = wall - zoneOffsetMs(new Date(guess), timeZone)
  return new Date(guess)
}

/** The instant of local midnight starting `date` (YYYY-MM-DD) in a zone. */
export function zonedMidnight(date: string, timeZone: string): Date {
  return zonedInstant(Date.parse(`${date}T00:00:00Z`), timeZone)
}

function toInstant(text: string, timeZone: string): Date {
  return isoDate.safeParse(text).success ? zonedMidnight(text, timeZone) : new Date(text)
}

export interface ResolvedRange {
  /** Inclusive start, on a 15-minute boundary. */
  from: Date
  /** Exclusive end, on a 15-minute boundary. */
  to: Date
  timeZone: string
}

/** from/to as sent → the effective range: defaults (the last 30 days), zone-local dates, whole buckets. */
export function resolveRange(from: string | undefined, to: string | undefined, timeZone: string, now = new Date()): ResolvedRange {
  const end = to ? toInstant(to, timeZone) : now
  const start = from ? toInstant(from, timeZone) : new Date(end.getTime() - 30 * DAY_MS)
  return {
    from: new Date(Math.floor(start.getTime() / BUCKET_MS) * BUCKET_MS),
    to: new Date(Math.ceil(end.getTime() / BUCKET_MS) * BUCKET_MS),
    timeZone,
  }
}

/** from, to and tz, checked together. Shared by every analytics endpoint. */
export const rangeFields = {
  from: instantText
    .optional()
    .meta({ description: 'Start (inclusive): a date, local to tz, or a date-time with a zone. Default: 30 days before to.', example: '2026-11-01' }),
  to: instantText.optional().meta({ description: 'End (exclusive): a date, local to tz, or a date-time with a zone. Default: now.', example: '2026-12-01' }),
  tz: timeZoneSchema.optional(),
}

export function checkRange(value: { from?: string | undefined; to?: string | undefined; tz?: string | undefined }, ctx: z.RefinementCtx): ResolvedRange {
  const range = resolveRange(value.from, value.to, value.tz ?? 'UTC')
  if (range.from.getTime() >= range.to.getTime()) ctx.addIssue({ code: 'custom', path: ['from'], message: 'must be before to' })
  return range
}

/** The most periods a series answers (every period of each group is answered: `limit` counts groups). */
export const MAX_PERIODS = 100_000
/** Each granularity's shortest period (a month is at least 28 days, a day at least 23 hours), for that bound. */
const SHORTEST_PERIOD_MS = { hour: 3_600_000, day: 23 * 3_600_000, week: 7 * DAY_MS - 3_600_000, month: 28 * DAY_MS - 3_600_000 } as const

export const granularitySchema = z
  .enum(['none', 'hour', 'day', 'week', 'month'])
  .meta({ description: 'Time series step in tz (weeks start on Monday); none = one row per group.' })
export type Granularity = z.infer<typeof granularitySchema>

/** A filter: one value, or several (`team=web&team=mobile`), each at most 256 characters; '' = not reported. */
const filterValues = z.union([z.string().max(256), z.array(z.string().max(256)).min(1).max(100)]).transform((v) => (Array.isArray(v) ? v : [v]))

const DESCRIPTIONS: Record<string, string> = {
  costUsd: "Cost in USD (Claude Code's list-price estimate): api_request events, else cost.usage metric points for sessions without events.",
  requests: 'API requests (api_request events).',
  cacheSavingsUsd: 'What the cache-read tokens would have cost as input tokens, minus what they cost (list prices; unknown models count 0).',
  costPerActiveUserDay:
    'costUsd ÷ activeUserDays, where activeUserDays is the adoption figure of the same period and group (for groups adoption lacks, such as model, the period total).',
  activeUsers: 'Distinct users with any event or metric point.',
  activeUserDays: 'Distinct (user, day in tz) pairs with activity.',
  sessions: 'Distinct session ids.',
  promptsPerUser: 'prompts ÷ the active users who send events (coverage.usersWithEvents): prompts come from events only.',
  editAcceptRate: 'Edit/Write/NotebookEdit accepts ÷ (accepts + rejects); null without decisions.',
  policyDenials: 'tool_decision reject with source=config (a settings rule, e.g. a managed deny rule).',
  hookRejects: 'tool_decision reject with source=hook.',
  policyDenialRate: 'policyDenials ÷ decisions; null without decisions.',
}

/**
 * Where each measure's data comes from (warehouse/RULES.md, "Sources of truth"): Claude Code's events
 * (OTLP logs), its metrics, or either. A measure whose source a population does not send is "not
 * reported" (null), never 0: a team that exports metrics only has no prompt count, not zero prompts.
 */
export type MeasureSource = 'events' | 'metrics' | 'any'
export const MEASURE_SOURCE: Record<string, MeasureSource> = {
  costUsd: 'any',
  requests: 'events',
  inputTokens: 'any',
  outputTokens: 'any',
  cacheReadTokens: 'any',
  cacheCreationTokens: 'any',
  cacheSavingsUsd: 'any',
  activeUserDays: 'any',
  costPerActiveUserDay: 'any',
  activeUsers: 'any',
  sessions: 'any',
  prompts: 'events',
  promptsPerUser: 'events',
  activeTimeUserSeconds: 'metrics',
  activeTimeCliSeconds: 'metrics',
  linesAdded: 'metrics',
  linesRemoved: 'metrics',
  commits: 'metrics',
  pullRequests: 'metrics',
  editAccepts: 'metrics',
  editRejects: 'metrics',
  editAcceptRate: 'metrics',
  decisions: 'events',
  accepts: 'events',
  rejects: 'events',
  policyDenials: 'events',
  hookRejects: 'events',
  userRejects: 'events',
  userAborts: 'events',
  policyDenialRate: 'events',
  results: 'events',
  failures: 'events',
}

export const coverageSchema = z
  .object({
    users: z.number().int().meta({ description: 'Users with any telemetry in the range and filters.' }),
    usersWithEvents: z.number().int().meta({ description: 'Of those, users whose Claude Code exports events (OTLP logs).' }),
    usersWithMetrics: z.number().int().meta({ description: 'Of those, users whose Claude Code exports metrics.' }),
  })
  .meta({
    description:
      'Who reports what. A measure that comes from events is null (not reported) when no user sends events, and one from metrics when no user sends metrics; with some users reporting, it covers those users.',
  })
export type Coverage = z.infer<typeof coverageSchema>

/** Whether a measure is reported under a coverage: its source is sent by someone (or nobody was active). */
export function isReported(measure: string, coverage: Coverage): boolean {
  return isSourceReported(MEASURE_SOURCE[measure] ?? 'any', coverage)
}

/** Whether a source is sent by someone under a coverage (or nobody was active): isReported with the lookup done once. */
export function isSourceReported(source: MeasureSource, coverage: Coverage): boolean {
  if (coverage.users === 0 || source === 'any') return true
  return source === 'events' ? coverage.usersWithEvents > 0 : coverage.usersWithMetrics > 0
}

const compareField = z
  .enum(['previous'])
  .optional()
  .meta({ description: 'previous: also answer the same elapsed span of the period before (docs/numbers.md, "Comparisons").' })

/** The zod schema of one dataset's query: a 400 names the first bad parameter. Unknown parameters are refused. */
export function datasetParamsSchema<D extends DatasetName>(dataset: D) {
  const { dimensions, measures } = DATASETS[dataset]
  const dimensionEnum = z.enum(dimensions as unknown as [Dimension<D>, ...Dimension<D>[]])
  const sortEnum = z.enum([...measures, ...dimensions, 'period'] as unknown as [string, ...string[]])
  const filterShape = Object.fromEntries(
    dimensions.map((d) => [
      d,
      filterValues.optional().meta({ description: `Only rows whose ${d} is one of these (repeat the parameter for several; empty = not reported).` }),
    ]),
  ) as Record<Dimension<D>, z.ZodOptional<typeof filterValues>>
  return z.strictObject({
    ...rangeFields,
    granularity: granularitySchema.default('none'),
    groupBy: dimensionEnum.optional().meta({ description: 'Group rows by this dimension.' }),
    sort: sortEnum.optional().meta({ description: 'Sort by a measure, the group or period. Default: period, else the first measure.' }),
    order: z.enum(['asc', 'desc']).optional(),
    limit: z.coerce.number().int().min(1).max(10_000).default(100).meta({ description: 'Most groups returned (top groups by sort).' }),
    measures: measureList(dataset).optional(),
    compare: compareField,
    ...filterShape,
  })
}

/** `measures=costUsd,requests` (or repeated): only these are computed and answered. Default: all. */
function measureList<D extends DatasetName>(dataset: D) {
  const { measures, derived } = DATASETS[dataset]
  const names = [...measures, ...derived] as string[]
  return z
    .union([z.string().max(2000), z.array(z.string().max(2000)).max(50)])
    .transform((v, ctx) => {
      const list = (Array.isArray(v) ? v : [v])
        .flatMap((x) => x.split(','))
        .map((x) => x.trim())
        .filter((x) => x !== '')
      const unknown = list.find((m) => !names.includes(m))
      if (unknown !== undefined) ctx.addIssue({ code: 'custom', message: `unknown measure ${unknown}; known: ${names.join(', ')}` })
      if (list.length === 0) ctx.addIssue({ code: 'custom', message: 'name at least one measure' })
      return [...new Set(list)] as (Measure<D> | Derived<D>)[]
    })
    .meta({ description: `Measures to compute, comma-separated (default all): ${names.join(', ')}.` })
}

interface DatasetParamsValue {
  measures?: string[]
  compare?: 'previous'
  from?: string
  to?: string
  tz?: string
  granularity: Granularity
  groupBy?: string
  sort?: string
  order?: 'asc' | 'desc'
  limit: number
  [filter: string]: unknown
}

export function datasetQuerySchema<D extends DatasetName>(dataset: D) {
  const { dimensions, measures, derived } = DATASETS[dataset]
  return datasetParamsSchema(dataset).transform((input, ctx) => {
    const value = input as unknown as DatasetParamsValue
    const range = checkRange(value, ctx)
    const filters: Partial<Record<Dimension<D>, string[]>> = {}
    for (const d of dimensions as readonly Dimension<D>[]) {
      const v = value[d]
      if (Array.isArray(v)) filters[d] = v as string[]
    }
    const wanted = (value.measures ?? [...measures, ...derived]) as (Measure<D> | Derived<D>)[]
    // By default: by period with a granularity, else by the first measure asked for (largest first).
    const firstMeasure = wanted.find((m) => (measures as readonly string[]).includes(m)) ?? measures[0]
    const sort = value.sort ?? (value.granularity !== 'none' ? 'period' : firstMeasure)
    if ((dimensions as readonly string[]).includes(sort) && sort !== value.groupBy)
      ctx.addIssue({ code: 'custom', path: ['sort'], message: 'can sort by a dimension only when grouped by it (groupBy)' })
    if (sort === 'period' && value.granularity === 'none') ctx.addIssue({ code: 'custom', path: ['sort'], message: 'period needs a granularity' })
    if (value.granularity !== 'none') {
      // Every period of a group is answered (limit counts groups), so the periods themselves are bounded.
      const periods = Math.ceil((range.to.getTime() - range.from.getTime()) / SHORTEST_PERIOD_MS[value.granularity])
      if (periods > MAX_PERIODS)
        ctx.addIssue({
          code: 'custom',
          path: ['granularity'],
          message: `${value.granularity} gives up to ${periods.toLocaleString('en-US')} periods over this range, more than ${MAX_PERIODS.toLocaleString('en-US')}: choose a coarser granularity or a shorter range`,
        })
    }
    const byName = sort === 'period' || (dimensions as readonly string[]).includes(sort)
    if ((measures as readonly string[]).includes(sort) && !(wanted as string[]).includes(sort))
      ctx.addIssue({ code: 'custom', path: ['sort'], message: 'sort by a measure that is asked for (measures)' })
    return {
      dataset,
      measures: wanted,
      compare: value.compare === 'previous',
      range,
      granularity: value.granularity,
      groupBy: value.groupBy as Dimension<D> | undefined,
      sort,
      order: value.order ?? (byName ? ('asc' as const) : ('desc' as const)),
      limit: value.limit,
      filters,
    }
  })
}
export type DatasetQuery<D extends DatasetName> = z.output<ReturnType<typeof datasetQuerySchema<D>>>

export const rangeResponseSchema = z.object({
  from: z.string().meta({ description: 'Effective start (ISO-8601, UTC), widened to a 15-minute boundary.' }),
  to: z.string().meta({ description: 'Effective end, exclusive.' }),
  timeZone: z.string(),
})

/**
 * With compare=previous, whether ccscope's data reaches back to the previous span's start (schemas/data-start.ts,
 * "not before the data"): when not, `previous` is null, as a span before the data holds only part of a period.
 */
const comparedFields = {
  previousCovered: z.boolean().optional().meta({
    description:
      "With compare=previous: whether ccscope's data (its first record, dataFirst) reaches back to the previous span's start. When not, previous is null: a span before the data began holds only part of a period.",
  }),
  dataFirst: z
    .string()
    .nullable()
    .optional()
    .meta({ description: "With compare=previous: ccscope's first record in the caller's scope (GET /api/v1/meta data.first); null before any data." }),
}

export function datasetResponseSchema<D extends DatasetName>(dataset: D) {
  const { measures, derived } = DATASETS[dataset]
  const measureShape = Object.fromEntries(
    [...measures, ...derived].map((m) => [
      m,
      z
        .number()
        .nullable()
        .optional()
        .meta({ description: `${DESCRIPTIONS[m] ?? ''} Present when asked for (measures); null when not reported (coverage) or undefined.`.trim() }),
    ]),
  ) as Record<Measure<D> | Derived<D>, z.ZodOptional<z.ZodNullable<z.ZodNumber>>>
  return z.object({
    dataset: z.literal(dataset),
    range: rangeResponseSchema,
    partial: z.boolean().meta({ description: 'The range reaches past the last complete 15-minute bucket: it is answered up to range.to.' }),
    granularity: granularitySchema,
    groupBy: z.string().nullable(),
    rows: z.array(
      z.object({
        period: z.string().optional().meta({ description: 'Local start of the period in tz: 2026-11-03, or 2026-11-03T14:00 for hours.' }),
        periodStart: z.string().optional().meta({ description: 'The same instant, ISO-8601 with the zone offset.' }),
        complete: z.boolean().optional().meta({ description: 'With a granularity: false for a period that is not over yet (or that the range cuts).' }),
        group: z.string().optional().meta({ description: "The group's value ('' = not reported)." }),
        label: z.string().optional().meta({ description: 'Display name from the directory, for users.' }),
        coverage: coverageSchema
          .optional()
          .meta({ description: 'Grouped by user, team, department or cost center, or by period only: who reports in this row.' }),
        ...measureShape,
      }),
    ),
    totals: z.object(measureShape).meta({ description: 'Over the whole range and filters, all groups included.' }),
    coverage: coverageSchema,
    truncated: z.boolean().meta({ description: 'More groups exist than limit.' }),
    previous: z
      .object({ range: rangeResponseSchema, totals: z.object(measureShape), coverage: coverageSchema })
      .nullable()
      .optional()
      .meta({
        description:
          'With compare=previous: the same elapsed span of the period before (null before the range has begun, or where the data does not reach back to it: previousCovered).',
      }),
    ...comparedFields,
  })
}
export type DatasetResponse<D extends DatasetName> = z.infer<ReturnType<typeof datasetResponseSchema<D>>>
export type DatasetRow<D extends DatasetName> = DatasetResponse<D>['rows'][number]

/** Filters on the dimensions every dataset has (user, team, department, cost center). */
export const commonFilterFields = Object.fromEntries(COMMON_DIMENSIONS.map((d) => [d, filterValues.optional()])) as Record<
  (typeof COMMON_DIMENSIONS)[number],
  z.ZodOptional<typeof filterValues>
>
export type CommonFilters = Partial<Record<(typeof COMMON_DIMENSIONS)[number], string[]>>

/** The common filters present in a parsed query. */
export function pickFilters(value: Record<string, unknown>): CommonFilters {
  const filters: CommonFilters = {}
  for (const d of COMMON_DIMENSIONS) {
    const v = value[d]
    if (Array.isArray(v)) filters[d] = v as string[]
  }
  return filters
}

/** The summary's query: a range and the common filters. */
export const summaryParamsSchema = z.strictObject({ ...rangeFields, compare: compareField, ...commonFilterFields })
export const summaryQuerySchema = summaryParamsSchema.transform((value, ctx) => ({
  range: checkRange(value, ctx),
  filters: pickFilters(value),
  compare: value.compare === 'previous',
}))
export type SummaryQuery = z.output<typeof summaryQuerySchema>

const notReported = (what: string) => `${what} Null when not reported (coverage).`
export const summaryFiguresSchema = z.object({
  range: rangeResponseSchema,
  users: z.number().int().meta({ description: 'Active users (adoption.activeUsers).' }),
  sessions: z.number().int().meta({ description: 'Distinct sessions (adoption.sessions).' }),
  apiRequests: z
    .number()
    .int()
    .nullable()
    .meta({ description: notReported('cost.requests.') }),
  costUsd: z.number().meta({ description: 'cost.costUsd' }),
  costPerActiveUserDay: z.number().nullable(),
  tokens: z.object({
    input: z.number().int(),
    output: z.number().int(),
    cacheRead: z.number().int(),
    cacheCreation: z.number().int(),
  }),
  cacheSavingsUsd: z.number(),
  prompts: z
    .number()
    .int()
    .nullable()
    .meta({ description: notReported('adoption.prompts.') }),
  editDecisions: z
    .number()
    .nullable()
    .meta({ description: notReported('Edit accepts + rejects: the denominator of editAcceptRate.') }),
  editAcceptRate: z.number().nullable(),
  toolDecisions: z
    .object({ accept: z.number().int(), reject: z.number().int() })
    .nullable()
    .meta({ description: notReported('tools.accepts and tools.rejects.') }),
  policyDenials: z
    .number()
    .int()
    .nullable()
    .meta({ description: notReported('tools.policyDenials.') }),
  policyDenialRate: z.number().nullable(),
  coverage: coverageSchema,
})
export type SummaryFigures = z.infer<typeof summaryFiguresSchema>
export const summaryResponseSchema = summaryFiguresSchema.extend({
  partial: z.boolean().meta({ description: 'The range reaches past the last complete 15-minute bucket: it is answered up to range.to.' }),
  previous: summaryFiguresSchema.nullable().optional().meta({
    description:
      'With compare=previous: the same elapsed span of the period before (null before the range has begun, or where the data does not reach back to it: previousCovered).',
  }),
  ...comparedFields,
})
export type SummaryResponse = z.infer<typeof summaryResponseSchema>
