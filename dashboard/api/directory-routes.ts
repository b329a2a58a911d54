import express from 'express'
import { z } from 'zod'
import type { ApiError } from '../../schemas/api'
import { directoryBodySchema, directoryLoadResponseSchema, directoryResponseSchema, toDirectoryBody } from '../../schemas/directory'
import type { Warehouse } from '../../warehouse/client'
import { directoryCsvToObjects, loadDirectory, readDirectory } from './queries/directory'
import { type ApiRouter, invalidBody } from './router'

import type { RouteSpec } from './routes'
import { answer, type QueryGet } from './query-routes'

const DIRECTORY_BODY_LIMIT = 64 * 1024 * 1024

/** The people directory: read it, or load (replace) it as JSON or CSV. */
export function registerDirectoryRoutes(
  get: QueryGet,
  router: ApiRouter,
  { client, reloadDirectory, pseudonymize }: { client: Warehouse; reloadDirectory: () => Promise<void>; pseudonymize?: ((user: string) => string) | undefined },
): void {
  get(
    { path: '/api/v1/directory', summary: 'The loaded directory', tags: ['directory'], response: { schema: directoryResponseSchema, description: 'Entries' } },
    {},
    () => readDirectory(client),
  )

  const directorySpec: Omit<RouteSpec, 'method' | 'path'> = {
    summary: 'Load (replace) the directory',
    description:
      'JSON: an array of entries or { entries }. CSV: header user,display_name,team,department,cost_center,manager,seat. The load replaces the previous one; an empty list clears it.',
    tags: ['directory'],
    body: {
      'application/json': directoryBodySchema,
      'text/csv': z.string().meta({ description: 'Header user,display_name,team,department,cost_center,manager,seat; one person per row.' }),
    },
    response: { schema: directoryLoadResponseSchema, description: 'What was loaded' },
  }
  router.add(
    'put',
    '/api/v1/directory',
    async (request, response) => {
      let raw: unknown = request.body
      // No body parser took it: a content type the route does not read.
      if (raw === undefined)
        return answer(response, 415, {
          error: 'unsupported_media_type',
          message: `send application/json or text/csv, not "${request.headers['content-type'] ?? ''}"`,
        })
      if (typeof raw === 'string') {
        try {
          raw = directoryCsvToObjects(raw)
        } catch (error) {
          const body: ApiError = { error: 'invalid_body', message: `CSV: ${(error as Error).message}` }
          return answer(response, 400, body)
        }
      }
      const parsed = directoryBodySchema.safeParse(toDirectoryBody(raw))
      if (!parsed.success) return invalidBody(response, parsed.error)
      const entries = pseudonymize ? parsed.data.map((e) => ({ ...e, user: pseudonymize(e.user) })) : parsed.data
      if (pseudonymize) {
        // Pseudonyms ignore case and spaces: two entries the schema saw as different may be one person.
        const seen = new Map<string, string>()
        for (const [i, e] of entries.entries()) {
          const original = parsed.data[i]?.user ?? ''
          const first = seen.get(e.user)
          if (first !== undefined) {
            const body: ApiError = {
              error: 'invalid_parameter',
              message: `user: ${original} and ${first} are the same person (emails are compared without case when pseudonymised); keep one`,
            }
            return answer(response, 400, body)
          }
          seen.set(e.user, original)
        }
      }
      return loadDirectory(client, entries, reloadDirectory)
    },
    {
      spec: directorySpec,
      body: [express.json({ limit: DIRECTORY_BODY_LIMIT }), express.text({ type: ['text/csv', 'text/plain'], limit: DIRECTORY_BODY_LIMIT })],
    },
  )
}
