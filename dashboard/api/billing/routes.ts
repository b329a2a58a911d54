import { pipeline } from 'node:stream/promises'
import express, { type Response } from 'express'
import { z } from 'zod'
import type { ApiError } from '../../../schemas/api'
import {
  adminPagesSchema,
  adminUploadSchema,
  BILLING_CSV_COLUMNS,
  billingImportResponseSchema,
  reconciliationExportParamsSchema,
  reconciliationExportQuerySchema,
  reconciliationParamsSchema,
  reconciliationQuerySchema,
  reconciliationResponseSchema,
  uploadedPages,
} from '../../../schemas/billing'
import type { Warehouse } from '../../../warehouse/client'
import type { Reader } from '../../../warehouse/pool'
import { queryReconciliation } from '../queries/reconciliation'
import { type ApiRouter, badRequest } from '../router'
import { reconcileAll, reconciliationCsv, reconciliationCsvFileName } from './export'
import { adminIssues, ImportError, rowsFromAdminPages, rowsFromBillingCsv, type RowError } from './normalize'
import { storeBilledRows } from './store'

/** A bill is at most this big as uploaded (a year of a large fleet's Admin API pages). */
const BILLING_BODY_LIMIT = 64 * 1024 * 1024

export interface BillingRouteOptions {
  client: Warehouse
  reader: Reader
  now: () => Date
  /** With CCSCOPE_PSEUDONYMIZE_KEY: maps the bill's emails to the pseudonyms the telemetry is stored under. */
  pseudonymize?: ((user: string) => string) | undefined
}

/** 400 for an import with bad rows: the first in the message, up to 50 listed in `errors`. */
function invalidRows(response: Response, errors: RowError[]): void {
  const first = new ImportError(errors)
  const body: ApiError & { errors: RowError[] } = { error: 'invalid_body', message: first.message, errors }
  response.status(400).json(body)
}

/** Finance's reconciliation: import what Anthropic bills, and compare it with the telemetry (docs/finance.md). */
export function registerBillingRoutes(router: ApiRouter, { client, reader, now, pseudonymize }: BillingRouteOptions): void {
  const person = pseudonymize ?? ((user: string) => user)

  router.add(
    'put',
    '/api/v1/billing/usage',
    async (request, response) => {
      const raw: unknown = request.body
      if (raw === undefined) {
        const body: ApiError = { error: 'unsupported_media_type', message: `send application/json or text/csv, not "${request.headers['content-type'] ?? ''}"` }
        return response.status(415).json(body)
      }
      try {
        if (typeof raw === 'string') return await storeBilledRows(client, rowsFromBillingCsv(raw, person), 'csv')
        const uploaded = uploadedPages(raw)
        const pages = adminPagesSchema.safeParse(uploaded)
        if (!pages.success) return invalidRows(response, adminIssues(pages.error, uploaded))
        // Pages without records import nothing: their day is not in them (a polled day with nobody on it is, see poller.ts).
        return await storeBilledRows(client, rowsFromAdminPages(pages.data, person), 'admin_api_upload')
      } catch (error) {
        if (error instanceof ImportError) return invalidRows(response, error.errors)
        throw error
      }
    },
    {
      spec: {
        summary: 'Import billed usage (Claude Code Analytics Admin API pages or a billing CSV)',
        description: `JSON: one page of GET https://api.anthropic.com/v1/organizations/usage_report/claude_code as Anthropic answers it ({ data, has_more, next_page }), or an array of pages; each record's date, actor (user_actor email_address, or api_actor api_key_name) and model_breakdown (tokens, estimated_cost in cents of USD) are imported. CSV: header ${BILLING_CSV_COLUMNS.join(',')} (the four token columns optional, together), one row per UTC day, person and model, cost in dollars. An import replaces every UTC day it contains; rows of one day, person and model are summed. A bad row refuses the whole import: 400 naming it (CSV: its line, the header being line 1; JSON: its page and record), with up to 50 problems in errors.`,
        tags: ['finance'],
        body: {
          'application/json': adminUploadSchema,
          'text/csv': z.string().meta({ description: `Header ${BILLING_CSV_COLUMNS.join(',')}; one row per UTC day, person and model.` }),
        },
        response: { schema: billingImportResponseSchema, description: 'What was imported' },
      },
      body: [express.json({ limit: BILLING_BODY_LIMIT }), express.text({ type: ['text/csv', 'text/plain'], limit: BILLING_BODY_LIMIT })],
    },
  )

  const today = () => now().toISOString().slice(0, 10)
  const parse = reconciliationQuerySchema(today)
  router.add(
    'get',
    '/api/v1/billing/reconciliation',
    async (request, response) => {
      const query = parse.safeParse(request.query ?? {})
      if (!query.success) return badRequest(response, query.error)
      return reconciliationResponseSchema.parse(await queryReconciliation(reader, query.data, now()))
    },
    {
      spec: {
        summary: 'Reconciliation: telemetry cost against billed cost, per UTC day and person',
        description:
          "Per UTC day and person: the telemetry's cost (the Cost page's figure), the billed cost (the newest import of the day), their difference (billed − telemetry), the cost of sub-agents the person's sessions spawned (query_source=subagent), and the likely cause of the difference: no_telemetry, not_billed, price_drift, subagents, unexplained (match when equal to the cent; not_imported for a day with no billing data). Days and rows whose difference exceeds both threshold (percent of billed) and minUsd are flagged. USD to the cent; rows sum to the days and the totals exactly. The rows come a page at a time (limit, offset; flagged first, then the largest difference); days, totals and causes are over every row of the range. Every row at once: GET /api/v1/billing/reconciliation.csv. Rules and rounding: docs/finance.md.",
        tags: ['finance'],
        query: reconciliationParamsSchema,
        response: { schema: reconciliationResponseSchema, description: 'Days, totals, causes and one page of rows' },
      },
    },
  )

  const parseExport = reconciliationExportQuerySchema(today)
  router.add(
    'get',
    '/api/v1/billing/reconciliation.csv',
    async (request, response) => {
      const query = parseExport.safeParse(request.query ?? {})
      if (!query.success) return badRequest(response, query.error)
      const answer = await reconcileAll(reader, query.data, now())
      response.setHeader('content-type', 'text/csv; charset=utf-8')
      response.setHeader('content-disposition', `attachment; filename="${reconciliationCsvFileName(query.data)}"`)
      await pipeline(reconciliationCsv(answer), response)
    },
    {
      spec: {
        summary: 'Reconciliation as CSV: every row',
        description:
          'Every row of GET /api/v1/billing/reconciliation for the range (no paging), in the same order, then a total row with its totals (flagged: how many rows are). USD to the cent; empty where the JSON has null.',
        tags: ['finance'],
        query: reconciliationExportParamsSchema,
        response: { contentType: 'text/csv', description: 'CSV with a header row and a total row' },
      },
    },
  )
}
