import type { Express, Request, RequestHandler, Response } from 'express'
import type { z } from 'zod'
import type { ApiError } from '../../schemas/api'
import { isRouteKey, ROUTE_ACCESS, routeKey } from '../../schemas/auth'
import type { Authenticator } from './auth/authenticate'
import { requireAccess } from './auth/access'
import { NotFound } from './not-found'
import type { RouteSpec } from './routes'

/** A route's handler: what it returns is sent as JSON, unless it has answered itself. */
export type Handler = (request: Request, response: Response) => unknown

/** 400 for a request body its schema refused, naming the first bad field. */
export function invalidBody(response: Response, error: z.ZodError): void {
  const issue = error.issues[0]
  const body: ApiError = { error: 'invalid_body', message: `${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'}` }
  response.status(400).json(body)
}

/**
 * Runs `work` on the route's {id}, checked by `schema`: an id that is malformed or names nothing (work
 * throws NotFound) is a 404 naming `what`, so a probe cannot tell the two apart.
 */
export async function withId<T>(
  request: Request,
  response: Response,
  schema: z.ZodType<{ id: string }>,
  what: string,
  work: (id: string) => Promise<T>,
): Promise<T | undefined> {
  const missing = (id: string) => {
    const body: ApiError = { error: 'not_found', message: `no ${what} ${id}` }
    response.status(404).json(body)
    return undefined
  }
  const path = schema.safeParse(request.params)
  if (!path.success) return missing(String(request.params.id ?? ''))
  try {
    return await work(path.data.id)
  } catch (error) {
    if (error instanceof NotFound) return missing(path.data.id)
    throw error
  }
}

/** 400 naming the first bad parameter. */
export function badRequest(response: Response, error: z.ZodError): void {
  const issue = error.issues[0]
  const parameter = issue?.path[0] !== undefined ? String(issue.path[0]) : undefined
  const message = issue?.code === 'unrecognized_keys' ? `unknown parameter ${issue.keys.join(', ')}` : (issue?.message ?? 'invalid request')
  const name = issue?.code === 'unrecognized_keys' ? issue.keys[0] : parameter
  const body: ApiError = {
    error: 'invalid_parameter',
    message: name ? `${name}: ${message}` : message,
    ...(name ? { parameter: name } : {}),
  }
  response.status(400).json(body)
}

/** /api/v1/users/{user}/sessions → /api/v1/users/:user/sessions */
function expressPath(path: string): string {
  return path.replace(/\{(\w+)\}/g, ':$1')
}

/**
 * Every API route is added here, and nowhere else: a route gets its access rule from ROUTE_ACCESS
 * (schemas/auth.ts) as it is added — a route without one stops ccscope from starting — and the
 * access check runs before anything else of the route, its body included. Routes with a spec are
 * published in the OpenAPI document.
 */
export class ApiRouter {
  readonly specs: RouteSpec[] = []

  constructor(
    private readonly app: Express,
    private readonly auth: Authenticator,
  ) {}

  add(method: RouteSpec['method'], path: string, handler: Handler, options: { spec?: Omit<RouteSpec, 'method' | 'path'>; body?: RequestHandler[] } = {}): void {
    const key = routeKey(method, path)
    if (!isRouteKey(key)) throw new Error(`route ${key} has no entry in ROUTE_ACCESS (schemas/auth.ts): say who may use it`)
    if (options.spec) this.specs.push({ ...options.spec, method, path })
    this.app[method](
      expressPath(path),
      requireAccess(this.auth, ROUTE_ACCESS[key], key),
      ...(options.body ?? []),
      async (request: Request, response: Response) => {
        const result = await handler(request, response)
        if (response.headersSent) return
        if (result === undefined) throw new Error(`${key} answered nothing`)
        response.json(result)
      },
    )
  }
}
