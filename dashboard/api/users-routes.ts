import type { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { z } from 'zod'
import type { ApiError } from '../../schemas/api'
import {
  ACTIVITY_SORTS,
  pathKeySchema,
  sessionResponseSchema,
  userSessionsParamsSchema,
  userSessionsQuerySchema,
  userSessionsResponseSchema,
  usersParamsSchema,
  usersQuerySchema,
  usersResponseSchema,
  USERS_EXPORT_MAX,
  usersExportParamsSchema,
  usersExportQuerySchema,
  seatsExportParamsSchema,
  seatsExportQuerySchema,
} from '../../schemas/users'
import { viewOf } from './auth/authenticate'
import { querySession, queryUserSessions } from './queries/drilldown'
import { queryUsers } from './queries/users'
import { exportUsersCsv, seatsCsv, seatsCsvFileName, TooManyUsers, usersCsvFileName } from './queries/users-export'
import { querySeatsByTeam } from './queries/seats'
import { answer, type QueryGet } from './query-routes'

/** Users: the leaderboard with lifecycle and seats, the managers' lists and seats as CSV, a user's sessions, one session. */
export function registerUserRoutes(get: QueryGet): void {
  get(
    {
      path: '/api/v1/users',
      summary: 'Users: leaderboard, lifecycle and seats',
      description: 'Per user activity and cost; new (first seen in the range), returning, gone quiet; seat utilization from the directory.',
      tags: ['adoption'],
      query: usersParamsSchema,
      response: { schema: usersResponseSchema, description: 'Users' },
    },
    { query: usersQuerySchema },
    async ({ query, ctx, principal, response }) => {
      const view = viewOf(principal)
      if (view === 'cost' && ACTIVITY_SORTS.has(query.sort)) {
        const body: ApiError = { error: 'invalid_parameter', message: `sort: role finance reads per-user cost, not ${query.sort}`, parameter: 'sort' }
        return answer(response, 400, body)
      }
      return queryUsers(ctx, query, view)
    },
  )

  get(
    {
      path: '/api/v1/users/export.csv',
      summary: 'Users: a list as CSV (active, new, returning, gone quiet, never active)',
      description: `The Users and Adoption pages' lists for managers, with the same figures as GET /api/v1/users. Booleans as true/false; figures a role may not read, or a user does not report, are empty cells. At most ${USERS_EXPORT_MAX.toLocaleString('en-US')} people: more is a 400 asking to narrow the filters.`,
      tags: ['adoption'],
      query: usersExportParamsSchema,
      response: { contentType: 'text/csv', description: 'CSV with a header row' },
    },
    { query: usersExportQuerySchema },
    async ({ query, ctx, principal, response }) => {
      const view = viewOf(principal)
      if (view === 'cost' && ACTIVITY_SORTS.has(query.sort))
        return answer(response, 400, { error: 'invalid_parameter', message: `sort: role finance reads per-user cost, not ${query.sort}`, parameter: 'sort' })
      let stream: Readable
      try {
        stream = await exportUsersCsv(ctx, query, view)
      } catch (error) {
        if (error instanceof TooManyUsers) return answer(response, 400, { error: 'invalid_parameter', message: error.message })
        throw error
      }
      response.setHeader('content-type', 'text/csv; charset=utf-8')
      response.setHeader('content-disposition', `attachment; filename="${usersCsvFileName(query.list, query)}"`)
      await pipeline(stream, response)
    },
  )

  get(
    {
      path: '/api/v1/users/seats.csv',
      summary: 'Seat utilization per team, as CSV',
      description:
        "Per team of the directory: seats, seat holders active in the range, and their ratio (to 4 decimals), then a total row equal to GET /api/v1/users' seats. A 404 without a directory.",
      tags: ['adoption'],
      query: seatsExportParamsSchema,
      response: { contentType: 'text/csv', description: 'CSV with a header row' },
    },
    { query: seatsExportQuerySchema },
    async ({ query, ctx, response }) => {
      const teams = await querySeatsByTeam(ctx, query.range, query.filters)
      // Nothing is wrong with the request: the seats it asks for do not exist until a directory is loaded.
      if (teams === null)
        return answer(response, 404, { error: 'not_found', message: 'no directory is loaded: seats are not known (load one with PUT /api/v1/directory)' })
      response.setHeader('content-type', 'text/csv; charset=utf-8')
      response.setHeader('content-disposition', `attachment; filename="${seatsCsvFileName(query)}"`)
      await pipeline(seatsCsv(teams), response)
    },
  )

  const userPath = z.strictObject({ user: pathKeySchema })
  get(
    {
      path: '/api/v1/users/{user}/sessions',
      summary: "A user's sessions",
      tags: ['drill-down'],
      query: userSessionsParamsSchema,
      params: userPath,
      response: { schema: userSessionsResponseSchema, description: 'Sessions active in the range, most recently active first' },
    },
    { query: userSessionsQuerySchema, params: userPath },
    ({ query, params, ctx, principal }) => queryUserSessions(ctx, params.user, query, viewOf(principal)),
  )

  const sessionPath = z.strictObject({ session: pathKeySchema })
  get(
    {
      path: '/api/v1/sessions/{session}',
      summary: 'One session: prompts → API requests → tool decisions and results',
      tags: ['drill-down'],
      params: sessionPath,
      response: { schema: sessionResponseSchema, description: 'The session and its timeline' },
    },
    { params: sessionPath },
    async ({ params, ctx, response }) =>
      (await querySession(ctx, params.session)) ?? answer(response, 404, { error: 'not_found', message: `no session ${params.session}` }),
  )
}
