import { describe, expect, it } from 'vitest'
import { parseFilters } from '../dashboard/ui/filters'
import { pageRequestUrls, reconciliationExportUrl, reconciliationPlan, reconciliationRowsRequest } from '../dashboard/ui/plans'
import { billingUpload, reconciliationPager, reconciliationView, signedUsd, uploadProblems } from '../dashboard/ui/prepare/reconciliation'
import type { ReconciliationResponse } from '../schemas/billing'

/** The Reconciliation page's decisions, without a browser: what shows as "—", what is highlighted, how a file is sent. */

const response: ReconciliationResponse = {
  range: { from: '2026-11-02', to: '2026-11-04', timeZone: 'UTC' },
  threshold: { percent: 5, usd: 1 },
  stored: { days: 1, lastImportAt: '2026-11-04T08:00:00.000Z' },
  days: [
    {
      date: '2026-11-02',
      imported: true,
      importedAt: '2026-11-04T08:00:00.000Z',
      source: 'csv',
      telemetryUsd: 3,
      billedUsd: 8,
      differenceUsd: 5,
      subagentUsd: 0,
      flagged: true,
      users: 2,
    },
    {
      date: '2026-11-03',
      imported: false,
      importedAt: null,
      source: null,
      telemetryUsd: 1,
      billedUsd: null,
      differenceUsd: null,
      subagentUsd: 0,
      flagged: false,
      users: 1,
    },
  ],
  rows: [
    {
      date: '2026-11-02',
      user: 'bob@example.com',
      billedAs: 'csv',
      telemetryUsd: null,
      billedUsd: 5,
      differenceUsd: 5,
      subagentUsd: 0,
      cause: 'no_telemetry',
      detail: 'No telemetry at all from bob@example.com in this range.',
      flagged: true,
      models: [],
    },
    {
      date: '2026-11-02',
      user: 'alice@example.com',
      billedAs: 'csv',
      telemetryUsd: 3,
      billedUsd: 3,
      differenceUsd: 0,
      subagentUsd: 0.5,
      cause: 'match',
      detail: 'Telemetry and bill agree to the cent.',
      flagged: false,
      models: [],
    },
    {
      date: '2026-11-03',
      user: 'alice@example.com',
      billedAs: null,
      telemetryUsd: 1,
      billedUsd: null,
      differenceUsd: null,
      subagentUsd: 0,
      cause: 'not_imported',
      detail: 'No billing data is imported for 2026-11-03.',
      flagged: false,
      models: [],
    },
  ],
  page: { offset: 0, limit: 100, rows: 3 },
  causes: [
    { cause: 'match', rows: 1, differenceUsd: 0 },
    { cause: 'no_telemetry', rows: 1, differenceUsd: 5 },
    { cause: 'not_imported', rows: 1, differenceUsd: null },
  ],
  totals: { telemetryUsd: 4, telemetryUsdOnImportedDays: 3, billedUsd: 8, differenceUsd: 5, subagentUsd: 0.5, flaggedDays: 1, flaggedRows: 1 },
}

describe('the reconciliation view', () => {
  it('shows what is not reported as —, never $0.00, and highlights the days and rows over threshold', () => {
    const view = reconciliationView(response)
    expect(view.nothingImported).toBe(false)
    expect(view.days.map((d) => [d.date, d.telemetry, d.billed, d.difference, d.flagged, d.status])).toEqual([
      ['2026-11-02', '$3.00', '$8.00', '+$5.00', true, 'over threshold'],
      ['2026-11-03', '$1.00', '—', '—', false, 'bill not imported'],
    ])
    expect(view.rows.map((r) => [r.user, r.telemetry, r.billed, r.difference, r.cause, r.flagged])).toEqual([
      ['bob@example.com', '—', '$5.00', '+$5.00', 'No telemetry', true],
      ['alice@example.com', '$3.00', '$3.00', '$0.00', 'Matches', false],
      ['alice@example.com', '$1.00', '—', '—', 'Bill not imported', false],
    ])
    expect(view.causes).toEqual([{ cause: 'no_telemetry', label: 'No telemetry', rows: 1, differenceUsd: 5 }])
    expect(Object.fromEntries(view.tiles.map((t) => [t.id, t.value]))).toEqual({ billed: '$8.00', telemetry: '$3.00', difference: '+$5.00', flagged: '1' })
    expect(view.thresholdNote).toBe('Flagged when the difference is more than 5 % of the billed cost and more than $1.00.')
    expect(view.tiles.find((t) => t.id === 'flagged')?.hint).toBe('1 person-day over threshold')
  })

  it('says when nothing was ever imported, with dashes rather than zeros for the bill', () => {
    const none = reconciliationView({
      ...response,
      stored: { days: 0, lastImportAt: null },
      days: response.days.map((d) => ({ ...d, imported: false, billedUsd: null, differenceUsd: null, flagged: false })),
      totals: { ...response.totals, billedUsd: null, differenceUsd: null, flaggedDays: 0, flaggedRows: 0 },
    })
    expect(none.nothingImported).toBe(true)
    expect(Object.fromEntries(none.tiles.map((t) => [t.id, t.value]))).toEqual({ billed: '—', telemetry: '—', difference: '—', flagged: '—' })
  })

  it('takes the differences by cause from the API (every row of the range), not from the page of rows it holds', () => {
    const view = reconciliationView({ ...response, rows: [], causes: [...response.causes, { cause: 'unexplained', rows: 40, differenceUsd: -12.5 }] })
    expect(view.causes).toEqual([
      { cause: 'unexplained', label: 'Unexplained', rows: 40, differenceUsd: -12.5 },
      { cause: 'no_telemetry', label: 'No telemetry', rows: 1, differenceUsd: 5 },
    ])
  })

  it('says which rows a page holds, and where the previous and next pages start', () => {
    expect(reconciliationPager({ offset: 0, limit: 100, rows: 3 }, 3)).toEqual({ label: '3 rows', previous: null, next: null })
    expect(reconciliationPager({ offset: 0, limit: 100, rows: 1 }, 1)).toEqual({ label: '1 row', previous: null, next: null })
    expect(reconciliationPager({ offset: 0, limit: 100, rows: 15_095 }, 100)).toEqual({ label: 'Rows 1–100 of 15,095', previous: null, next: 100 })
    expect(reconciliationPager({ offset: 100, limit: 100, rows: 15_095 }, 100)).toEqual({ label: 'Rows 101–200 of 15,095', previous: 0, next: 200 })
    expect(reconciliationPager({ offset: 15_000, limit: 100, rows: 15_095 }, 95)).toEqual({
      label: 'Rows 15,001–15,095 of 15,095',
      previous: 14_900,
      next: null,
    })
  })

  it('signs differences', () => {
    expect([signedUsd(1.2), signedUsd(-3), signedUsd(0), signedUsd(null)]).toEqual(['+$1.20', '−$3.00', '$0.00', '—'])
  })
})

describe('an upload', () => {
  it('goes as JSON when it reads as JSON, else as CSV, and an empty or broken file is refused before sending', () => {
    expect(billingUpload('report.json', ' {"data":[],"has_more":false} ')).toEqual({ contentType: 'application/json', body: '{"data":[],"has_more":false}' })
    expect(billingUpload('bill.csv', 'date,user_email,model,cost_usd\n')).toEqual({ contentType: 'text/csv', body: 'date,user_email,model,cost_usd\n' })
    expect(billingUpload('bill.csv', '  \n')).toEqual({ error: 'bill.csv is empty.' })
    expect(billingUpload('report.json', '{"data":')).toMatchObject({ error: expect.stringMatching(/^report.json is not valid JSON/) })
  })

  it("lists the API's per-row problems, or its one message", () => {
    expect(uploadProblems({ error: 'invalid_body', message: 'line 3: cost_usd: bad', errors: [{ row: 'line 3', field: 'cost_usd', message: 'bad' }] })).toEqual(
      [{ row: 'line 3', field: 'cost_usd', message: 'bad' }],
    )
    expect(uploadProblems({ error: 'unsupported_media_type', message: 'send application/json or text/csv' })).toEqual([
      { row: 'file', field: '', message: 'send application/json or text/csv' },
    ])
  })
})

describe('the page plan', () => {
  it('asks for UTC days whatever the zone, without the team, person or model filters', () => {
    const now = new Date('2026-11-05T03:00:00Z')
    const filters = parseFilters(new URLSearchParams('range=7d&tz=Pacific/Auckland&team=web&model=claude-opus-5'))
    const { url } = reconciliationPlan(filters, now).reconciliation
    // In Auckland it is already 5 November afternoon; the UTC range ends with UTC's today (5 November) too.
    expect(url).toBe('/api/v1/billing/reconciliation?from=2026-10-30&to=2026-11-06')
    expect(pageRequestUrls('/reconciliation', new URLSearchParams('range=7d&tz=Pacific/Auckland&team=web'), now)).toEqual([url])
    // Later pages of rows and the export: the same UTC range.
    expect(reconciliationRowsRequest(filters, 200, now).url).toBe('/api/v1/billing/reconciliation?from=2026-10-30&to=2026-11-06&offset=200')
    expect(reconciliationExportUrl(filters, now)).toBe('/api/v1/billing/reconciliation.csv?from=2026-10-30&to=2026-11-06')
  })
})
