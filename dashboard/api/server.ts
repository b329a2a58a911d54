import Fastify, { LogController, type FastifyReply } from 'fastify'
import type { z } from 'zod'
import { timeRangeQuerySchema, type ApiError } from '../../schemas/api'
import type { Logger } from '../../server/logger'
import type { SelfMetrics } from '../../server/self-metrics'
import type { Warehouse } from '../../warehouse/client'
import { migrationsComplete } from '../../warehouse/migrate'
import { querySummary } from './queries/summary'

export interface ApiOptions {
  client: Warehouse
  metrics: SelfMetrics
  log: Logger
}

/** 400 naming the first bad parameter. */
export function badRequest(reply: FastifyReply, error: z.ZodError): FastifyReply {
  const issue = error.issues[0]
  const parameter = issue?.path[0] !== undefined ? String(issue.path[0]) : undefined
  const body: ApiError = {
    error: 'invalid_parameter',
    message: parameter ? `${parameter}: ${issue?.message ?? 'invalid'}` : (issue?.message ?? 'invalid request'),
    ...(parameter ? { parameter } : {}),
  }
  return reply.code(400).send(body)
}

/** The HTTP API (port 3000): health, readiness, ccscope's own metrics and the analytics endpoints. */
export async function createApi({ client, metrics, log }: ApiOptions) {
  const app = Fastify({ loggerInstance: log.child({ component: 'api' }), logController: new LogController({ disableRequestLogging: true }) })

  app.get('/healthz', async () => ({ status: 'ok' }))

  app.get('/readyz', async (_request, reply) => {
    try {
      await client.query({ query: 'SELECT 1', format: 'JSONEachRow' }).then((r) => r.json())
      if (!(await migrationsComplete(client))) return reply.code(503).send({ status: 'migrating' })
      return { status: 'ready' }
    } catch (error) {
      return reply.code(503).send({ status: 'unavailable', message: (error as Error).message })
    }
  })

  app.get('/metrics', async (_request, reply) => {
    reply.type(metrics.registry.contentType)
    return metrics.registry.metrics()
  })

  app.get('/api/v1/summary', async (request, reply) => {
    const parsed = timeRangeQuerySchema.safeParse(request.query)
    if (!parsed.success) return badRequest(reply, parsed.error)
    return querySummary(client, parsed.data)
  })

  app.setNotFoundHandler((request, reply) => {
    const body: ApiError = { error: 'not_found', message: `no route ${request.method} ${request.url}` }
    reply.code(404).send(body)
  })

  app.setErrorHandler((error: Error & { statusCode?: number }, request, reply) => {
    const status = error.statusCode && error.statusCode < 500 ? error.statusCode : 500
    if (status === 500) request.log.error({ err: error }, 'API request failed')
    const body: ApiError = { error: status === 500 ? 'internal_error' : 'bad_request', message: status === 500 ? 'internal error' : error.message }
    reply.code(status).send(body)
  })

  return app
}
