/**
 * Writes a history (bench/seed-sessions.ts) into the warehouse at engine speed, one time window at a
 * time, newest first, so that the dashboard's default ranges fill in from the present backwards.
 *
 * A window is one or more whole UTC days (the newest and oldest may be cut by the history's ends).
 * Writing one: INSERT … SELECT its events, then its metric points (the materialized views fire as at
 * ingest), each cost/token point marked as a candidate when no api_request event of its session is stored
 * yet, as the writer marks it (bench/seed.ts metricsInsert). A window is the unit of resumption: the caller records which are done; a window
 * interrupted half-way (killed mid-insert) is cleared (its UTC days deleted from the raw tables and
 * every table derived from them) and written again. The rows are deterministic, so the window comes
 * back exactly as it would have been. Clearing whole days is right only while nothing else wrote those
 * days: the demo streams its live part only once the history is complete.
 */
import { eventsInsert, metricsInsert, type SeedShape } from '../bench/seed'
import { sessionEvents, sessionMetrics, type SessionsPlan } from '../bench/seed-sessions'
import type { SeedVocabulary } from '../bench/seed-vocabulary'
import type { Warehouse } from '../warehouse/client'
import { DERIVED_TABLES, RETENTION_TABLES } from '../warehouse/retention'

const DAY_MS = 86_400_000

export interface Window {
  fromMs: number
  toMs: number
}

/** A window as the marker file keeps it. */
export function windowKey(w: Window): string {
  return `${new Date(w.fromMs).toISOString()}/${new Date(w.toMs).toISOString()}`
}

/**
 * [fromMs, endMs) cut into windows of whole UTC days, newest first: the first `firstDays` days one
 * window each (the dashboard shows data as soon as the first is in), then `daysPerWindow` days each.
 */
export function windowsNewestFirst(fromMs: number, endMs: number, options: { firstDays: number; daysPerWindow: number }): Window[] {
  const out: Window[] = []
  let to = endMs
  while (to > fromMs) {
    const days = out.length < options.firstDays ? 1 : options.daysPerWindow
    const midnight = Math.ceil(to / DAY_MS) * DAY_MS - DAY_MS // the UTC midnight at or before `to` (before, when `to` is one)
    const from = Math.max(fromMs, midnight - (days - 1) * DAY_MS)
    out.push({ fromMs: from, toMs: to })
    to = from
  }
  return out
}

/** The UTC days (YYYY-MM-DD) a window touches. */
export function windowDays(w: Window): string[] {
  const days: string[] = []
  for (let t = Math.floor(w.fromMs / DAY_MS) * DAY_MS; t < w.toMs; t += DAY_MS) days.push(new Date(t).toISOString().slice(0, 10))
  return days
}

/** Deletes the rows of these UTC days from the raw tables and from every table derived from them. */
export async function clearDays(client: Warehouse, days: readonly string[]): Promise<void> {
  if (days.length === 0) return
  // Table and column names come from the code's own maps (warehouse/retention.ts), never from a request.
  const tables: Array<[string, string]> = [...Object.entries(RETENTION_TABLES.raw), ...Object.entries(DERIVED_TABLES)]
  for (const [table, column] of tables)
    await client.command({ query: `DELETE FROM ${table} WHERE toDate(${column}) IN {days:Array(Date)}`, query_params: { days } })
}

export interface WindowWriter {
  client: Warehouse
  plan: SessionsPlan
  vocabulary: SeedVocabulary
  shape: SeedShape
}

/** Writes one window's events, then its metric points, marking their cost candidates against the events stored by then. */
export async function writeWindow({ client, plan, vocabulary, shape }: WindowWriter, w: Window): Promise<void> {
  const events = sessionEvents(plan, w.fromMs, w.toMs)
  if (events) await client.command({ query: eventsInsert(plan.seed, vocabulary, events, shape), query_params: events.params ?? {} })
  const points = sessionMetrics(plan, w.fromMs, w.toMs)
  if (points) await client.command({ query: metricsInsert(plan.seed, vocabulary, points, { markCandidates: true }), query_params: points.params ?? {} })
}

/** Planned records (events of users who send them, and metric points) of the sessions starting in each window: progress weights. */
export function plannedRecords(plan: SessionsPlan, windows: readonly Window[]): number[] {
  return windows.map((w) => {
    let n = 0
    for (const s of plan.sessions) {
      if (s.startMs < w.fromMs || s.startMs >= w.toMs) continue
      n += s.points + (plan.users[s.user]?.eventsOn ? s.events : 0)
    }
    return n
  })
}
