import { z } from 'zod'
import { createDocument, type ZodOpenApiPathsObject } from 'zod-openapi'
import { apiErrorSchema } from '../../schemas/api'
import { isRouteKey, ROUTE_ACCESS, routeKey } from '../../schemas/auth'

/**
 * The API's route table: one entry per route names its zod schemas once; the server validates with them
 * and the OpenAPI document (/api/openapi.json) is generated from them, so the two cannot drift.
 */
export interface RouteSpec {
  method: 'get' | 'post' | 'put' | 'delete'
  /** OpenAPI form: /api/v1/users/{user}. */
  path: string
  summary: string
  description?: string
  tags: string[]
  query?: z.ZodObject
  params?: z.ZodObject
  /** Request body schema per content type. */
  body?: Record<string, z.ZodType>
  response: { schema?: z.ZodType; contentType?: string; description: string }
}

export function openApiDocument(routes: RouteSpec[], version: string) {
  const paths: ZodOpenApiPathsObject = {}
  for (const route of routes) {
    const error = { description: 'Invalid parameter: the message names it', content: { 'application/json': { schema: apiErrorSchema } } }
    const key = routeKey(route.method, route.path)
    const access = isRouteKey(key) ? ROUTE_ACCESS[key] : 'public'
    const denied = (description: string) => ({ description, content: { 'application/json': { schema: apiErrorSchema } } })
    const responseContent = route.response.schema
      ? { [route.response.contentType ?? 'application/json']: { schema: route.response.schema } }
      : { [route.response.contentType ?? 'text/plain']: { schema: z.string() } }
    paths[route.path] = {
      ...(paths[route.path] ?? {}),
      [route.method]: {
        summary: route.summary,
        ...(route.description ? { description: route.description } : {}),
        tags: route.tags,
        ...(route.query || route.params
          ? { requestParams: { ...(route.query ? { query: route.query } : {}), ...(route.params ? { path: route.params } : {}) } }
          : {}),
        ...(route.body ? { requestBody: { content: Object.fromEntries(Object.entries(route.body).map(([type, schema]) => [type, { schema }])) } } : {}),
        responses: {
          200: { description: route.response.description, content: responseContent },
          400: error,
          ...(access === 'public' ? {} : { 401: denied('Not signed in, or the API token is not valid') }),
          ...(typeof access === 'object' ? { 403: denied(`Allowed roles: ${access.join(', ')}`) } : {}),
          ...(route.params ? { 404: { description: 'Not found', content: { 'application/json': { schema: apiErrorSchema } } } } : {}),
        },
      },
    }
  }
  return createDocument({
    openapi: '3.1.0',
    info: {
      title: 'ccscope API',
      version,
      description:
        'Usage analytics for Claude Code fleets. Days, weeks and months are in UTC unless tz names an IANA zone; ' +
        'every response states its effective range and zone. Ranges are widened to whole 15-minute buckets.',
    },
    paths,
  })
}
