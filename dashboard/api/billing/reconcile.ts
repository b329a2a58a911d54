import {
  RECONCILIATION_CAUSES,
  type BilledRow,
  type ReconciliationCause,
  type ReconciliationDay,
  type ReconciliationModel,
  type ReconciliationQuery,
  type ReconciliationResponse,
  type ReconciliationRow,
} from '../../../schemas/billing'
import { centsToUsd, microsToCents } from '../../../schemas/money'
import { listPriceMicros, type TokenCounts } from '../prices'
import type { ImportedDay } from './store'

/**
 * The reconciliation of the telemetry's cost with the bill, per UTC day and person (docs/finance.md,
 * "Reconciliation"): the amounts, their difference, the likely cause by explicit rules, and the flags.
 * Pure: the warehouse reads are in queries/reconciliation.ts, so every rule is unit-tested as data.
 *
 * Money is exact until the answer: micro-dollars throughout, then each row's amounts are rounded to the cent
 * (half away from zero) and every sum is a sum of those cents. So the rows add up to the days and to the
 * totals exactly, and each difference is exactly billed − telemetry as shown.
 */

/** The telemetry's cost of a person, day and model: the Cost page's figure (queries/reconciliation.ts). */
export interface TelemetryRow {
  day: string
  user: string
  model: string
  costMicros: number
  subagentMicros: number
  tokens: number
}

export interface ReconcileInput {
  query: ReconciliationQuery
  telemetry: TelemetryRow[]
  billed: BilledRow[]
  imported: ImportedDay[]
  /** The UTC days on which each person without cost telemetry on some billed day sent any telemetry at all. */
  activity: Map<string, Set<string>>
}

/** The rules' tolerances, named once (docs/finance.md lists them). */
export const RULES = {
  /** A model's share of the per-model differences for the difference to be "concentrated" in it. */
  concentration: 0.8,
  /** Billed and telemetry tokens of a model within this fraction of each other count as the same usage. */
  tokensAgree: 0.01,
  /** |difference| within this fraction of the sub-agent cost (or a cent) counts as "the sub-agent share". */
  subagentMatch: 0.05,
  /** One cent, in micro-dollars. */
  centMicros: 10_000,
} as const

/** Dated model ids ("claude-sonnet-4-20250514") and plain ones ("claude-sonnet-4") name one model. */
export function modelKey(model: string): string {
  return model.replace(/-\d{8}$/, '')
}

const DAY_MS = 86_400_000

/** Every UTC day of [from, to). */
export function daysOf(from: string, to: string): string[] {
  const out: string[] = []
  for (let t = Date.parse(`${from}T00:00:00Z`); t < Date.parse(`${to}T00:00:00Z`); t += DAY_MS) out.push(new Date(t).toISOString().slice(0, 10))
  return out
}

const usd = (cents: number) => centsToUsd(cents)
const money = (micros: number) => `$${(microsToCents(micros) / 100).toFixed(2)}`
const totalTokens = (t: TokenCounts) => t.input + t.output + t.cacheRead + t.cacheCreation

/** A difference (cents) exceeds both thresholds: more than `usd` dollars and more than `percent` of the billed cost. */
export function exceeds(differenceCents: number, billedCents: number, query: Pick<ReconciliationQuery, 'thresholdPercent' | 'thresholdUsd'>): boolean {
  const abs = Math.abs(differenceCents)
  return abs > query.thresholdUsd * 100 && abs > (query.thresholdPercent / 100) * Math.abs(billedCents)
}

interface ModelSides {
  model: string
  telemetryMicros: number | null
  telemetryTokens: number | null
  billedMicros: number | null
  billedTokens: TokenCounts | null
}

interface PersonDay {
  day: string
  user: string
  billedAs: BilledRow['actorType'] | null
  telemetryMicros: number | null
  subagentMicros: number
  billedMicros: number | null
  models: Map<string, ModelSides>
}

/** Why a person-day's telemetry and bill differ: the rules of docs/finance.md, in order. */
export function classify(
  row: PersonDay,
  imported: boolean,
  differenceCents: number,
  context: { activeDays: Set<string> | undefined; onBillInRange: boolean },
): { cause: ReconciliationCause; detail: string } {
  if (!imported) return { cause: 'not_imported', detail: `No billing data is imported for ${row.day}.` }
  if (differenceCents === 0) return { cause: 'match', detail: 'Telemetry and bill agree to the cent.' }
  const billed = row.billedMicros ?? 0
  const who = row.user === '' ? 'telemetry without a user identity' : row.user
  // 1. Billed, but no cost in the telemetry.
  if (row.telemetryMicros === null && billed > 0) {
    if (row.billedAs === 'api_actor')
      return {
        cause: 'no_telemetry',
        detail: `Billed to the API key "${row.user}", and no telemetry carries that name: set OTEL_RESOURCE_ATTRIBUTES=enduser.id=${row.user} where that key is used, or the usage stays unattributed.`,
      }
    const days = context.activeDays
    if (!days || days.size === 0)
      return {
        cause: 'no_telemetry',
        detail: `No telemetry at all from ${who} in this range: Claude Code's telemetry is not rolled out to them (or they send it under another identity).`,
      }
    if (days.has(row.day))
      return {
        cause: 'no_telemetry',
        detail: `${who} sent telemetry this day but no cost: their Claude Code exports neither api_request events nor the cost metric (OTEL_LOGS_EXPORTER / OTEL_METRICS_EXPORTER).`,
      }
    return { cause: 'no_telemetry', detail: `No telemetry from ${who} this day, though they sent some on other days: telemetry was off that day.` }
  }
  // 2. In the telemetry, not on the bill.
  if (billed === 0 && (row.telemetryMicros ?? 0) > 0) {
    if (row.user === '') return { cause: 'not_billed', detail: 'Cost in telemetry that names no user: it cannot be matched to a person on the bill.' }
    return {
      cause: 'not_billed',
      detail: context.onBillInRange
        ? `${who} is not on this day's bill, though on others: the bill names them differently that day, or bills that usage elsewhere.`
        : `${who} is on no bill of this range: the bill names them differently (another email, an API key), or their usage is billed to another organization or plan.`,
    }
  }
  // 3. Price drift: the difference sits in one model whose tokens agree on both sides.
  const models = [...row.models.values()]
  const diffs = models.map((m) => ({ m, d: (m.billedMicros ?? 0) - (m.telemetryMicros ?? 0) }))
  const spread = diffs.reduce((s, x) => s + Math.abs(x.d), 0)
  const top = diffs.reduce<{ m: ModelSides; d: number } | undefined>((best, x) => (!best || Math.abs(x.d) > Math.abs(best.d) ? x : best), undefined)
  if (top && spread > 0 && Math.abs(top.d) >= RULES.concentration * spread && top.m.billedTokens && top.m.telemetryTokens) {
    const billedTokens = totalTokens(top.m.billedTokens)
    const agree = Math.abs(billedTokens - top.m.telemetryTokens) <= RULES.tokensAgree * Math.max(billedTokens, top.m.telemetryTokens)
    if (agree) {
      const list = listPriceMicros(modelKey(top.m.model), top.m.billedTokens)
      const pct = top.m.telemetryMicros ? ` (${top.d > 0 ? '+' : ''}${((top.d / top.m.telemetryMicros) * 100).toFixed(1)} %)` : ''
      const table =
        list === null
          ? `ccscope's price table has no ${top.m.model}`
          : `ccscope's list prices give ${money(list)} for the billed tokens${Math.abs(list - (top.m.billedMicros ?? 0)) <= RULES.centMicros ? ', as billed: the telemetry estimate is what is off' : ', not what is billed either'}`
      return {
        cause: 'price_drift',
        detail: `${top.m.model}: the same tokens on both sides (${billedTokens.toLocaleString('en-US')}), billed ${money(top.m.billedMicros ?? 0)} against ${money(top.m.telemetryMicros ?? 0)} in the telemetry${pct}; ${table}.`,
      }
    }
  }
  // 4. Sub-agents: the difference is the sub-agent share of the telemetry's cost.
  const difference = billed - (row.telemetryMicros ?? 0)
  if (row.subagentMicros > 0 && Math.abs(Math.abs(difference) - row.subagentMicros) <= Math.max(RULES.subagentMatch * row.subagentMicros, RULES.centMicros))
    return {
      cause: 'subagents',
      detail: `The difference (${money(Math.abs(difference))}) is the sub-agent cost in the telemetry (${money(row.subagentMicros)}, query_source=subagent): ${
        difference < 0
          ? "the bill does not count this person's sub-agent requests as theirs"
          : 'the bill counts the sub-agent requests twice, or the telemetry missed as much again'
      }.`,
    }
  // 5. Nothing explains it.
  const billedTok = models.reduce((s, m) => s + (m.billedTokens ? totalTokens(m.billedTokens) : 0), 0)
  const telemetryTok = models.reduce((s, m) => s + (m.telemetryTokens ?? 0), 0)
  const tokensKnown = models.every((m) => m.billedMicros === null || m.billedTokens !== null)
  return {
    cause: 'unexplained',
    detail: tokensKnown
      ? `No rule explains it: ${billedTok.toLocaleString('en-US')} tokens billed against ${telemetryTok.toLocaleString('en-US')} in the telemetry; look for lost telemetry (a crash before export) or usage outside Claude Code.`
      : 'No rule explains it, and the bill gives no token counts to compare.',
  }
}

function modelsOut(row: PersonDay, imported: boolean): ReconciliationModel[] {
  return [...row.models.values()]
    .sort((a, b) => a.model.localeCompare(b.model))
    .map((m) => {
      const list = m.billedTokens ? listPriceMicros(modelKey(m.model), m.billedTokens) : null
      return {
        model: m.model,
        telemetryUsd: m.telemetryMicros === null ? null : usd(microsToCents(m.telemetryMicros)),
        billedUsd: imported ? usd(microsToCents(m.billedMicros ?? 0)) : null,
        telemetryTokens: m.telemetryTokens,
        billedTokens: m.billedTokens ? totalTokens(m.billedTokens) : null,
        listPriceUsd: list === null ? null : usd(microsToCents(list)),
      }
    })
}

/** A row of the answer with its amounts in whole cents (what every sum adds). */
export type CentRow = ReconciliationRow & { cents: { t: number; b: number; d: number; s: number } }

/**
 * The answer's rows, one per UTC day and person of the input: the sides, their difference in cents, the cause
 * and its evidence, the flag. `onBill` (default: the people of `input.billed`) are the people on the bill
 * anywhere in the range: a caller that passes only some person-days' rows (one page) passes it whole.
 */
export function reconcileRows(input: ReconcileInput, onBill?: ReadonlySet<string>): CentRow[] {
  const { query } = input
  const inRange = new Set(daysOf(query.from, query.to))
  const importedDays = new Set(input.imported.map((d) => d.day))
  const people = new Map<string, PersonDay>()
  const person = (day: string, user: string): PersonDay => {
    const key = `${day}\u0000${user}`
    let p = people.get(key)
    if (!p) {
      p = { day, user, billedAs: null, telemetryMicros: null, subagentMicros: 0, billedMicros: null, models: new Map() }
      people.set(key, p)
    }
    return p
  }
  const sides = (p: PersonDay, model: string): ModelSides => {
    const key = modelKey(model)
    let m = p.models.get(key)
    if (!m) {
      m = { model, telemetryMicros: null, telemetryTokens: null, billedMicros: null, billedTokens: null }
      p.models.set(key, m)
    }
    return m
  }
  for (const t of input.telemetry) {
    if (!inRange.has(t.day)) continue
    const p = person(t.day, t.user)
    p.telemetryMicros = (p.telemetryMicros ?? 0) + t.costMicros
    p.subagentMicros += t.subagentMicros
    const m = sides(p, t.model)
    m.telemetryMicros = (m.telemetryMicros ?? 0) + t.costMicros
    m.telemetryTokens = (m.telemetryTokens ?? 0) + t.tokens
  }
  const billedUsers = new Set<string>()
  for (const b of input.billed) {
    if (!inRange.has(b.day)) continue
    billedUsers.add(b.user)
    const p = person(b.day, b.user)
    p.billedAs = b.actorType
    p.billedMicros = (p.billedMicros ?? 0) + b.costMicros
    const m = sides(p, b.model)
    const first = m.billedMicros === null
    m.billedMicros = (m.billedMicros ?? 0) + b.costMicros
    // Tokens are known when every billed row of the model gives them.
    m.billedTokens =
      b.tokens && (first || m.billedTokens !== null)
        ? {
            input: (m.billedTokens?.input ?? 0) + b.tokens.input,
            output: (m.billedTokens?.output ?? 0) + b.tokens.output,
            cacheRead: (m.billedTokens?.cacheRead ?? 0) + b.tokens.cacheRead,
            cacheCreation: (m.billedTokens?.cacheCreation ?? 0) + b.tokens.cacheCreation,
          }
        : null
  }
  const onBillInRange = onBill ?? billedUsers

  const rows: CentRow[] = []
  for (const p of people.values()) {
    const imported = importedDays.has(p.day)
    const telemetryCents = p.telemetryMicros === null ? 0 : microsToCents(p.telemetryMicros)
    const billedCents = imported ? microsToCents(p.billedMicros ?? 0) : 0
    const differenceCents = billedCents - telemetryCents
    const { cause, detail } = classify(p, imported, differenceCents, { activeDays: input.activity.get(p.user), onBillInRange: onBillInRange.has(p.user) })
    const subagentCents = microsToCents(p.subagentMicros)
    rows.push({
      date: p.day,
      user: p.user,
      billedAs: p.billedAs,
      telemetryUsd: p.telemetryMicros === null ? null : usd(telemetryCents),
      billedUsd: imported ? usd(billedCents) : null,
      differenceUsd: imported ? usd(differenceCents) : null,
      subagentUsd: usd(subagentCents),
      cause,
      detail,
      flagged: imported && exceeds(differenceCents, billedCents, query),
      models: modelsOut(p, imported),
      cents: { t: telemetryCents, b: billedCents, d: imported ? differenceCents : 0, s: subagentCents },
    })
  }
  return rows
}

/** Bytes of UTF-8 compare as ClickHouse compares strings (code point order), which `<` on UTF-16 does not quite. */
const utf8 = new TextEncoder()

/**
 * The order of the answer's rows (the API's pages and the CSV export): flagged first, then the largest
 * |difference| in cents (a day not imported has none), then the day, then the person as ClickHouse orders
 * text (by UTF-8 bytes). Every person-day is one (day, person), so the order is total: pages never overlap.
 */
export function inRankOrder<T extends CentRow>(rows: T[]): T[] {
  const keyed = rows.map((row) => ({ row, user: utf8.encode(row.user) }))
  keyed.sort(
    (a, b) =>
      Number(b.row.flagged) - Number(a.row.flagged) ||
      Math.abs(b.row.cents.d) - Math.abs(a.row.cents.d) ||
      (a.row.date < b.row.date ? -1 : a.row.date > b.row.date ? 1 : 0) ||
      Buffer.compare(a.user, b.user),
  )
  return keyed.map((k) => k.row)
}

/** Per UTC day and cause: how many person-days, and the sums of their cents (each row's amounts rounded first). */
export interface CauseGroup {
  day: string
  cause: ReconciliationCause
  rows: number
  telemetryCents: number
  billedCents: number
  differenceCents: number
  subagentCents: number
  flaggedRows: number
}

/** The groups of `rows`, for an answer summed in JavaScript (the reference the engine's sums are tested against). */
export function groupsOf(rows: CentRow[]): CauseGroup[] {
  const out = new Map<string, CauseGroup>()
  for (const r of rows) {
    const key = `${r.date}\u0000${r.cause}`
    const g = out.get(key) ?? { day: r.date, cause: r.cause, rows: 0, telemetryCents: 0, billedCents: 0, differenceCents: 0, subagentCents: 0, flaggedRows: 0 }
    g.rows += 1
    g.telemetryCents += r.cents.t
    g.billedCents += r.cents.b
    g.differenceCents += r.cents.d
    g.subagentCents += r.cents.s
    g.flaggedRows += r.flagged ? 1 : 0
    out.set(key, g)
  }
  return [...out.values()]
}

/**
 * Everything of the answer but its rows and `stored`: the days, the totals and the differences by cause, summed
 * over every person-day of the range (`groups`), whichever page the rows are.
 */
export function summarize(
  query: ReconciliationQuery,
  groups: readonly CauseGroup[],
  imported: readonly ImportedDay[],
  page: { offset: number; limit: number } = { offset: 0, limit: Number.MAX_SAFE_INTEGER },
): Omit<ReconciliationResponse, 'stored' | 'rows'> {
  const importedByDay = new Map(imported.map((d) => [d.day, d]))
  const dayRows: ReconciliationDay[] = daysOf(query.from, query.to).map((day) => {
    const mine = groups.filter((g) => g.day === day)
    const imp = importedByDay.get(day)
    const t = mine.reduce((s, g) => s + g.telemetryCents, 0)
    const b = mine.reduce((s, g) => s + g.billedCents, 0)
    const sub = mine.reduce((s, g) => s + g.subagentCents, 0)
    return {
      date: day,
      imported: imp !== undefined,
      importedAt: imp?.importedAt ?? null,
      source: imp?.source ?? null,
      telemetryUsd: usd(t),
      billedUsd: imp ? usd(b) : null,
      differenceUsd: imp ? usd(b - t) : null,
      subagentUsd: usd(sub),
      flagged: imp !== undefined && exceeds(b - t, b, query),
      users: mine.reduce((s, g) => s + g.rows, 0),
    }
  })
  const inRange = new Set(dayRows.map((d) => d.date))
  const mine = groups.filter((g) => inRange.has(g.day))
  const onImported = mine.filter((g) => importedByDay.has(g.day))
  const sum = (list: readonly CauseGroup[], pick: (g: CauseGroup) => number) => list.reduce((s, g) => s + pick(g), 0)
  const anyImported = dayRows.some((d) => d.imported)
  const byCause = new Map<ReconciliationCause, { rows: number; cents: number }>()
  for (const g of mine) {
    const seen = byCause.get(g.cause) ?? { rows: 0, cents: 0 }
    seen.rows += g.rows
    seen.cents += g.differenceCents
    byCause.set(g.cause, seen)
  }
  return {
    range: { from: query.from, to: query.to, timeZone: 'UTC' },
    threshold: { percent: query.thresholdPercent, usd: query.thresholdUsd },
    days: dayRows,
    page: { offset: page.offset, limit: page.limit, rows: sum(mine, (g) => g.rows) },
    causes: [...byCause.entries()]
      .map(([cause, v]) => ({ cause, rows: v.rows, differenceUsd: cause === 'not_imported' ? null : usd(v.cents) }))
      .sort((a, b) => RECONCILIATION_CAUSES.indexOf(a.cause) - RECONCILIATION_CAUSES.indexOf(b.cause)),
    totals: {
      telemetryUsd: usd(sum(mine, (g) => g.telemetryCents)),
      telemetryUsdOnImportedDays: usd(sum(onImported, (g) => g.telemetryCents)),
      billedUsd: anyImported ? usd(sum(onImported, (g) => g.billedCents)) : null,
      differenceUsd: anyImported ? usd(sum(onImported, (g) => g.differenceCents)) : null,
      subagentUsd: usd(sum(mine, (g) => g.subagentCents)),
      flaggedDays: dayRows.filter((d) => d.flagged).length,
      flaggedRows: sum(mine, (g) => g.flaggedRows),
    },
  }
}

/**
 * The whole answer in JavaScript, every row in rank order (inRankOrder), from the rows as read: the CSV export's,
 * and the reference the engine's reconciliation (queries/reconciliation.ts) is tested against.
 */
export function reconcile(input: ReconcileInput): Omit<ReconciliationResponse, 'stored'> {
  const rows = inRankOrder(reconcileRows(input))
  return { ...summarize(input.query, groupsOf(rows), input.imported), rows: rows.map(({ cents: _cents, ...row }) => row) }
}
