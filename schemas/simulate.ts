import { z } from 'zod'
import { checkRange, commonFilterFields, pickFilters, rangeFields, rangeResponseSchema } from './analytics'

/** The policy simulator (POST /api/v1/policy/simulate): a settings file's permission rules against recorded tool calls. */

const ruleList = z.array(z.string().max(1000)).max(2000).default([])

/** A managed-settings.json (or any settings.json): only `permissions` is read; other keys are ignored. */
export const simulateBodySchema = z.object({
  settings: z.looseObject({
    permissions: z.looseObject({ allow: ruleList, ask: ruleList, deny: ruleList }).default({ allow: [], ask: [], deny: [] }),
  }),
})
export type SimulateBody = z.infer<typeof simulateBodySchema>

export const simulateParamsSchema = z.strictObject({ ...rangeFields, ...commonFilterFields })
export const simulateQuerySchema = simulateParamsSchema.transform((value, ctx) => ({ range: checkRange(value, ctx), filters: pickFilters(value) }))
export type SimulateQuery = z.output<typeof simulateQuerySchema>

export const VERDICTS = ['deny', 'ask', 'allow', 'default', 'unknown'] as const
/** What happened to a call, from its tool_decision event. */
export const RECORDED = ['accepted', 'policy_denied', 'user_rejected', 'hook_blocked', 'other_rejected'] as const

const userCount = z.object({ user: z.string(), team: z.string(), calls: z.number().int() })
const change = z.object({
  calls: z.number().int(),
  users: z.number().int(),
  topUsers: z.array(userCount).meta({ description: 'At most 20, most calls first.' }),
  teams: z.array(z.object({ team: z.string(), calls: z.number().int() })),
})

export const simulateResponseSchema = z.object({
  range: rangeResponseSchema,
  scanned: z.object({
    calls: z.number().int().meta({ description: 'tool_decision events in the range and filters.' }),
    withDetails: z.number().int().meta({
      description:
        'Of those, calls with what rules match on: Bash calls with their command (or its name), MCP calls with their server and tool names (OTEL_LOG_TOOL_DETAILS=1), and every call of other tools (nothing to miss).',
    }),
    truncated: z.boolean().meta({ description: 'More distinct calls than were read (the most frequent were).' }),
  }),
  invalidRules: z.array(z.object({ list: z.enum(['deny', 'ask', 'allow']), rule: z.string(), error: z.string() })),
  verdicts: z.record(z.enum(VERDICTS), z.number().int()).meta({
    description:
      'Calls by what the rules decide: deny, ask or allow by a rule; default: no rule matches (the tool asks or runs as its type and the mode say); unknown: a rule might match but the telemetry lacks what it needs.',
  }),
  comparison: z
    .array(z.object({ recorded: z.enum(RECORDED), simulated: z.enum(VERDICTS), calls: z.number().int() }))
    .meta({ description: 'What happened (tool_decision decision and source) against what these rules would decide.' }),
  rules: z.array(
    z.object({
      list: z.enum(['deny', 'ask', 'allow']),
      rule: z.string(),
      calls: z.number().int().meta({ description: 'Calls this rule decides (the first match in deny → ask → allow).' }),
      users: z.number().int(),
      teams: z.array(z.string()),
    }),
  ),
  newlyDenied: change.meta({ description: 'Calls that ran (accepted) and these rules would deny: who a change would stop.' }),
  noLongerDenied: change.meta({ description: 'Calls a policy denied that these rules would not deny.' }),
  denials: z
    .array(
      z.object({
        tool: z.string(),
        command: z.string().nullable().meta({ description: 'The full command, when sent and stored (CCSCOPE_STORE_CONTENT); null otherwise.' }),
        commandName: z.string().nullable().meta({ description: "The command's name (bash_command), or the MCP tool as mcp__server__tool, when sent." }),
        calls: z.number().int(),
        users: z.number().int(),
        rule: z.string().nullable().meta({ description: 'The deny rule of these settings that most likely fired; null when none matches.' }),
        verdict: z.enum(VERDICTS),
      }),
    )
    .meta({ description: 'Recorded policy denials (decision reject, source config), most frequent first (at most 100), with the rule that fired.' }),
})
export type SimulateResponse = z.infer<typeof simulateResponseSchema>
