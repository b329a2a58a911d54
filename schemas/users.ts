import { z } from 'zod'
import { PRINTABLE } from './text'
import { checkRange, commonFilterFields, pickFilters, rangeFields, rangeResponseSchema } from './analytics'

/** Users: the leaderboard with lifecycle (new, returning, gone quiet) and seats, and the drill-down. */

const USER_SORTS = ['costUsd', 'activeDays', 'sessions', 'prompts', 'linesAdded', 'commits', 'pullRequests', 'lastSeen', 'firstSeen', 'user'] as const

export const usersParamsSchema = z.strictObject({
  ...rangeFields,
  ...commonFilterFields,
  q: z.string().min(1).max(200).optional().meta({ description: 'Search: part of the user key or display name, any case.' }),
  sort: z.enum(USER_SORTS).default('costUsd'),
  order: z.enum(['asc', 'desc']).optional(),
  limit: z.coerce.number().int().min(1).max(10_000).default(100),
  quietDays: z.coerce
    .number()
    .int()
    .min(1)
    .max(365)
    .default(7)
    .meta({ description: 'A user active in the range but not in its last quietDays days has gone quiet.' }),
  neverActive: z
    .enum(['true', 'false'])
    .default('false')
    .meta({ description: 'true: also list the people in the directory who never sent any telemetry (neverActive in the answer).' }),
  seatsByTeam: z
    .enum(['true', 'false'])
    .default('false')
    .meta({ description: "true: also answer seat utilization per team (seatsByTeam), by the directory's team." }),
  quietList: z.coerce.number().int().min(1).max(1000).optional().meta({
    description:
      'Also list this many active users by last activity, longest silent first (quietRows), from the same read as rows: what sort=lastSeen&order=asc&limit=quietList answers.',
  }),
})

export const usersQuerySchema = usersParamsSchema.transform((value, ctx) => ({
  range: checkRange(value, ctx),
  filters: pickFilters(value),
  q: value.q,
  sort: value.sort,
  order: value.order ?? (value.sort === 'user' ? 'asc' : 'desc'),
  limit: value.limit,
  quietDays: value.quietDays,
  neverActive: value.neverActive === 'true',
  seatsByTeam: value.seatsByTeam === 'true',
  quietList: value.quietList,
}))
export type UsersQuery = z.output<typeof usersQuerySchema>

/** The lists a manager exports (GET /api/v1/users/export.csv): everyone active, a lifecycle group, or never active. */
export const USER_LISTS = ['active', 'new', 'returning', 'quiet', 'neverActive'] as const
export type UserList = (typeof USER_LISTS)[number]
/** At most this many people per export; more is a 400 asking to narrow the filters, never a silently short file. */
export const USERS_EXPORT_MAX = 10_000

export const usersExportParamsSchema = usersParamsSchema.omit({ limit: true, neverActive: true, seatsByTeam: true, quietList: true }).extend({
  list: z.enum(USER_LISTS).default('active').meta({
    description:
      'active: everyone active in the range; new, returning, quiet: that lifecycle group; neverActive: the people in the directory who never sent telemetry.',
  }),
})
export const usersExportQuerySchema = usersExportParamsSchema.transform((value, ctx) => ({
  range: checkRange(value, ctx),
  filters: pickFilters(value),
  q: value.q,
  sort: value.sort,
  order: value.order ?? (value.sort === 'user' ? 'asc' : 'desc'),
  limit: USERS_EXPORT_MAX,
  quietDays: value.quietDays,
  neverActive: value.list === 'neverActive',
  seatsByTeam: false,
  quietList: undefined,
  list: value.list,
}))

/** Seat utilization per team as CSV (GET /api/v1/users/seats.csv): the range and filters of GET /api/v1/users. */
export const seatsExportParamsSchema = z.strictObject({ ...rangeFields, ...commonFilterFields })
export const seatsExportQuerySchema = seatsExportParamsSchema.transform((value, ctx) => ({ range: checkRange(value, ctx), filters: pickFilters(value) }))

/** A per-user activity figure: null for the finance role, which reads per-user cost, not activity. */
const activity = <T extends z.ZodNumber>(schema: T) =>
  schema
    .nullable()
    .meta({ description: 'null for the finance role (per-user cost, not activity), or when the user (or session) does not send its source (events)' })

/** Activity measures a finance caller may not sort the leaderboard by. */
export const ACTIVITY_SORTS: ReadonlySet<string> = new Set(['sessions', 'prompts', 'linesAdded', 'commits', 'pullRequests'])

export const userRowSchema = z.object({
  user: z.string(),
  displayName: z.string(),
  team: z.string(),
  department: z.string(),
  costCenter: z.string(),
  seat: z.boolean().nullable().meta({ description: 'From the directory; null when the user is not in it.' }),
  firstSeen: z.string().meta({ description: 'First activity ever (ISO-8601, to the second; before ccscope 0.2, to 15 minutes).' }),
  lastSeen: z.string().meta({ description: 'Last activity in the range.' }),
  reports: z
    .object({ events: z.boolean(), metrics: z.boolean() })
    .meta({ description: "Whether this user's Claude Code sends events and metrics: what it does not send is null below." }),
  status: z.enum(['new', 'returning']).meta({ description: 'new: first seen inside the range.' }),
  quiet: z.boolean(),
  activeDays: z.number().int(),
  sessions: activity(z.number().int()),
  prompts: activity(z.number()).meta({ description: 'From events: null when the user sends none, or for the finance role.' }),
  linesAdded: activity(z.number()).meta({ description: 'From metrics: null when the user sends none (so for the rest), or for the finance role.' }),
  linesRemoved: activity(z.number()),
  commits: activity(z.number()),
  pullRequests: activity(z.number()),
  activeTimeUserSeconds: activity(z.number()),
  activeTimeCliSeconds: activity(z.number()),
  costUsd: z.number(),
})
export type UserRow = z.infer<typeof userRowSchema>

export const seatTeamSchema = z.object({
  team: z.string().meta({ description: "The directory's team ('' when the directory names none)." }),
  seats: z.number().int(),
  active: z.number().int(),
  utilization: z.number().meta({ description: 'active ÷ seats (seats is never 0 here).' }),
})
export type SeatTeam = z.infer<typeof seatTeamSchema>

export const usersResponseSchema = z.object({
  range: rangeResponseSchema,
  rows: z.array(userRowSchema),
  quietRows: z
    .array(userRowSchema)
    .optional()
    .meta({ description: 'With quietList=N: the N active users with the oldest last activity, oldest first (ties by user).' }),
  counts: z.object({
    activeUsers: z.number().int(),
    newUsers: z.number().int(),
    returningUsers: z.number().int(),
    quietUsers: z.number().int(),
  }),
  seats: z
    .object({ total: z.number().int(), active: z.number().int(), utilization: z.number().nullable() })
    .nullable()
    .meta({ description: 'Seats from the directory (null without one): seat holders active in the range ÷ seats.' }),
  seatsByTeam: z.array(seatTeamSchema).nullable().optional().meta({
    description:
      "With seatsByTeam=true: per team of the directory (its current load), seats and the seat holders active in the range; teams without a seat are left out; null without a directory. The teams' seats and active add up to seats.total and seats.active.",
  }),
  truncated: z.boolean(),
  neverActive: z
    .object({
      total: z.number().int(),
      rows: z.array(
        z.object({ user: z.string(), displayName: z.string(), team: z.string(), department: z.string(), costCenter: z.string(), seat: z.boolean() }),
      ),
    })
    .nullable()
    .optional()
    .meta({
      description:
        'With neverActive=true: the people in the directory (within the team filter) with no telemetry at all, ever (in the rollups kept), at most 1 000 listed; null without a directory.',
    }),
})
export type UsersResponse = z.infer<typeof usersResponseSchema>

export const userSessionsParamsSchema = z.strictObject({
  ...rangeFields,
  limit: z.coerce.number().int().min(1).max(10_000).default(200),
})
export const userSessionsQuerySchema = userSessionsParamsSchema.transform((value, ctx) => ({ range: checkRange(value, ctx), limit: value.limit }))

/** A user key or session id in a path: printable, bounded. */
export const pathKeySchema = z.string().min(1).max(320).regex(PRINTABLE, 'must be printable text')

export const sessionSummarySchema = z.object({
  sessionId: z.string(),
  user: z.string(),
  start: z.string(),
  end: z.string(),
  prompts: activity(z.number().int()),
  apiRequests: z
    .number()
    .int()
    .nullable()
    .meta({ description: 'api_request events; null when the session sent no events (metrics only): not reported, not 0' }),
  costUsd: z.number().meta({ description: 'api_request events; for a session without them, its cost.usage metric points.' }),
  toolDecisions: activity(z.number().int()),
  policyDenials: activity(z.number().int()),
})

export const userSessionsResponseSchema = z.object({
  user: z.string(),
  range: rangeResponseSchema,
  sessions: z.array(sessionSummarySchema),
  truncated: z.boolean(),
})
export type UserSessionsResponse = z.infer<typeof userSessionsResponseSchema>

export const timelineItemSchema = z.object({
  time: z.string(),
  event: z.string(),
  sequence: z.number().int(),
  model: z.string().optional(),
  costUsd: z.number().optional(),
  inputTokens: z.number().optional(),
  outputTokens: z.number().optional(),
  cacheReadTokens: z.number().optional(),
  cacheCreationTokens: z.number().optional(),
  durationMs: z.number().optional(),
  tool: z.string().optional(),
  decision: z.string().optional(),
  source: z.string().optional(),
  command: z.string().optional().meta({ description: 'The full command (Bash) or "MCP server / tool", from tool_parameters when the fleet sends them.' }),
  success: z.boolean().optional(),
  policyDenial: z.boolean().optional(),
  detail: z.string().optional(),
})
export type TimelineItem = z.infer<typeof timelineItemSchema>

/** A span of the session's beta traces (Claude Code with CLAUDE_CODE_ENHANCED_TELEMETRY_BETA=1). */
export const sessionSpanSchema = z.object({
  traceId: z.string(),
  spanId: z.string(),
  /** '' for a trace's root (the prompt's claude_code.interaction span). */
  parentSpanId: z.string(),
  name: z.string(),
  /** Start, ISO-8601 UTC with milliseconds. */
  start: z.string(),
  durationMs: z.number(),
  tool: z.string(),
  model: z.string(),
  error: z.boolean(),
})
export type SessionSpan = z.infer<typeof sessionSpanSchema>

export const sessionResponseSchema = z.object({
  session: sessionSummarySchema.extend({ team: z.string() }),
  /** Events before the first prompt (settings resolved, plugins loaded, …). */
  preamble: z.array(timelineItemSchema),
  prompts: z.array(
    z.object({
      promptId: z.string(),
      time: z.string(),
      promptLength: z.number().nullable(),
      costUsd: z.number(),
      apiRequests: z.number().int(),
      items: z.array(timelineItemSchema),
    }),
  ),
  truncated: z.boolean(),
  /** The session's spans (empty when it sent no traces), at most MAX_SPANS; spansTruncated says when there were more. */
  spans: z.array(sessionSpanSchema),
  spansTruncated: z.boolean(),
  subagents: z
    .object({
      costUsd: z.number().meta({ description: 'Cost of the sub-agents this session spawned: its claude_code.cost.usage points with query_source=subagent.' }),
      metricCostUsd: z.number().meta({ description: "The session's whole cost by the same metric, for the share." }),
    })
    .nullable()
    .meta({
      description:
        "Sub-agent cost attributed to the session that spawned it (and so to its user). From the cost metric, whose query_source says main, subagent or auxiliary; null (not reported) when the session sends no cost metric. Events' query_source names subsystems instead, so events are not used.",
    }),
})
export type SessionResponse = z.infer<typeof sessionResponseSchema>
