/**
 * Writes the demo fleet's history (simulator/history.ts) into the warehouse, one time window at a time,
 * newest first, so that the dashboard's default ranges fill in from the present backwards.
 *
 * A window is one or more whole UTC days (the newest and oldest may be cut by the history's ends; the newest
 * day's last hours may be a window of their own). Writing
 * one: the simulator's records that fall in it (simulator/history.ts) become the rows the collector stores
 * of them (simulator/rows.ts: the collector's privacy step and normalization), written as the writer
 * writes a flush (session marks, events, usage-candidate marks, metric points; the materialized views fire
 * as at ingest). A session that runs over midnight is written in two windows, newer part first, as a
 * collector would store records arriving in that order (its session mark on the first record written).
 * A window is the unit of resumption: the caller records which are done; a window interrupted half-way
 * (killed mid-insert) is cleared (its UTC days deleted from the raw tables and every table derived from
 * them) and written again, with any window that shares one of those days. The records are deterministic, so the window comes back exactly as it would
 * have been. Clearing whole days is right only while nothing else wrote those days: the demo streams its
 * live part only once the history is complete.
 */
import type { Warehouse } from '../warehouse/client'
import { DERIVED_TABLES, RETENTION_TABLES } from '../warehouse/retention'
import type { Period, SimUser } from './fleet'
import { windowPlans, windowSessions, type Window } from './history'
import { sessionRows, storeRows, type RowsContext, type StoredRows } from './rows'

export type { Window } from './history'

const DAY_MS = 86_400_000

/** A window as the marker file keeps it. */
export function windowKey(w: Window): string {
  return `${new Date(w.fromMs).toISOString()}/${new Date(w.toMs).toISOString()}`
}

/**
 * [fromMs, endMs) cut into windows of whole UTC days, newest first: with `firstMs`, the last `firstMs` of
 * the newest day first (a window of its own, so that the dashboard shows data sooner; it shares its UTC day
 * with the next window, and a resume that clears that day writes both again), then the first `firstDays`
 * days one window each, then `daysPerWindow` days each.
 */
export function windowsNewestFirst(fromMs: number, endMs: number, options: { firstMs?: number; firstDays: number; daysPerWindow: number }): Window[] {
  const out: Window[] = []
  const midnightBefore = (t: number) => Math.ceil(t / DAY_MS) * DAY_MS - DAY_MS // the UTC midnight at or before `t` (before, when `t` is one)
  let to = endMs
  if (options.firstMs !== undefined) {
    const from = Math.max(fromMs, to - options.firstMs)
    if (from > midnightBefore(to)) {
      out.push({ fromMs: from, toMs: to })
      to = from
    }
  }
  let dayWindows = 0
  while (to > fromMs) {
    const days = dayWindows < options.firstDays ? 1 : options.daysPerWindow
    const from = Math.max(fromMs, midnightBefore(to) - (days - 1) * DAY_MS)
    out.push({ fromMs: from, toMs: to })
    dayWindows++
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
  // The copies of noted candidates too: the days' sessions are noted and copied again as their rows are written.
  const tables: Array<[string, string]> = [
    ...Object.entries(RETENTION_TABLES.raw),
    ...Object.entries(DERIVED_TABLES),
    ...Object.entries(RETENTION_TABLES.noted),
  ]
  for (const [table, column] of tables)
    await client.command({ query: `DELETE FROM ${table} WHERE toDate(${column}) IN {days:Array(Date)}`, query_params: { days } })
}

export interface WindowWriter {
  client: Warehouse
  seed: number
  users: readonly SimUser[]
  period: Period
  rows: RowsContext
}

/**
 * The rows of the window's records, as the collector stores them, yielding to the event loop after each
 * user: a window being written meanwhile goes on (the engine inserts on its own threads), so the next
 * window's rows can be made while the last one's are inserted.
 */
export async function windowRows({ seed, users, period, rows }: Omit<WindowWriter, 'client'>, w: Window): Promise<StoredRows> {
  const out: StoredRows = { events: [], points: [] }
  for (const { user, sessions } of windowSessions(seed, users, period, w)) {
    sessionRows(user, sessions, rows, out, w)
    await new Promise<void>((resolve) => setImmediate(resolve))
  }
  return out
}

/**
 * Writes one window's records as the writer would: events, then metric points, each marked as at ingest
 * (`made`: the window's rows if already made). Returns the records written.
 */
export async function writeWindow(writer: WindowWriter, w: Window, made?: StoredRows): Promise<number> {
  const rows = made ?? (await windowRows(writer, w))
  await storeRows(writer.client, rows)
  return rows.events.length + rows.points.length
}

/** Records a simulated session brings on average (the demo fleet: ~220 events and metric points); progress weights only. */
export const RECORDS_PER_SESSION = 220

/** Planned sessions starting in each window, as estimated records: the progress bar's weights (planning is cheap, simulating is not). */
export function plannedRecords(seed: number, users: readonly SimUser[], period: Period, windows: readonly Window[]): number[] {
  return windows.map((w) => windowPlans(seed, users, period, w).reduce((n, u) => n + u.plans.length, 0) * RECORDS_PER_SESSION)
}
