import { parse } from 'csv-parse/sync'
import type { z } from 'zod'
import { BILLING_CSV_COLUMNS, BILLING_CSV_REQUIRED, billingCsvRowSchema, MAX_CSV_ROWS, type AdminPage, type BilledRow } from '../../../schemas/billing'

/**
 * What an import brings, as the rows billed_usage stores: one per UTC day, person and model, money in
 * micro-dollars. Duplicates in the input (a person with two records on one day, say one per terminal, or a
 * CSV with one line per service tier) are summed. Pure: tested without the engine.
 */

/** A problem with one row of an import: its place (CSV line, or page and record) and what is wrong. */
export interface RowError {
  row: string
  field: string
  message: string
}

export class ImportError extends Error {
  constructor(readonly errors: RowError[]) {
    const first = errors[0]
    super(
      first
        ? `${first.row}: ${first.field ? `${first.field}: ` : ''}${first.message}${errors.length > 1 ? ` (and ${errors.length - 1} more)` : ''}`
        : 'invalid',
    )
    this.name = 'ImportError'
  }
}

/** The most row errors an answer lists: enough to fix a file in one go, not a megabyte of them. */
export const MAX_ROW_ERRORS = 50

type Key = string
const keyOf = (r: Pick<BilledRow, 'day' | 'user' | 'model'>): Key => `${r.day}\u0000${r.user}\u0000${r.model}`

/** Sums rows of the same day, person and model. Tokens stay unknown (null) if any of the summed rows lacks them. */
export function sumRows(rows: BilledRow[]): BilledRow[] {
  const out = new Map<Key, BilledRow>()
  for (const row of rows) {
    const key = keyOf(row)
    const seen = out.get(key)
    if (!seen) {
      out.set(key, { ...row, tokens: row.tokens ? { ...row.tokens } : null })
      continue
    }
    seen.costMicros += row.costMicros
    seen.tokens =
      seen.tokens && row.tokens
        ? {
            input: seen.tokens.input + row.tokens.input,
            output: seen.tokens.output + row.tokens.output,
            cacheRead: seen.tokens.cacheRead + row.tokens.cacheRead,
            cacheCreation: seen.tokens.cacheCreation + row.tokens.cacheCreation,
          }
        : null
  }
  return [...out.values()].sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0))
}

/** Admin API pages (already parsed by adminUploadSchema) → rows. `person` maps a user key as the telemetry stores it. */
export function rowsFromAdminPages(pages: AdminPage[], person: (user: string) => string = (u) => u): BilledRow[] {
  const rows: BilledRow[] = []
  for (const page of pages)
    for (const record of page.data) {
      const user = person(record.actor.type === 'user_actor' ? record.actor.email_address : record.actor.api_key_name)
      for (const m of record.model_breakdown)
        rows.push({
          day: record.date,
          user,
          model: m.model,
          actorType: record.actor.type,
          costMicros: m.estimated_cost.amount,
          tokens: { input: m.tokens.input, output: m.tokens.output, cacheRead: m.tokens.cache_read, cacheCreation: m.tokens.cache_creation },
        })
    }
  return sumRows(rows)
}

/** Where a zod issue of an Admin API upload (adminPagesSchema over uploadedPages) is: "page 2, record 5" and the field below the record. */
export function adminIssues(error: z.ZodError, pages: unknown[]): RowError[] {
  return error.issues.slice(0, MAX_ROW_ERRORS).map((issue) => {
    const [page, data, record, ...field] = issue.path
    if (typeof page === 'number' && data === 'data' && typeof record === 'number') {
      const actor = (pages[page] as { data?: { actor?: { email_address?: unknown; api_key_name?: unknown } }[] } | undefined)?.data?.[record]?.actor
      const who = typeof actor?.email_address === 'string' ? actor.email_address : typeof actor?.api_key_name === 'string' ? actor.api_key_name : ''
      return { row: `page ${page + 1}, record ${record + 1}${who ? ` (${who})` : ''}`, field: field.join('.'), message: issue.message }
    }
    return { row: typeof page === 'number' ? `page ${page + 1}` : 'body', field: issue.path.slice(1).join('.'), message: issue.message }
  })
}

/**
 * A billing CSV → rows, or an ImportError naming every bad row by its line in the file (the header is
 * line 1), as the directory's load does. Unknown or missing columns refuse the whole file.
 */
export function rowsFromBillingCsv(text: string, person: (user: string) => string = (u) => u): BilledRow[] {
  let records: string[][]
  try {
    records = parse(text, { skip_empty_lines: true, trim: true, bom: true, relax_column_count: true }) as string[][]
  } catch (error) {
    throw new ImportError([{ row: 'file', field: '', message: `not readable CSV: ${(error as Error).message}` }])
  }
  const [header, ...body] = records
  const known: readonly string[] = BILLING_CSV_COLUMNS
  if (!header) throw new ImportError([{ row: 'file', field: '', message: `empty: it needs the header ${BILLING_CSV_COLUMNS.join(',')}` }])
  const unknown = header.filter((h) => !known.includes(h))
  const missing = BILLING_CSV_REQUIRED.filter((c) => !header.includes(c))
  if (unknown.length > 0 || missing.length > 0)
    throw new ImportError([
      {
        row: 'line 1',
        field: '',
        message: `${unknown.length > 0 ? `unknown column ${unknown.map((u) => `"${u}"`).join(', ')}; ` : ''}${missing.length > 0 ? `missing ${missing.join(', ')}; ` : ''}the columns are ${BILLING_CSV_COLUMNS.join(',')} (the last four optional)`,
      },
    ])
  if (body.length > MAX_CSV_ROWS) throw new ImportError([{ row: 'file', field: '', message: `${body.length} rows: at most ${MAX_CSV_ROWS} in one import` }])
  const errors: RowError[] = []
  const rows: BilledRow[] = []
  body.forEach((cells, i) => {
    const line = `line ${i + 2}`
    if (cells.length !== header.length) {
      errors.push({ row: line, field: '', message: `${cells.length} cells where the header has ${header.length}` })
      return
    }
    const raw = Object.fromEntries(header.map((column, c) => [column, cells[c] ?? '']))
    const parsed = billingCsvRowSchema.safeParse(raw)
    if (!parsed.success) {
      const issue = parsed.error.issues[0]
      errors.push({ row: line, field: String(issue?.path[0] ?? ''), message: issue?.message ?? 'invalid' })
      return
    }
    const r = parsed.data
    const tokens =
      (r.input_tokens ?? '') === ''
        ? null
        : {
            input: Number(r.input_tokens),
            output: Number(r.output_tokens),
            cacheRead: Number(r.cache_read_tokens),
            cacheCreation: Number(r.cache_creation_tokens),
          }
    rows.push({ day: r.date, user: person(r.user_email), model: r.model, actorType: 'csv', costMicros: r.cost_usd, tokens })
  })
  if (errors.length > 0) throw new ImportError(errors.slice(0, MAX_ROW_ERRORS))
  return sumRows(rows)
}
