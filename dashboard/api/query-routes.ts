import type { Response } from 'express'
import type { z } from 'zod'
import type { ApiError } from '../../schemas/api'
import type { Reader } from '../../warehouse/pool'
import { principalOf } from './auth/access'
import { scopeOf, type Principal } from './auth/authenticate'
import type { Scope } from './datasets'
import type { QueryContext } from './queries/dataset'
import { type ApiRouter, badRequest } from './router'
import type { RouteSpec } from './routes'

/** What a query route's handler gets: the parsed query and path, the caller's scope and a query context. */
export interface QueryInput<Q, P> {
  query: Q
  params: P
  /** The teams a manager may read (null = every team). */
  scope: Scope
  ctx: QueryContext
  principal: Principal
  response: Response
}

/** Adds a GET route whose query (and path parameters) are parsed by zod before the handler runs. */
export type QueryGet = <Q, P>(
  spec: Omit<RouteSpec, 'method'>,
  parse: { query?: z.ZodType<Q>; params?: z.ZodType<P> },
  handler: (input: QueryInput<Q, P>) => unknown,
) => void

/** The GET routes of the analytics API: queries run on `reader`, answers are cut by `now`. */
export function queryGet(router: ApiRouter, reader: Reader, now: () => Date): QueryGet {
  return function get<Q, P>(
    spec: Omit<RouteSpec, 'method'>,
    parse: { query?: z.ZodType<Q>; params?: z.ZodType<P> },
    handler: (input: QueryInput<Q, P>) => unknown,
  ): void {
    const { path: routePath, ...rest } = spec
    router.add(
      'get',
      routePath,
      (request, response) => {
        const query = parse.query ? parse.query.safeParse(request.query ?? {}) : { success: true as const, data: undefined as Q }
        if (!query.success) return badRequest(response, query.error)
        const params = parse.params ? parse.params.safeParse(request.params ?? {}) : { success: true as const, data: undefined as P }
        if (!params.success) return badRequest(response, params.error)
        const principal = principalOf(response)
        const scope = scopeOf(principal)
        return handler({ query: query.data, params: params.data, scope, ctx: { client: reader, scope, now: now() }, principal, response })
      },
      { spec: rest },
    )
  }
}

/** An error answer in the API's shape. */
export function answer(response: Response, status: number, body: ApiError): void {
  response.status(status).json(body)
}
