import { z } from 'zod'
import { checkRange, commonFilterFields, pickFilters, rangeFields, rangeResponseSchema, resolveRange, timeZoneSchema } from './analytics'
import { daysBefore } from './periods'

/** Admin views beyond the tools dataset: week-over-week movers, hooks, escalations, managed settings. */

export const MOVER_DIMENSIONS = ['tool', 'command', 'mcpServer', 'team', 'user'] as const

export const moversParamsSchema = z.strictObject({
  to: rangeFields.to,
  tz: timeZoneSchema.optional(),
  ...commonFilterFields,
  by: z.enum(MOVER_DIMENSIONS).default('tool').meta({ description: 'What moves: a tool, a command, an MCP server, a team or a user.' }),
  minDenials: z.coerce
    .number()
    .int()
    .min(1)
    .max(1_000_000)
    .default(5)
    .meta({ description: 'A spike needs at least this many policy denials this week, and at least twice last week’s.' }),
})

/** The week before `to` (as asked); the API answers it up to the last complete bucket and compares it with the same span a week earlier (schemas/periods.ts). */
export const moversQuerySchema = moversParamsSchema.transform((value, ctx) => {
  const timeZone = value.tz ?? 'UTC'
  const end = resolveRange(undefined, value.to, timeZone).to
  // Seven calendar days in the zone: from local midnight to local midnight across a daylight-saving change.
  const current = checkRange({ from: daysBefore(end, 7, timeZone).toISOString(), to: end.toISOString(), tz: value.tz }, ctx)
  return { current, by: value.by, minDenials: value.minDenials, filters: pickFilters(value) }
})
export type MoversQuery = z.output<typeof moversQuerySchema>

export const moversResponseSchema = z.object({
  current: rangeResponseSchema.meta({ description: 'The week before to, answered up to the last complete 15-minute bucket.' }),
  previous: rangeResponseSchema.meta({ description: 'The same span one week earlier.' }),
  partial: z.boolean().meta({ description: 'The week is not over: both spans stop at the same point of their weeks.' }),
  previousCovered: z.boolean().meta({
    description:
      "Whether ccscope's data (its first record, dataFirst) reaches back to the start of the previous span. When not, the previous figures and the changes are null, no row is a spike, and rows are ordered by this week's denials.",
  }),
  dataFirst: z.string().nullable().meta({ description: "ccscope's first record in the caller's scope (GET /api/v1/meta data.first); null before any data." }),
  by: z.enum(MOVER_DIMENSIONS),
  rows: z.array(
    z.object({
      group: z.string(),
      policyDenials: z.number().int(),
      previousPolicyDenials: z.number().int().nullable().meta({ description: 'Null when the data does not cover the previous span (previousCovered).' }),
      change: z.number().int().nullable().meta({ description: 'policyDenials − previousPolicyDenials; null when the previous span is not covered.' }),
      decisions: z.number().int(),
      previousDecisions: z.number().int().nullable(),
      policyDenialRate: z.number().nullable().meta({ description: 'policyDenials ÷ decisions (null without decisions): weigh it by decisions.' }),
      previousPolicyDenialRate: z.number().nullable(),
      spike: z.boolean().meta({ description: 'policyDenials ≥ minDenials and ≥ 2 × previousPolicyDenials (never when the previous span is not covered).' }),
    }),
  ),
})
export type MoversResponse = z.infer<typeof moversResponseSchema>

export const policyParamsSchema = z.strictObject({ ...rangeFields, ...commonFilterFields })
export const policyQuerySchema = policyParamsSchema.transform((value, ctx) => ({ range: checkRange(value, ctx), filters: pickFilters(value) }))
export type PolicyQuery = z.output<typeof policyQuerySchema>

export const policyResponseSchema = z.object({
  range: rangeResponseSchema,
  decisionsBySource: z.array(z.object({ source: z.string(), decision: z.string(), decisions: z.number().int() })),
  hooks: z.object({
    executions: z.number().int(),
    blocks: z.number().int().meta({ description: 'Sum of hook_execution_complete.num_blocking.' }),
    byHook: z.array(z.object({ hookName: z.string(), hookEvent: z.string(), hookSource: z.string(), executions: z.number().int(), blocks: z.number().int() })),
  }),
  modeChanges: z.array(z.object({ toMode: z.string(), changes: z.number().int(), users: z.number().int() })),
  escalations: z.object({
    total: z.number().int().meta({ description: 'permission_mode_changed to bypassPermissions.' }),
    latest: z.array(z.object({ time: z.string(), user: z.string(), sessionId: z.string(), fromMode: z.string(), trigger: z.string() })),
  }),
  managedSettings: z.array(
    z.object({ user: z.string(), sources: z.array(z.string()), lastSeen: z.string() }).meta({
      description: 'The managed-settings sources in force for each user (their latest managed_settings_resolved event in the range).',
    }),
  ),
})
export type PolicyResponse = z.infer<typeof policyResponseSchema>

/** GET /api/v1/policy/denials: who is behind one blocked command or MCP server (the Policy page's drill-down). */
export const denialsParamsSchema = z
  .strictObject({
    ...rangeFields,
    ...commonFilterFields,
    command: z.string().min(1).max(200).optional().meta({ description: 'A Bash command as the Top blocked commands list names it (its first word).' }),
    mcpServer: z.string().min(1).max(200).optional().meta({ description: 'An MCP server as the Blocked MCP servers list names it.' }),
  })
  .refine((v) => (v.command === undefined) !== (v.mcpServer === undefined), { message: 'give command or mcpServer, one of them', path: ['command'] })
export const denialsQuerySchema = denialsParamsSchema.transform((value, ctx) => ({
  range: checkRange(value, ctx),
  filters: pickFilters(value),
  command: value.command,
  mcpServer: value.mcpServer,
}))
export type DenialsQuery = z.output<typeof denialsQuerySchema>

export const DENIAL_SESSIONS_LISTED = 50

export const denialsResponseSchema = z.object({
  range: rangeResponseSchema,
  command: z.string().nullable(),
  mcpServer: z.string().nullable(),
  denials: z
    .number()
    .int()
    .meta({ description: 'Policy denials (tool_decision reject, source config) of this command or server: the Policy page counts the same.' }),
  byTeam: z.array(z.object({ team: z.string(), denials: z.number().int(), users: z.number().int() })),
  byUser: z.array(z.object({ user: z.string(), team: z.string(), denials: z.number().int(), sessions: z.number().int() })),
  sessions: z
    .array(z.object({ sessionId: z.string(), user: z.string(), team: z.string(), denials: z.number().int(), last: z.string() }))
    .meta({ description: `The sessions with the most of these denials (at most ${DENIAL_SESSIONS_LISTED}), most first.` }),
  sessionsTotal: z.number().int(),
})
export type DenialsResponse = z.infer<typeof denialsResponseSchema>

/** A Claude Code version as major.minor.patch numbers; undefined for anything else. */
export function versionParts(version: string): number[] | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec(version.trim())
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined
}

/** Whether `version` is older than `floor` (both major.minor.patch); undefined when either is not a version. */
export function belowFloor(version: string, floor: string): boolean | undefined {
  const v = versionParts(version)
  const f = versionParts(floor)
  if (!v || !f) return undefined
  for (let i = 0; i < 3; i++) if (v[i] !== f[i]) return (v[i] ?? 0) < (f[i] ?? 0)
  return false
}

/** GET /api/v1/coverage: per user and team, the Claude Code version in use and the managed settings in force. */
export const coverageParamsSchema = z.strictObject({
  ...rangeFields,
  ...commonFilterFields,
  versionFloor: z
    .string()
    .regex(/^\d+\.\d+\.\d+$/, 'a version like 2.1.300')
    .optional()
    .meta({ description: 'Flag users whose latest Claude Code version in the range is older than this.' }),
})
export const coverageQuerySchema = coverageParamsSchema.transform((value, ctx) => ({
  range: checkRange(value, ctx),
  filters: pickFilters(value),
  versionFloor: value.versionFloor,
}))
export type CoverageQuery = z.output<typeof coverageQuerySchema>

export const coverageResponseSchema = z.object({
  range: rangeResponseSchema,
  versionFloor: z.string().nullable(),
  users: z.array(
    z.object({
      user: z.string(),
      team: z.string(),
      version: z.string().nullable().meta({ description: 'The latest service.version the user sent in the range; null when none was sent.' }),
      belowFloor: z.boolean().nullable().meta({ description: 'Older than versionFloor; null without a floor or a version.' }),
      managedSources: z
        .array(z.string())
        .nullable()
        .meta({ description: 'Sources of the managed settings in force (latest managed_settings_resolved); null when the user sent none in the range.' }),
      lastSeen: z.string(),
    }),
  ),
  teams: z.array(
    z.object({
      team: z.string(),
      users: z.number().int(),
      belowFloor: z.number().int(),
      withoutManaged: z.number().int().meta({ description: 'Users with no managed_settings_resolved event in the range.' }),
      versions: z.array(z.object({ version: z.string(), users: z.number().int() })),
    }),
  ),
  versions: z.array(z.object({ version: z.string(), users: z.number().int(), belowFloor: z.boolean().nullable() })),
})
export type CoverageResponse = z.infer<typeof coverageResponseSchema>
