import path from 'node:path'
import { parse } from 'csv-parse/sync'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hashPassword } from '../dashboard/api/auth/passwords'
import { writeUsersFile } from '../dashboard/api/auth/store'
import type { DatasetResponse } from '../schemas/analytics'
import {
  RECONCILIATION_CAUSES,
  type BillingImportResponse,
  type ReconciliationCause,
  type ReconciliationResponse,
  type ReconciliationRow,
} from '../schemas/billing'
import { startTestCcscope, tempDir, type TestCcscope } from './helpers/ccscope'
import { fixturePage, sendBillingTelemetry } from './helpers/billing'

/**
 * Reconciliation on the real engine: recorded Admin API pages that disagree with the telemetry in known ways
 * (test/fixtures/anthropic-admin/README.md), each difference classified to its cause; re-imports that replace
 * rather than add; a CSV with a bad row refused, naming the row; totals that add up to the cent; who may ask.
 */
let cc: TestCcscope
const NOW = new Date('2026-11-05T12:00:00Z')
const RANGE = 'from=2026-11-02&to=2026-11-05'
const PASSWORD = 'correct horse battery staple'
const cookies: Record<string, string> = {}

const PAGES = ['2026-11-02.page-1.json', '2026-11-02.page-2.json', '2026-11-03.page-1.json'].map(fixturePage)

beforeAll(async () => {
  const usersFile = path.join(tempDir('ccscope-users-'), 'users.json')
  const hash = await hashPassword(PASSWORD)
  writeUsersFile(usersFile, {
    users: [
      { name: 'admin', role: 'admin', teams: [], passwordHash: hash },
      { name: 'fin', role: 'finance', teams: [], passwordHash: hash },
      { name: 'mgr', role: 'manager', teams: ['web'], passwordHash: hash },
    ],
    tokens: [],
  })
  cc = await startTestCcscope({ CCSCOPE_USERS_FILE: usersFile }, { now: () => NOW })
  await sendBillingTelemetry(cc.otlpUrl)
  for (const name of ['admin', 'fin', 'mgr']) {
    const res = await fetch(`${cc.apiUrl}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-requested-with': 'test' },
      body: JSON.stringify({ user: name, password: PASSWORD }),
    })
    expect(res.status, await res.clone().text()).toBe(200)
    cookies[name] = String(res.headers.get('set-cookie')).split(';')[0] ?? ''
  }
}, 120_000)
afterAll(async () => {
  await cc?.stop()
})

const as = (who: string, extra: Record<string, string> = {}) => ({ cookie: cookies[who] ?? '', 'x-requested-with': 'test', ...extra })

async function put(body: string, type: string, who = 'fin') {
  const res = await fetch(`${cc.apiUrl}/api/v1/billing/usage`, { method: 'PUT', headers: as(who, { 'content-type': type }), body })
  return { status: res.status, body: (await res.json()) as unknown }
}

async function reconciliation(query = RANGE, who = 'fin'): Promise<ReconciliationResponse> {
  const res = await fetch(`${cc.apiUrl}/api/v1/billing/reconciliation?${query}`, { headers: as(who) })
  expect(res.status, await res.clone().text()).toBe(200)
  return (await res.json()) as ReconciliationResponse
}

const row = (r: ReconciliationResponse, date: string, user: string): ReconciliationRow => {
  const found = r.rows.find((x) => x.date === date && x.user === user)
  if (!found) throw new Error(`no row ${date} ${user}`)
  return found
}
const cents = (usd: number | null) => (usd === null ? null : Math.round(usd * 100))

describe('billing import and reconciliation', () => {
  it('says nothing is imported yet, and shows the telemetry with the bill not reported', async () => {
    const r = await reconciliation()
    expect(r.stored).toEqual({ days: 0, lastImportAt: null })
    expect(r.totals.billedUsd).toBeNull()
    expect(r.days.map((d) => [d.date, d.imported, d.billedUsd])).toEqual([
      ['2026-11-02', false, null],
      ['2026-11-03', false, null],
      ['2026-11-04', false, null],
    ])
    expect(new Set(r.rows.map((x) => x.cause))).toEqual(new Set(['not_imported']))
  })

  it('imports recorded Admin API pages (a day over two pages) as finance', async () => {
    const res = await put(JSON.stringify(PAGES), 'application/json')
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    const body = res.body as BillingImportResponse
    expect(body).toMatchObject({ source: 'admin_api_upload', days: ['2026-11-02', '2026-11-03'], rows: 6, users: 4, costUsd: 40.2 })
  })

  it('classifies each deliberate mismatch to its cause', async () => {
    const r = await reconciliation(`${RANGE}&threshold=10`)
    const causes = Object.fromEntries(r.rows.map((x) => [`${x.date} ${x.user}`, x.cause]))
    expect(causes).toEqual({
      '2026-11-02 alice@example.com': 'match',
      '2026-11-02 bob@example.com': 'no_telemetry',
      '2026-11-02 carol@example.com': 'not_billed',
      '2026-11-02 dave@example.com': 'subagents',
      '2026-11-02 erin@example.com': 'unexplained',
      '2026-11-03 alice@example.com': 'price_drift',
      '2026-11-04 alice@example.com': 'not_imported',
    })
    const bob = row(r, '2026-11-02', 'bob@example.com')
    expect([bob.telemetryUsd, bob.billedUsd, bob.differenceUsd]).toEqual([null, 5, 5])
    expect(bob.detail).toMatch(/No telemetry at all from bob@example.com/)
    const carol = row(r, '2026-11-02', 'carol@example.com')
    expect([carol.telemetryUsd, carol.billedUsd, carol.differenceUsd, carol.billedAs]).toEqual([3, 0, -3, null])
    const dave = row(r, '2026-11-02', 'dave@example.com')
    expect([dave.telemetryUsd, dave.billedUsd, dave.differenceUsd, dave.subagentUsd]).toEqual([10, 8, -2, 2])
    const drift = row(r, '2026-11-03', 'alice@example.com')
    expect([drift.telemetryUsd, drift.billedUsd, drift.differenceUsd]).toEqual([9, 10.2, 1.2])
    // The dated model id of the bill is the telemetry's model; ccscope's prices give $6.00 for its tokens.
    expect(drift.models.map((m) => [m.model, m.telemetryUsd, m.billedUsd, m.telemetryTokens, m.billedTokens, m.listPriceUsd])).toEqual([
      ['claude-opus-5', 6, 7.2, 720_000, 720_000, 6],
      ['claude-sonnet-5', 3, 3, 600_000, 600_000, 3],
    ])
    expect(drift.detail).toContain('claude-opus-5: the same tokens on both sides (720,000), billed $7.20 against $6.00')
    const unimported = row(r, '2026-11-04', 'alice@example.com')
    expect([unimported.telemetryUsd, unimported.billedUsd, unimported.differenceUsd, unimported.flagged]).toEqual([1, null, null, false])
  })

  it('flags the days and rows whose difference exceeds both thresholds', async () => {
    // 11-02: billed $30.00, telemetry $28.00: +$2.00 is 6.7 %. 11-03: +$1.20 on $10.20 is 11.8 %.
    const at10 = await reconciliation(`${RANGE}&threshold=10`)
    expect(at10.days.map((d) => [d.date, d.telemetryUsd, d.billedUsd, d.differenceUsd, d.flagged])).toEqual([
      ['2026-11-02', 28, 30, 2, false],
      ['2026-11-03', 9, 10.2, 1.2, true],
      ['2026-11-04', 1, null, null, false],
    ])
    const byDefault = await reconciliation()
    expect(byDefault.threshold).toEqual({ percent: 5, usd: 1 })
    expect(byDefault.days.map((d) => d.flagged)).toEqual([true, true, false])
    // $1.20 is not more than $2: the dollar threshold holds it back.
    expect((await reconciliation(`${RANGE}&minUsd=2`)).days.map((d) => d.flagged)).toEqual([false, false, false])
    expect(byDefault.rows.filter((x) => x.flagged).map((x) => `${x.date} ${x.user}`)).toEqual([
      '2026-11-02 bob@example.com',
      '2026-11-02 carol@example.com',
      '2026-11-02 dave@example.com',
      '2026-11-02 erin@example.com',
      '2026-11-03 alice@example.com',
    ])
  })

  it('adds up to the cent: rows to days, days to totals, and the telemetry to the Cost page', async () => {
    const r = await reconciliation()
    const sum = (values: (number | null)[]) => values.reduce<number>((s, v) => s + (cents(v) ?? 0), 0)
    for (const d of r.days) {
      const mine = r.rows.filter((x) => x.date === d.date)
      expect(cents(d.telemetryUsd), d.date).toBe(sum(mine.map((x) => x.telemetryUsd)))
      if (d.billedUsd !== null) {
        expect(cents(d.billedUsd)).toBe(sum(mine.map((x) => x.billedUsd)))
        expect(cents(d.differenceUsd)).toBe(sum(mine.map((x) => x.differenceUsd)))
        expect(cents(d.differenceUsd)).toBe((cents(d.billedUsd) ?? 0) - (cents(d.telemetryUsd) ?? 0))
      }
    }
    expect(cents(r.totals.telemetryUsd)).toBe(sum(r.days.map((d) => d.telemetryUsd)))
    expect(cents(r.totals.billedUsd)).toBe(sum(r.days.map((d) => d.billedUsd)))
    expect(cents(r.totals.differenceUsd)).toBe(sum(r.days.map((d) => d.differenceUsd)))
    expect(cents(r.totals.differenceUsd)).toBe((cents(r.totals.billedUsd) ?? 0) - (cents(r.totals.telemetryUsdOnImportedDays) ?? 0))
    expect([r.totals.telemetryUsd, r.totals.billedUsd, r.totals.differenceUsd, r.totals.subagentUsd]).toEqual([38, 40.2, 3.2, 2])
    // The telemetry side is the Cost page's figure, to the cent.
    const cost = (await (await fetch(`${cc.apiUrl}/api/v1/cost?${RANGE}&tz=UTC`, { headers: as('fin') })).json()) as DatasetResponse<'cost'>
    expect(cents(cost.totals.costUsd ?? null)).toBe(cents(r.totals.telemetryUsd))
    const subagents = (await (
      await fetch(`${cc.apiUrl}/api/v1/cost?${RANGE}&tz=UTC&groupBy=querySource`, { headers: as('fin') })
    ).json()) as DatasetResponse<'cost'>
    expect(subagents.rows.find((x) => x.group === 'subagent')?.costUsd).toBe(r.totals.subagentUsd)
  })

  it('replaces a re-imported day instead of adding to it', async () => {
    const before = await reconciliation()
    const again = await put(JSON.stringify(PAGES), 'application/json', 'admin')
    expect(again.status).toBe(200)
    const after = await reconciliation()
    const strip = (r: ReconciliationResponse) => ({ ...r, stored: { ...r.stored, lastImportAt: null }, days: r.days.map((d) => ({ ...d, importedAt: null })) })
    expect(strip(after)).toEqual(strip(before))
    expect(after.stored.days).toBe(2)
    // 11-02 again without bob: he is gone from that day, the others stay; 11-03 is untouched.
    const withoutBob = PAGES.slice(0, 2).map((p) => {
      const page = p as { data: { actor: { email_address?: string } }[] }
      return { ...page, data: page.data.filter((d) => d.actor.email_address !== 'bob@example.com') }
    })
    expect((await put(JSON.stringify(withoutBob), 'application/json')).status).toBe(200)
    const replaced = await reconciliation()
    expect(replaced.rows.some((x) => x.user === 'bob@example.com')).toBe(false)
    expect(replaced.days.map((d) => d.billedUsd)).toEqual([25, 10.2, null])
    await put(JSON.stringify(PAGES), 'application/json')
  })

  it('refuses a CSV with a malformed row, naming the row, and stores nothing of it', async () => {
    const before = await reconciliation()
    const bad = 'date,user_email,model,cost_usd\n2026-11-04,alice@example.com,claude-opus-5,1.00\n2026-11-04,x@example.com,claude-opus-5,twelve\n'
    const res = await put(bad, 'text/csv')
    expect(res.status).toBe(400)
    expect(res.body).toMatchObject({ error: 'invalid_body', message: expect.stringMatching(/^line 3: cost_usd: must be a non-negative amount of dollars/) })
    expect((res.body as { errors: unknown[] }).errors).toEqual([
      { row: 'line 3', field: 'cost_usd', message: expect.stringContaining('non-negative amount of dollars') },
    ])
    const unknown = await put('day,user,cost\n2026-11-04,a@example.com,1\n', 'text/csv')
    expect(unknown.status).toBe(400)
    expect((unknown.body as { message: string }).message).toMatch(/^line 1: unknown column "day", "user", "cost"; missing date, user_email, model, cost_usd/)
    expect((await reconciliation()).rows).toEqual(before.rows)
  })

  it('imports a billing CSV (tokens optional) for a day the API pages lack', async () => {
    const csv =
      'date,user_email,model,cost_usd,input_tokens,output_tokens,cache_read_tokens,cache_creation_tokens\n' +
      '2026-11-04,alice@example.com,claude-opus-5,0.60,,,,\n' +
      '2026-11-04,alice@example.com,claude-opus-5,0.40,,,,\n'
    const res = await put(csv, 'text/csv')
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    expect(res.body).toMatchObject({ source: 'csv', days: ['2026-11-04'], rows: 1, users: 1, costUsd: 1 })
    const r = await reconciliation()
    const alice = row(r, '2026-11-04', 'alice@example.com')
    expect([alice.telemetryUsd, alice.billedUsd, alice.differenceUsd, alice.cause, alice.billedAs]).toEqual([1, 1, 0, 'match', 'csv'])
    expect(alice.models[0]?.billedTokens).toBeNull()
    expect(r.days.find((d) => d.date === '2026-11-04')).toMatchObject({ imported: true, source: 'csv' })
  })

  it('refuses JSON that is not the documented shape, naming the page and record', async () => {
    const page = structuredClone(PAGES[0]) as { data: { model_breakdown: { estimated_cost: { amount: unknown } }[] }[] }
    const first = page.data[1]?.model_breakdown[0]
    if (first) first.estimated_cost.amount = -5
    const res = await put(JSON.stringify([PAGES[1], page]), 'application/json')
    expect(res.status).toBe(400)
    expect((res.body as { message: string }).message).toBe(
      'page 2, record 2 (bob@example.com): model_breakdown.0.estimated_cost.amount: must be a non-negative amount of cents, at most 4 decimals',
    )
  })

  it('answers admins and finance, not managers; refuses a non-UTC zone and unknown parameters', async () => {
    expect((await reconciliation(RANGE, 'admin')).rows.length).toBeGreaterThan(0)
    for (const [method, url] of [
      ['GET', `/api/v1/billing/reconciliation?${RANGE}`],
      ['PUT', '/api/v1/billing/usage'],
    ] as const) {
      const res = await fetch(`${cc.apiUrl}${url}`, {
        method,
        headers: as('mgr', { 'content-type': 'application/json' }),
        ...(method === 'PUT' ? { body: '[]' } : {}),
      })
      expect(res.status, url).toBe(403)
    }
    const tz = await fetch(`${cc.apiUrl}/api/v1/billing/reconciliation?${RANGE}&tz=Europe/Berlin`, { headers: as('fin') })
    expect(tz.status).toBe(400)
    expect(((await tz.json()) as { parameter: string }).parameter).toBe('tz')
    const unknown = await fetch(`${cc.apiUrl}/api/v1/billing/reconciliation?${RANGE}&team=web`, { headers: as('fin') })
    expect(unknown.status).toBe(400)
  })

  it('pages the rows: every page has the same days, totals and causes, and the pages one after the other are every row, in order', async () => {
    const whole = await reconciliation(`${RANGE}&limit=1000`)
    expect(whole.page).toEqual({ offset: 0, limit: 1000, rows: whole.rows.length })
    expect(whole.rows.length).toBe(7)
    const paged: ReconciliationRow[] = []
    for (let offset = 0; offset < whole.page.rows; offset += 2) {
      const page = await reconciliation(`${RANGE}&limit=2&offset=${offset}`)
      expect(page.page).toEqual({ offset, limit: 2, rows: 7 })
      expect(page.rows.length).toBe(Math.min(2, 7 - offset))
      expect([page.days, page.totals, page.causes]).toEqual([whole.days, whole.totals, whole.causes])
      paged.push(...page.rows)
    }
    expect(paged).toEqual(whole.rows)
    // Past the end: no rows, the same totals.
    const past = await reconciliation(`${RANGE}&limit=2&offset=50`)
    expect([past.rows, past.totals]).toEqual([[], whole.totals])
    // The default page holds them all here (100 rows).
    expect((await reconciliation()).rows).toEqual(whole.rows)
  })

  it('orders the rows flagged first, then by the largest difference, then by day and person', async () => {
    const r = await reconciliation(`${RANGE}&limit=1000`)
    expect(r.rows.map((x) => `${x.flagged ? 'F' : '-'} ${x.date} ${x.user} ${x.differenceUsd}`)).toEqual([
      'F 2026-11-02 bob@example.com 5',
      'F 2026-11-02 carol@example.com -3',
      'F 2026-11-02 dave@example.com -2',
      'F 2026-11-02 erin@example.com 2',
      'F 2026-11-03 alice@example.com 1.2',
      '- 2026-11-02 alice@example.com 0',
      '- 2026-11-04 alice@example.com 0',
    ])
  })

  it('counts every row of the range by cause, whatever the page', async () => {
    const whole = await reconciliation(`${RANGE}&threshold=10&limit=1000`)
    const counted = new Map<string, { rows: number; cents: number }>()
    for (const x of whole.rows) {
      const c = counted.get(x.cause) ?? { rows: 0, cents: 0 }
      counted.set(x.cause, { rows: c.rows + 1, cents: c.cents + (cents(x.differenceUsd) ?? 0) })
    }
    const one = await reconciliation(`${RANGE}&threshold=10&limit=1&offset=3`)
    expect(one.rows.length).toBe(1)
    expect(one.causes.map((c) => [c.cause, c.rows, cents(c.differenceUsd)])).toEqual(
      [...counted.entries()]
        .sort(([a], [b]) => RECONCILIATION_CAUSES.indexOf(a as ReconciliationCause) - RECONCILIATION_CAUSES.indexOf(b as ReconciliationCause))
        .map(([cause, c]) => [cause, c.rows, cause === 'not_imported' ? null : c.cents]),
    )
  })

  it('exports every row as CSV, the same rows in the same order as the pages (reconciled apart, in JavaScript), then the totals', async () => {
    for (const query of [RANGE, `${RANGE}&threshold=10&minUsd=0.5`]) {
      const res = await fetch(`${cc.apiUrl}/api/v1/billing/reconciliation.csv?${query}`, { headers: as('fin') })
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toMatch(/^text\/csv/)
      expect(res.headers.get('content-disposition')).toBe('attachment; filename="ccscope-reconciliation-2026-11-02-to-2026-11-04.csv"')
      const lines = parse(await res.text(), { columns: true }) as Record<string, string>[]
      const whole = await reconciliation(`${query}&limit=1000`)
      // Cents as text ("1.50"); a negative amount as a number (the formula guard would make "-3.00" text).
      const money = (v: number | null) => (v === null ? '' : v < 0 ? String(v) : v.toFixed(2))
      expect(lines.filter((l) => l.row_type === 'data')).toEqual(
        whole.rows.map((x) => ({
          row_type: 'data',
          date: x.date,
          user: x.user,
          billed_as: x.billedAs ?? '',
          telemetry_usd: money(x.telemetryUsd),
          billed_usd: money(x.billedUsd),
          difference_usd: money(x.differenceUsd),
          subagent_usd: money(x.subagentUsd),
          cause: x.cause,
          flagged: String(x.flagged),
          detail: x.detail,
        })),
      )
      const t = whole.totals
      expect(lines.at(-1)).toMatchObject({
        row_type: 'total',
        telemetry_usd: money(t.telemetryUsd),
        billed_usd: money(t.billedUsd),
        difference_usd: money(t.differenceUsd),
        flagged: String(t.flaggedRows),
      })
    }
    // Managers may not export it either.
    expect((await fetch(`${cc.apiUrl}/api/v1/billing/reconciliation.csv?${RANGE}`, { headers: as('mgr') })).status).toBe(403)
  })

  it('refuses a bad page, naming the parameter; the export takes no page', async () => {
    for (const [query, parameter] of [
      ['limit=0', 'limit'],
      ['limit=1001', 'limit'],
      ['limit=2.5', 'limit'],
      ['limit=ten', 'limit'],
      ['offset=-1', 'offset'],
      ['offset=1e309', 'offset'],
    ]) {
      const res = await fetch(`${cc.apiUrl}/api/v1/billing/reconciliation?${RANGE}&${query}`, { headers: as('fin') })
      expect(res.status, query).toBe(400)
      expect(((await res.json()) as { parameter: string }).parameter, query).toBe(parameter)
    }
    const csv = await fetch(`${cc.apiUrl}/api/v1/billing/reconciliation.csv?${RANGE}&limit=5`, { headers: as('fin') })
    expect(csv.status).toBe(400)
    expect(((await csv.json()) as { parameter: string }).parameter).toBe('limit')
  })

  it('writes a name a spreadsheet would run as text in the export', async () => {
    const evil = '=HYPERLINK(1)+cmd@example.com'
    const res = await put(`date,user_email,model,cost_usd\n2026-11-04,${evil},claude-opus-5,2.00\n`, 'text/csv')
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    const text = await (await fetch(`${cc.apiUrl}/api/v1/billing/reconciliation.csv?${RANGE}`, { headers: as('fin') })).text()
    const lines = parse(text, { columns: true }) as Record<string, string>[]
    const row = lines.find((l) => l.user?.includes('HYPERLINK'))
    expect(row?.user).toBe(`'${evil}`)
    // A negative difference stays a number.
    expect(lines.find((l) => l.user === 'carol@example.com')?.difference_usd).toBe('-3')
  })

  it('publishes both routes in the OpenAPI document', async () => {
    const doc = (await (await fetch(`${cc.apiUrl}/api/openapi.json`, { headers: as('fin') })).json()) as {
      paths: Record<string, Record<string, { tags: string[]; responses: Record<string, unknown> }>>
    }
    expect(Object.keys(doc.paths['/api/v1/billing/usage'] ?? {})).toEqual(['put'])
    expect(Object.keys(doc.paths['/api/v1/billing/reconciliation'] ?? {})).toEqual(['get'])
    expect(doc.paths['/api/v1/billing/reconciliation']?.get?.responses).toHaveProperty('403')
  })
})
