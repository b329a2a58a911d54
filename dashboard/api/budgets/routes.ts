import type { RequestHandler } from 'express'
import { z } from 'zod'
import {
  alertsResponseSchema,
  budgetHistoryResponseSchema,
  budgetInputSchema,
  budgetPathSchema,
  budgetSchema,
  budgetsResponseSchema,
  type BudgetsResponse,
} from '../../../schemas/budgets'
import type { Warehouse } from '../../../warehouse/client'
import type { Reader } from '../../../warehouse/pool'
import { principalOf } from '../auth/access'
import { NotFound } from '../not-found'
import { type ApiRouter, invalidBody, withId } from '../router'
import { listAlerts } from './alerts'
import { METHOD } from './forecast'
import type { Notifier } from './notifier'
import { budgetStatuses } from './status'
import { budgetHistory, createBudget, deleteBudget, listBudgets, updateBudget } from './store'

export interface BudgetRoutesOptions {
  client: Warehouse
  reader: Reader
  now: () => Date
  /** Evaluates alerts at once after a save; absent (tests of the API alone), alerts wait for the loop. */
  notifier?: Notifier
  json: RequestHandler
}

/** Budgets (finance and admins): list with spend and forecast, create, replace, delete, history; the alert log. */
export function registerBudgetRoutes(router: ApiRouter, { client, reader, now, notifier, json }: BudgetRoutesOptions): void {
  const afterSave = async () => {
    // A budget saved over its threshold alerts now, not at the next round; a failure here is the loop's to retry.
    await notifier?.evaluateNow().catch(() => undefined)
  }

  router.add(
    'get',
    '/api/v1/budgets',
    async (): Promise<BudgetsResponse> => {
      const budgets = await listBudgets(client)
      const { asOf, statuses } = await budgetStatuses(reader, budgets, now())
      return budgetsResponseSchema.parse({
        asOf: asOf.toISOString(),
        method: METHOD,
        budgets: budgets.flatMap((budget) => {
          const status = statuses.get(budget.id)
          return status ? [{ budget, status }] : []
        }),
      })
    },
    {
      spec: {
        summary: 'Budgets: spend to date, forecast and crossing day',
        description:
          "Every budget with its current period (the calendar month in the budget's zone, or its custom days), spend to date (the Cost page's costUsd for the same scope and days), the forecast to the period's end, the day the amount is or would be crossed, and the forecast method's error on past months.",
        tags: ['finance'],
        response: { schema: budgetsResponseSchema, description: 'Budgets and their status' },
      },
    },
  )

  router.add(
    'post',
    '/api/v1/budgets',
    async (request, response) => {
      const parsed = budgetInputSchema.safeParse(request.body)
      if (!parsed.success) return invalidBody(response, parsed.error)
      const budget = await createBudget(client, parsed.data, principalOf(response).name)
      await afterSave()
      return budget
    },
    {
      spec: {
        summary: 'Create a budget',
        tags: ['finance'],
        body: { 'application/json': budgetInputSchema },
        response: { schema: budgetSchema, description: 'The budget as stored' },
      },
      body: [json],
    },
  )

  router.add(
    'put',
    '/api/v1/budgets/{id}',
    async (request, response) => {
      const parsed = budgetInputSchema.safeParse(request.body)
      if (!parsed.success) return invalidBody(response, parsed.error)
      return withId(request, response, budgetPathSchema, 'budget', async (id) => {
        const budget = await updateBudget(client, id, parsed.data, principalOf(response).name)
        await afterSave()
        return budget
      })
    },
    {
      spec: {
        summary: 'Replace a budget',
        description: 'Alerts that fired in the current period stay fired: a threshold alerts once per period, whatever the edits.',
        tags: ['finance'],
        params: budgetPathSchema,
        body: { 'application/json': budgetInputSchema },
        response: { schema: budgetSchema, description: 'The budget as stored' },
      },
      body: [json],
    },
  )

  router.add(
    'delete',
    '/api/v1/budgets/{id}',
    (request, response) =>
      withId(request, response, budgetPathSchema, 'budget', async (id) => {
        await deleteBudget(client, id, principalOf(response).name)
        return { deleted: id }
      }),
    {
      spec: {
        summary: 'Delete a budget (its history and alerts stay)',
        tags: ['finance'],
        params: budgetPathSchema,
        response: { schema: z.object({ deleted: z.string() }), description: 'Deleted' },
      },
    },
  )

  router.add(
    'get',
    '/api/v1/budgets/{id}/history',
    (request, response) =>
      withId(request, response, budgetPathSchema, 'budget', async (id) => {
        const history = await budgetHistory(client, id)
        if (!history) throw new NotFound(id)
        return history
      }),
    {
      spec: {
        summary: "A budget's audit trail: who changed what, newest first",
        tags: ['finance'],
        params: budgetPathSchema,
        response: { schema: budgetHistoryResponseSchema, description: 'Changes' },
      },
    },
  )

  router.add('get', '/api/v1/alerts', async () => alertsResponseSchema.parse({ alerts: await listAlerts(client) }), {
    spec: {
      summary: 'Budget alerts and their webhook deliveries, newest first',
      description:
        'The last 200 alerts. A delivery is pending (with its next attempt), delivered, or failed after every attempt; failed deliveries stay listed.',
      tags: ['finance'],
      response: { schema: alertsResponseSchema, description: 'Alerts' },
    },
  })
}
