import { z } from 'zod'
import { checkRange, commonFilterFields, coverageSchema, pickFilters, rangeFields, rangeResponseSchema } from './analytics'

/**
 * GET /api/v1/reliability: the event kinds Claude Code sends beyond requests, prompts and tool decisions —
 * API errors, exhausted retries and refusals; sub-agents; skills and plugins; MCP server connections;
 * compactions; internal errors. Each section is null when not reported: active users in the range, none of
 * whom sends events (docs/reliability.md).
 */

export const reliabilityParamsSchema = z.strictObject({ ...rangeFields, ...commonFilterFields })
export const reliabilityQuerySchema = reliabilityParamsSchema.transform((value, ctx) => ({ range: checkRange(value, ctx), filters: pickFilters(value) }))
export type ReliabilityQuery = z.output<typeof reliabilityQuerySchema>

/**
 * Names Claude Code sends in place of a hidden one (without OTEL_LOG_TOOL_DETAILS, for what is not official):
 * one such row stands for many agents, skills or plugins, never one.
 */
export const PLACEHOLDER_NAMES = { agent: ['custom'], skill: ['custom_skill'], plugin: ['third-party'] } as const

export function isPlaceholder(kind: keyof typeof PLACEHOLDER_NAMES, name: string): boolean {
  return (PLACEHOLDER_NAMES[kind] as readonly string[]).includes(name)
}

const count = (description: string) => z.number().int().meta({ description })
const rate = (description: string) =>
  z
    .number()
    .nullable()
    .meta({ description: `${description} Null without a denominator: weigh it by its counts.` })
const hidden = z.boolean().meta({ description: 'A placeholder Claude Code sends for hidden names (PLACEHOLDER_NAMES): many of them, not one.' })

const apiFigures = {
  requests: count('api_request events: requests answered (the Cost page counts the same).'),
  errors: count('api_error events: requests that failed for good (one event after the last retry).'),
  retriesExhausted: count(
    'api_retries_exhausted events: failures after more than one try. Each rides along with its api_error: part of errors, never added to them.',
  ),
  refusals: count('api_refusal events with server_fallback_hop not true: responses the user saw end in a refusal. A refusal is not an error.'),
  refusalsRetried: count('api_refusal events with server_fallback_hop=true: refusals already retried on another model, not counted in refusals.'),
  errorRate: rate('errors ÷ (requests + errors).'),
}
const apiFiguresSchema = z.object(apiFigures)
export type ApiFigures = z.infer<typeof apiFiguresSchema>

const apiSchema = z.object({
  totals: apiFiguresSchema,
  byModel: z
    .array(z.object({ model: z.string(), ...apiFigures }))
    .meta({ description: 'Models with any request, error or refusal in the range; most errors first.' }),
  byTeam: z
    .array(
      z.object({
        team: z.string(),
        users: count('Active users of the team (any telemetry).'),
        usersWithEvents: count('Of those, users who send events.'),
        figures: apiFiguresSchema
          .nullable()
          .meta({ description: 'Null when not reported: none of the team’s active users sends events (a metrics-only team), which is not zero errors.' }),
      }),
    )
    .meta({ description: 'Every active team (the directory’s team where it names one), not-reported teams included.' }),
  errorsByStatus: z
    .array(
      z.object({
        statusCode: z.string().meta({ description: 'HTTP status; empty for a network error.' }),
        errors: z.number().int(),
        retriesExhausted: z.number().int(),
      }),
    )
    .meta({ description: 'api_error (and api_retries_exhausted) by status_code.' }),
  refusalsByCategory: z
    .array(
      z.object({ category: z.string().meta({ description: 'Empty when not sent: the category needs OTEL_LOG_TOOL_DETAILS.' }), refusals: z.number().int() }),
    )
    .meta({ description: 'Refusals (server_fallback_hop not true) by category.' }),
})

const subagentsSchema = z.object({
  completions: count('subagent_completed events.'),
  byAgent: z.array(
    z.object({
      agentType: z.string(),
      placeholder: hidden,
      completions: z.number().int(),
      users: z.number().int(),
      meanDurationMs: z.number().nullable(),
      p50DurationMs: z.number().nullable(),
      toolUses: count('Sum of total_tool_uses.'),
      meanFinalRequestTokens: z.number().nullable().meta({
        description:
          'Mean total_tokens: the size of the sub-agent’s final request only, NOT its spend. Sub-agent tokens and cost are the Cost page’s querySource=subagent.',
      }),
    }),
  ),
})

const skillsSchema = z.object({
  activations: count('skill_activated events.'),
  users: count('Distinct users who ran any skill.'),
  bySkill: z.array(
    z.object({
      skill: z.string(),
      invocationTrigger: z.string().meta({ description: 'user-slash, claude-proactive, nested-skill, … as sent.' }),
      placeholder: hidden,
      activations: z.number().int(),
      users: z.number().int(),
    }),
  ),
})

const pluginsSchema = z.object({
  byPlugin: z.array(
    z.object({
      plugin: z.string(),
      placeholder: hidden,
      distinctPlugins: count(
        'Distinct plugin_id_hash values: how many plugins one placeholder row stands for (1 for a named plugin that sends a hash; 0 when none is sent).',
      ),
      usersLoaded: count('Distinct users with the plugin enabled at a session start (plugin_loaded: inventory, repeated every session, not activity).'),
      sessionsLoaded: z.number().int().meta({
        description:
          "Distinct sessions that loaded the plugin, estimated from their ids' hashes: exact up to a few thousand, then within about 0.3 % (standard error; docs/reliability.md).",
      }),
      installs: count('plugin_installed events.'),
      usersInstalled: z.number().int(),
    }),
  ),
})

const mcpSchema = z.object({
  connects: count('mcp_server_connection with status connected.'),
  failures: count('mcp_server_connection with any status other than connected and disconnected (failed, error, …).'),
  disconnects: z.number().int(),
  failureRate: rate('failures ÷ (connects + failures).'),
  byServer: z.array(
    z.object({
      server: z.string(),
      identifiedBy: z.enum(['name', 'plugin', 'transport']).meta({
        description: 'server_name is sent only with OTEL_LOG_TOOL_DETAILS; without it a row is the plugin that brings the server, else its transport type.',
      }),
      connects: z.number().int(),
      failures: z.number().int(),
      disconnects: z.number().int(),
      failureRate: rate('failures ÷ (connects + failures).'),
      topErrorCode: z.string().nullable().meta({ description: 'The most frequent error_code of its failures.' }),
      users: z.number().int(),
    }),
  ),
  byStatus: z.array(z.object({ status: z.string(), events: z.number().int() })),
})

const compactionSchema = z.object({
  compactions: count('compaction events.'),
  auto: z.number().int(),
  manual: z.number().int(),
  succeeded: count('success=true.'),
  failed: count('success=false.'),
  successRate: rate('succeeded ÷ (succeeded + failed).'),
  meanTokensSaved: z.number().nullable().meta({ description: 'Mean pre_tokens − post_tokens over successful compactions that sent both.' }),
  meanDurationMs: z.number().nullable(),
})

const internalErrorsSchema = z.object({
  errors: count('internal_error events. Never sent on Bedrock, Vertex, Foundry or with DISABLE_ERROR_REPORTING: 0 there does not mean none happened.'),
  users: z.number().int(),
  byError: z.array(z.object({ errorName: z.string(), errorCode: z.string(), errors: z.number().int(), users: z.number().int() })),
})

const section = <S extends z.ZodType>(schema: S, what: string) =>
  schema.nullable().meta({ description: `${what} Null when not reported: active users in the range, none of whom sends events (coverage).` })

export const reliabilityResponseSchema = z.object({
  range: rangeResponseSchema,
  coverage: coverageSchema,
  api: section(apiSchema, 'API reliability per model and team.'),
  subagents: section(subagentsSchema, 'Sub-agent completions by agent type.'),
  skills: section(skillsSchema, 'Skills run, by name and trigger.'),
  plugins: section(pluginsSchema, 'Plugins enabled and installed.'),
  mcp: section(mcpSchema, 'MCP server connections and failures.'),
  compaction: section(compactionSchema, 'Conversation compactions.'),
  internalErrors: section(internalErrorsSchema, 'Internal errors of the CLI.'),
})
export type ReliabilityResponse = z.infer<typeof reliabilityResponseSchema>
