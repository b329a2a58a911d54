import type { RequestHandler, Response } from 'express'
import { z } from 'zod'
import type { ApiError } from '../../../schemas/api'
import {
  digestQuerySchema,
  digestSchema,
  monthlyCsvQuerySchema,
  scheduleInputSchema,
  schedulePathSchema,
  scheduleSchema,
  schedulesResponseSchema,
} from '../../../schemas/reports'
import type { Warehouse } from '../../../warehouse/client'
import type { Reader } from '../../../warehouse/pool'
import { principalOf } from '../auth/access'
import type { Notifier } from '../budgets/notifier'
import { type ApiRouter, invalidBody, withId } from '../router'
import { buildDigest, digestWeek } from './digest'
import { monthlyCostCsv, reportMonth } from './monthly'
import { digestHtml, digestMarkdown } from './render'
import { createSchedule, deleteSchedule, listRuns, listSchedules } from './runner'

export interface ReportRoutesOptions {
  client: Warehouse
  reader: Reader
  now: () => Date
  notifier?: Notifier
  json: RequestHandler
  badRequest: (response: Response, error: z.ZodError) => void
  /** Whether e-mail destinations can be delivered (CCSCOPE_SMTP_URL). */
  email: boolean
}

/** Reports for finance and admins: the weekly digest and the monthly cost CSV on demand, and their schedules. */
export function registerReportRoutes(router: ApiRouter, { client, reader, now, notifier, json, badRequest, email }: ReportRoutesOptions): void {
  router.add(
    'get',
    '/api/v1/reports/weekly-digest',
    async (request, response) => {
      const query = digestQuerySchema.safeParse(request.query ?? {})
      if (!query.success) return badRequest(response, query.error)
      const tz = query.data.tz ?? 'UTC'
      const week = digestWeek(now(), tz, query.data.week)
      const digest = await buildDigest({ client: reader, scope: null, now: now() }, week, tz, principalOf(response).role === 'admin')
      const name = `ccscope-weekly-digest-${week.firstDay}-to-${week.lastDay}`
      if (query.data.format === 'markdown') {
        response.setHeader('content-disposition', `inline; filename="${name}.md"`)
        return response.type('text/markdown; charset=utf-8').send(digestMarkdown(digest))
      }
      if (query.data.format === 'html') {
        // The digest's own HTML (an e-mail body): no script, nothing loaded from anywhere.
        response.setHeader('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'")
        return response.type('text/html; charset=utf-8').send(digestHtml(digest))
      }
      return digestSchema.parse(digest)
    },
    {
      spec: {
        summary: 'Weekly digest: spend, movers, adoption and denials for a week against the week before',
        description:
          "Monday to Sunday in tz (default the last complete week). Every figure is the API's own answer for the same range: summary, cost by team and by user, top blocked commands (admins only). format=markdown or html renders it as the scheduled report does.",
        tags: ['finance'],
        query: digestQuerySchema,
        response: { schema: digestSchema, description: 'The digest (JSON; Markdown or HTML with format)' },
      },
    },
  )

  router.add(
    'get',
    '/api/v1/reports/monthly-cost.csv',
    async (request, response) => {
      const query = monthlyCsvQuerySchema.safeParse(request.query ?? {})
      if (!query.success) return badRequest(response, query.error)
      const tz = query.data.tz ?? 'UTC'
      const { fileName, csv } = await monthlyCostCsv({ client: reader, scope: null, now: now() }, reportMonth(now(), tz, query.data.month), tz)
      response.setHeader('content-disposition', `attachment; filename="${fileName}"`)
      return response.type('text/csv; charset=utf-8').send(csv)
    },
    {
      spec: {
        summary: 'Monthly finance CSV: cost by user for a calendar month',
        description: "The Cost page's export by user for the month (default the last complete one), named for it.",
        tags: ['finance'],
        query: monthlyCsvQuerySchema,
        response: { contentType: 'text/csv', description: 'CSV with a header row and a total row' },
      },
    },
  )

  router.add(
    'get',
    '/api/v1/reports/schedules',
    async () => {
      const schedules = await listSchedules(client)
      return schedulesResponseSchema.parse({ schedules, runs: await listRuns(client, schedules), email })
    },
    {
      spec: {
        summary: 'Report schedules and their last runs',
        tags: ['finance'],
        response: { schema: schedulesResponseSchema, description: 'Schedules, and the last 100 runs (newest first)' },
      },
    },
  )

  router.add(
    'post',
    '/api/v1/reports/schedules',
    async (request, response) => {
      const parsed = scheduleInputSchema.safeParse(request.body)
      if (!parsed.success) return invalidBody(response, parsed.error)
      if (parsed.data.destination.kind === 'email' && !email) {
        const body: ApiError = {
          error: 'invalid_body',
          message: 'destination: e-mail is not configured on this ccscope (set CCSCOPE_SMTP_URL); use a webhook or the folder',
        }
        return response.status(400).json(body)
      }
      const principal = principalOf(response)
      const schedule = await createSchedule(client, parsed.data, principal.name, principal.role)
      // The latest complete period goes out at once: the schedule is seen to work.
      await notifier?.evaluateNow().catch(() => undefined)
      return schedule
    },
    {
      spec: {
        summary: 'Schedule a report (to a webhook or the reports folder)',
        description:
          'weeklyDigest goes out each Monday for the week before, monthlyCostCsv on the 1st for the month before (in timeZone), and the latest complete period at once. A failed delivery is retried with doubling waits, eight attempts in all.',
        tags: ['finance'],
        body: { 'application/json': scheduleInputSchema },
        response: { schema: scheduleSchema, description: 'The schedule' },
      },
      body: [json],
    },
  )

  router.add(
    'delete',
    '/api/v1/reports/schedules/{id}',
    (request, response) =>
      withId(request, response, schedulePathSchema, 'schedule', async (id) => {
        await deleteSchedule(client, id, principalOf(response).name)
        return { deleted: id }
      }),
    {
      spec: {
        summary: 'Delete a report schedule (its runs stay in the log)',
        tags: ['finance'],
        params: schedulePathSchema,
        response: { schema: z.object({ deleted: z.string() }), description: 'Deleted' },
      },
    },
  )
}
