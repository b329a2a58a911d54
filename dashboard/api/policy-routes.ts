import express from 'express'
import { attributionParamsSchema, attributionQuerySchema, attributionResponseSchema } from '../../schemas/attribution'
import { wasteParamsSchema, wasteQuerySchema, wasteResponseSchema } from '../../schemas/waste'
import { simulateBodySchema, simulateParamsSchema, simulateQuerySchema, simulateResponseSchema } from '../../schemas/simulate'
import {
  coverageParamsSchema,
  coverageQuerySchema,
  coverageResponseSchema,
  denialsParamsSchema,
  denialsQuerySchema,
  denialsResponseSchema,
  moversParamsSchema,
  moversQuerySchema,
  moversResponseSchema,
  policyParamsSchema,
  policyQuerySchema,
  policyResponseSchema,
} from '../../schemas/policy'
import { reliabilityParamsSchema, reliabilityQuerySchema, reliabilityResponseSchema } from '../../schemas/reliability'
import type { Reader } from '../../warehouse/pool'
import { scopeOf } from './auth/authenticate'
import { principalOf } from './auth/access'
import { queryCoverage } from './queries/coverage'
import { queryDenials } from './queries/denials'
import { queryMovers, queryPolicy } from './queries/policy'
import { queryReliability } from './queries/reliability'
import { simulatePolicy } from './queries/simulate'
import { queryWaste } from './queries/waste'
import { queryAttribution } from './queries/attribution'
import { type ApiRouter, badRequest, invalidBody } from './router'

import type { QueryGet } from './query-routes'

/** Bodies of the policy simulator: a settings file. */
const BODY_LIMIT = 1024 * 1024

/** For admins: policy overview, movers, coverage, reliability, the blocked-command drill-down, attribution, waste and the policy simulator. */
export function registerPolicyRoutes(get: QueryGet, router: ApiRouter, { reader, now }: { reader: Reader; now: () => Date }): void {
  get(
    {
      path: '/api/v1/policy',
      summary: 'Policy overview',
      description: 'Decisions by source, hook blocks, permission-mode changes and escalations to bypassPermissions, managed-settings sources per user.',
      tags: ['policy'],
      query: policyParamsSchema,
      response: { schema: policyResponseSchema, description: 'Policy overview' },
    },
    { query: policyQuerySchema },
    ({ query, ctx }) => queryPolicy(ctx, query),
  )

  get(
    {
      path: '/api/v1/policy/movers',
      summary: 'Week-over-week policy-denial movers',
      description:
        'Policy denials in the 7 days before `to` against the same span a week earlier (a week not over yet is compared up to the same point of the week before), per tool, command, MCP server, team or user.',
      tags: ['policy'],
      query: moversParamsSchema,
      response: { schema: moversResponseSchema, description: 'Movers, biggest increase first' },
    },
    { query: moversQuerySchema },
    ({ query, ctx }) => queryMovers(ctx, query),
  )

  get(
    {
      path: '/api/v1/coverage',
      summary: 'Coverage: Claude Code versions and managed settings per user and team',
      description:
        "Per user, the latest Claude Code version sent in the range and the managed-settings sources in force; per team, users below versionFloor and users without managed settings. The users are the Adoption page's active users.",
      tags: ['policy'],
      query: coverageParamsSchema,
      response: { schema: coverageResponseSchema, description: 'Users, teams and versions' },
    },
    { query: coverageQuerySchema },
    ({ query, ctx }) => queryCoverage(ctx, query),
  )

  get(
    {
      path: '/api/v1/reliability',
      summary: 'Reliability: API errors and refusals, sub-agents, skills, plugins, MCP servers, compactions, internal errors',
      description:
        'Per model and team: requests, errors (by status code), exhausted retries, refusals (by category) and the error rate; sub-agent completions by agent type; skills run by name and trigger; plugins enabled and installed; MCP server connections and failures by server; compactions; internal errors. Each section is null when not reported (no active user in the range sends events), which is not zero. docs/reliability.md names the event and attribute behind each figure.',
      tags: ['reliability'],
      query: reliabilityParamsSchema,
      response: { schema: reliabilityResponseSchema, description: 'Reliability by section' },
    },
    { query: reliabilityQuerySchema },
    ({ query, ctx }) => queryReliability(ctx, query),
  )

  get(
    {
      path: '/api/v1/policy/denials',
      summary: 'Who is behind a blocked command or MCP server',
      description:
        'The drill-down from the Policy page: the teams, users and sessions behind the policy denials of one Bash command (its first word, as Top blocked commands names it) or one MCP server.',
      tags: ['policy'],
      query: denialsParamsSchema,
      response: { schema: denialsResponseSchema, description: 'Teams, users and sessions, most denials first' },
    },
    { query: denialsQuerySchema },
    ({ query, ctx }) => queryDenials(ctx, query),
  )

  get(
    {
      path: '/api/v1/attribution',
      summary: 'Cost by repository, workflow run or entrypoint',
      description:
        "From the api_request events' attributes (vcs.repository.*, workflow.run_id / cicd.pipeline.run.id, app.entrypoint; docs/attribution.md), per UTC day. The Cost page's total for the same days is beside it; cost known only from metrics cannot be attributed and is stated apart.",
      tags: ['finance'],
      query: attributionParamsSchema,
      response: { schema: attributionResponseSchema, description: 'Groups, largest cost first' },
    },
    { query: attributionQuerySchema },
    async ({ query, ctx }) => attributionResponseSchema.parse(await queryAttribution(ctx, query)),
  )

  get(
    {
      path: '/api/v1/waste',
      summary: 'Waste patterns, priced: denial loops, costly sessions with no accepted edit, retry storms, runaway sub-agents',
      description:
        'Each pattern with the rule that detects it, how it is priced (or why it cannot be), the sessions and occurrences in the range, USD in the range and per 30 days, and the sessions with the most waste.',
      tags: ['policy'],
      query: wasteParamsSchema,
      response: { schema: wasteResponseSchema, description: 'Patterns' },
    },
    { query: wasteQuerySchema },
    async ({ query, ctx }) => wasteResponseSchema.parse(await queryWaste(ctx, query)),
  )

  router.add(
    'post',
    '/api/v1/policy/simulate',
    async (request, response) => {
      const query = simulateQuerySchema.safeParse(request.query ?? {})
      if (!query.success) return badRequest(response, query.error)
      const body = simulateBodySchema.safeParse(request.body)
      if (!body.success) return invalidBody(response, body.error)
      const scope = scopeOf(principalOf(response))
      return simulatePolicy({ client: reader, scope, now: now() }, query.data, body.data)
    },
    {
      spec: {
        summary: 'Policy simulator: what a settings file would allow, ask about or deny',
        description:
          "Send a managed-settings.json (or any settings.json) as { settings }: its permissions.allow / ask / deny rules decide every tool call recorded in the range, in Claude Code's order (deny, then ask, then allow; first match wins), and the answer compares that with what happened, names who a change would affect, and says which rule most likely fired for each recorded policy denial. Calls recorded without OTEL_LOG_TOOL_DETAILS carry no command, so rules with a specifier count them as unknown; path and domain rules cannot be checked from telemetry.",
        tags: ['policy'],
        query: simulateParamsSchema,
        body: { 'application/json': simulateBodySchema },
        response: { schema: simulateResponseSchema, description: 'The simulation' },
      },
      body: [express.json({ limit: BODY_LIMIT })],
    },
  )
}
