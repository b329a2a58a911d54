import { describe, expect, it } from 'vitest'
import { rowsFromAdminPages, rowsFromBillingCsv, ImportError } from '../dashboard/api/billing/normalize'
import { exceeds, groupsOf, inRankOrder, modelKey, reconcile, reconcileRows, summarize } from '../dashboard/api/billing/reconcile'
import { adminPagesSchema, type BilledRow } from '../schemas/billing'
import { amountToMicros, decimalToMicros, microsToCents, roundUsd, usdMicros } from '../schemas/money'

/** The pure parts of the reconciliation: exact money, the import's normalisation, the rules' edges. No engine. */

describe('money', () => {
  it('converts cents and dollars to micro-dollars exactly, and refuses what it would have to round', () => {
    expect(decimalToMicros('186', 4)).toBe(1_860_000)
    expect(decimalToMicros('123.45', 4)).toBe(1_234_500)
    expect(decimalToMicros('0.000001', 6)).toBe(1)
    expect(decimalToMicros('12.3456789', 6)).toBeNull()
    expect(decimalToMicros('-1', 6)).toBeNull()
    expect(decimalToMicros('1e3', 6)).toBeNull()
    expect(amountToMicros(186.5, 4)).toBe(1_865_000)
    expect(amountToMicros(0.1 + 0.2, 6)).toBeNull()
    expect([microsToCents(5_000), microsToCents(4_999), microsToCents(-5_000), microsToCents(15_000)]).toEqual([1, 0, -1, 2])
  })

  it('rounds a sum of costs to the same micro-dollar whatever order it was added in', () => {
    // Costs at list prices (multiples of 1e-7 $) summing to exactly 3.2161995 $, on a half micro-dollar.
    const parts = [0.0963225, 0.9062017, 2.2136753]
    const forward = parts.reduce((a, b) => a + b)
    const backward = [...parts].reverse().reduce((a, b) => a + b)
    expect(forward).not.toBe(backward) // the floating-point sums differ in their last bits …
    expect(Math.round(forward * 1e6)).not.toBe(Math.round(backward * 1e6)) // … enough to round apart
    expect(usdMicros(forward)).toBe(usdMicros(backward))
    expect(roundUsd(forward)).toBe(3.2162)
    expect([usdMicros(0.0000015), usdMicros(-0.0000015), usdMicros(1.23456749), usdMicros(12_000_000.1234564)]).toEqual([2, -1, 1_234_567, 12_000_000_123_456])
  })
})

describe('an import', () => {
  it("sums one person's records of a day (one per terminal, say) and maps the key as the telemetry stores it", () => {
    const record = (terminal: string, amount: number) => ({
      date: '2026-11-02T00:00:00Z',
      actor: { type: 'user_actor', email_address: 'Ana@example.com' },
      terminal_type: terminal,
      model_breakdown: [
        { model: 'claude-opus-5', tokens: { input: 10, output: 1, cache_read: 0, cache_creation: 0 }, estimated_cost: { amount, currency: 'USD' } },
      ],
    })
    const pages = adminPagesSchema.parse([{ data: [record('vscode', 100), record('iTerm.app', 50)], has_more: false, next_page: null }])
    expect(rowsFromAdminPages(pages, (u) => u.toLowerCase())).toEqual([
      {
        day: '2026-11-02',
        user: 'ana@example.com',
        model: 'claude-opus-5',
        actorType: 'user_actor',
        costMicros: 1_500_000,
        tokens: { input: 20, output: 2, cacheRead: 0, cacheCreation: 0 },
      },
    ])
  })

  it('names every bad CSV row by its line, and wants the four token counts together', () => {
    const csv =
      'date,user_email,model,cost_usd,input_tokens,output_tokens,cache_read_tokens,cache_creation_tokens\n2026-11-31,a@x.com,m,1,,,,\n2026-11-02,,m,1,,,,\n2026-11-02,a@x.com,m,1,5,,,\n'
    let error: unknown
    try {
      rowsFromBillingCsv(csv)
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(ImportError)
    expect((error as ImportError).errors).toEqual([
      { row: 'line 2', field: 'date', message: 'must be a real date' },
      { row: 'line 3', field: 'user_email', message: 'must not be empty' },
      { row: 'line 4', field: 'output_tokens', message: 'give all four token counts or none' },
    ])
  })
})

describe('the rules', () => {
  const query = { from: '2026-11-02', to: '2026-11-03', thresholdPercent: 5, thresholdUsd: 1 }
  const imported = [{ day: '2026-11-02', importedAt: '2026-11-03T00:00:00.000Z', source: 'csv' as const }]
  const billed = (over: Partial<BilledRow>): BilledRow => ({
    day: '2026-11-02',
    user: 'svc-key',
    model: 'claude-opus-5',
    actorType: 'api_actor',
    costMicros: 4_000_000,
    tokens: null,
    ...over,
  })

  it('matches dated model ids to plain ones', () => {
    expect(modelKey('claude-sonnet-4-20250514')).toBe('claude-sonnet-4')
    expect(modelKey('claude-opus-5')).toBe('claude-opus-5')
  })

  it('flags only past both thresholds', () => {
    expect(exceeds(150, 2000, query)).toBe(true)
    expect(exceeds(100, 2000, query)).toBe(false)
    expect(exceeds(150, 4000, query)).toBe(false)
    expect(exceeds(-300, 0, query)).toBe(true)
  })

  it('says how to attribute an API key with no telemetry, and cannot call price drift without billed tokens', () => {
    const r = reconcile({
      query,
      imported,
      activity: new Map(),
      billed: [billed({}), billed({ user: 'ana@example.com', actorType: 'csv', costMicros: 7_000_000 })],
      telemetry: [{ day: '2026-11-02', user: 'ana@example.com', model: 'claude-opus-5', costMicros: 5_000_000, subagentMicros: 0, tokens: 1000 }],
    })
    const byUser = Object.fromEntries(r.rows.map((x) => [x.user, x]))
    expect(byUser['svc-key']?.cause).toBe('no_telemetry')
    expect(byUser['svc-key']?.detail).toContain('OTEL_RESOURCE_ATTRIBUTES=enduser.id=svc-key')
    expect(byUser['ana@example.com']?.cause).toBe('unexplained')
    expect(byUser['ana@example.com']?.detail).toBe('No rule explains it, and the bill gives no token counts to compare.')
    expect(r.totals).toMatchObject({ telemetryUsd: 5, billedUsd: 11, differenceUsd: 6, flaggedRows: 2, flaggedDays: 1 })
  })

  it('orders rows flagged first, then by |difference|, day and person in UTF-8 byte order (as ClickHouse orders text)', () => {
    const row = (user: string, day: string, costMicros: number): BilledRow => billed({ user, day, costMicros, actorType: 'csv' })
    const days = [
      { day: '2026-11-02', importedAt: '2026-11-03T00:00:00.000Z', source: 'csv' as const },
      { day: '2026-11-03', importedAt: '2026-11-04T00:00:00.000Z', source: 'csv' as const },
    ]
    const rows = reconcileRows({
      query: { ...query, to: '2026-11-04' },
      imported: days,
      activity: new Map(),
      // Fullwidth A (U+FF21) sorts before an emoji (U+1F600) by code point and by UTF-8, after it by UTF-16 units.
      billed: [
        row('\u{1F600}@x', '2026-11-02', 500_000),
        row('\uFF21@x', '2026-11-02', 500_000),
        row('b@x', '2026-11-03', 9_000_000),
        row('a@x', '2026-11-02', 9_000_000),
      ],
      telemetry: [
        { day: '2026-11-02', user: 'a@x', model: 'claude-opus-5', costMicros: 9_000_000, subagentMicros: 0, tokens: 1 },
        { day: '2026-11-03', user: 'c@x', model: 'claude-opus-5', costMicros: 2_000_000, subagentMicros: 0, tokens: 1 },
      ],
    })
    expect(inRankOrder(rows).map((r) => `${r.flagged ? 'F' : '-'} ${r.date} ${r.user} ${r.differenceUsd}`)).toEqual([
      'F 2026-11-03 b@x 9',
      'F 2026-11-03 c@x -2',
      '- 2026-11-02 \uFF21@x 0.5',
      '- 2026-11-02 \u{1F600}@x 0.5',
      '- 2026-11-02 a@x 0',
    ])
    // The sums of any split of the rows into groups are the whole answer's: days, totals and causes do not depend on a page.
    const whole = reconcile({ query: { ...query, to: '2026-11-04' }, imported: days, activity: new Map(), billed: [], telemetry: [] })
    expect(whole.page).toEqual({ offset: 0, limit: Number.MAX_SAFE_INTEGER, rows: 0 })
    const summed = summarize({ ...query, to: '2026-11-04' }, groupsOf(rows), days)
    expect(summed.totals).toEqual({
      telemetryUsd: 11,
      telemetryUsdOnImportedDays: 11,
      billedUsd: 19,
      differenceUsd: 8,
      subagentUsd: 0,
      flaggedDays: 1,
      flaggedRows: 2,
    })
    expect(summed.causes).toEqual([
      { cause: 'match', rows: 1, differenceUsd: 0 },
      { cause: 'no_telemetry', rows: 3, differenceUsd: 10 },
      { cause: 'not_billed', rows: 1, differenceUsd: -2 },
    ])
  })
})
