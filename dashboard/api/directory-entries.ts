import type { RequestHandler } from 'express'
import type { ApiError } from '../../schemas/api'
import { directoryEntryBodySchema, directoryEntryPathSchema, directoryEntryResponseSchema } from '../../schemas/directory'
import type { Warehouse } from '../../warehouse/client'
import { NotFound } from './not-found'
import { removeDirectoryEntry, saveDirectoryEntry } from './queries/directory'
import { type ApiRouter, badRequest, invalidBody } from './router'

/** One person's directory entry, added, edited or removed (admins): PUT and DELETE /api/v1/directory/entries/{user}. */
export function registerDirectoryEntryRoutes(
  router: ApiRouter,
  {
    client,
    reloadDirectory,
    json,
    pseudonymize,
  }: { client: Warehouse; reloadDirectory: () => Promise<void>; json: RequestHandler; pseudonymize?: (user: string) => string },
): void {
  const spec = {
    tags: ['directory'],
    params: directoryEntryPathSchema,
    response: { schema: directoryEntryResponseSchema, description: 'The directory after the change' },
  }
  router.add(
    'put',
    '/api/v1/directory/entries/{user}',
    async (request, response) => {
      const path = directoryEntryPathSchema.safeParse(request.params)
      if (!path.success) return badRequest(response, path.error)
      const body = directoryEntryBodySchema.safeParse(request.body)
      if (!body.success) return invalidBody(response, body.error)
      // An existing entry's key is used as stored; a new person's email is pseudonymised like the telemetry's.
      const keyOf = (known: boolean) => (known || !pseudonymize ? path.data.user : pseudonymize(path.data.user))
      return saveDirectoryEntry(client, body.data, keyOf, reloadDirectory)
    },
    {
      spec: {
        ...spec,
        summary: "Add or edit one person's directory entry",
        description: 'The other entries stay as they are. The directory is kept as whole loads, so an edit writes a new load.',
        body: { 'application/json': directoryEntryBodySchema },
      },
      body: [json],
    },
  )
  router.add(
    'delete',
    '/api/v1/directory/entries/{user}',
    async (request, response) => {
      const path = directoryEntryPathSchema.safeParse(request.params)
      if (!path.success) return badRequest(response, path.error)
      try {
        return await removeDirectoryEntry(client, path.data.user, reloadDirectory)
      } catch (error) {
        if (!(error instanceof NotFound)) throw error
        const body: ApiError = { error: 'not_found', message: error.message }
        return response.status(404).json(body)
      }
    },
    { spec: { ...spec, summary: "Remove one person's directory entry" } },
  )
}
