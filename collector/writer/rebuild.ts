import { selectRows, type Warehouse } from '../../warehouse/client'
import { DERIVED_TABLES } from '../../warehouse/retention'
import { timeColumn, type TableName } from '../../warehouse/rows'
import type { JournalEntry } from './journal'
import { copyNotedCandidatesAgain } from './orphans'

/**
 * Rebuilds what the materialized views derived from the raw tables, for whole UTC days, after an
 * insert that may have been interrupted (journal.ts). Every table downstream of the interrupted table
 * (fed by a view on it, or by a view on such a table: the 1 h and 1 d tiers are fed from the 15 min one)
 * loses its rows of those days; then every view from a raw table into one of them is re-run, restricted to
 * those days (from any raw table: user_activity_15m is fed from events and metric_points), and the chained
 * views fill the coarser tiers from what it inserts. The views' own SELECTs are read from the engine, so a
 * rebuild always matches what the views do. The copies of noted sessions' candidates are made again from the
 * rebuilt candidates (orphans.ts). Run again after a crash half-way, it gives the same rows: each
 * step starts from the raw tables.
 *
 * A day whose raw rows may already be past the raw tables' retention (their TTL) is not rebuilt: the
 * rollups keep history that the raw tables no longer hold, and re-deriving would lose it.
 */

/** The time column of each view-fed table (the one its retention is measured on): days are selected on it. */
const DERIVED_TIME_COLUMN: Record<string, string> = DERIVED_TABLES

export interface View {
  name: string
  /** The table whose inserts fire the view: a raw table, or (chained) another view's target. */
  source: string
  target: string
  /** The view's output columns, in order (an INSERT … SELECT matches columns by position). */
  columns: string[]
  select: string
}

const RAW_TABLES = Object.keys(timeColumn) as TableName[]
const PLAIN = /^[A-Za-z_][A-Za-z0-9_]*$/
const isRaw = (table: string): table is TableName => (RAW_TABLES as string[]).includes(table)

/** Every materialized view of the database, with the table that fires it and the one it writes, as the engine has them. */
export async function allViews(client: Warehouse): Promise<View[]> {
  const sources = await selectRows<{ name: string; views: string[] }>(
    client,
    `SELECT name, dependencies_table AS views FROM system.tables WHERE database = currentDatabase() AND notEmpty(dependencies_table)`,
  )
  const sourceOf = new Map<string, string>()
  for (const s of sources) for (const v of s.views) sourceOf.set(v, s.name)
  const rows = await selectRows<{ name: string; query: string; select: string }>(
    client,
    `SELECT name, create_table_query AS query, as_select AS select FROM system.tables
     WHERE database = currentDatabase() AND engine = 'MaterializedView' AND name IN {views:Array(String)}`,
    { views: [...sourceOf.keys()] },
  )
  const columns = await selectRows<{ view: string; name: string }>(
    client,
    `SELECT table AS view, name FROM system.columns WHERE database = currentDatabase() AND table IN {views:Array(String)} ORDER BY view, position`,
    { views: [...sourceOf.keys()] },
  )
  return rows.map((row) => {
    const target = /^CREATE MATERIALIZED VIEW \S+ TO (?:[A-Za-z_][A-Za-z0-9_]*\.)?([A-Za-z_][A-Za-z0-9_]*) /.exec(row.query)?.[1]
    const source = sourceOf.get(row.name)
    if (!target || !source) throw new Error(`cannot tell where materialized view ${row.name} writes (${row.query.slice(0, 120)}…)`)
    return { name: row.name, source, target, columns: columns.filter((c) => c.view === row.name).map((c) => c.name), select: row.select }
  })
}

export interface RebuildReport {
  targets: string[]
  days: string[]
  /** Days left as they are because the raw tables may no longer hold all of their rows. */
  skipped: string[]
}

export interface RebuildLimits {
  /** The raw tables' retention in days (0 = kept forever). */
  rawRetentionDays: number
  nowMs: number
}

const DAY_MS = 86_400_000
const HOUR_MS = 3_600_000

export async function rebuildDerivedDays(client: Warehouse, entries: readonly JournalEntry[], limits: RebuildLimits): Promise<RebuildReport> {
  const all = [...new Set(entries.flatMap((e) => e.days))].sort()
  // A day is rebuilt only while none of its rows can have expired (with an hour to spare).
  const inRetention = (day: string) =>
    limits.rawRetentionDays === 0 || Date.parse(`${day}T00:00:00Z`) + limits.rawRetentionDays * DAY_MS > limits.nowMs + HOUR_MS
  const days = all.filter(inRetention)
  const skipped = all.filter((d) => !inRetention(d))
  // Days come from the writer's own journal; checked again because they are written into a setting below.
  if (!days.every((d) => /^\d{4}-\d{2}-\d{2}$/.test(d))) throw new Error(`invalid days in the insert journal: ${days.join(', ')}`)
  const views = await allViews(client)
  // Everything downstream of the interrupted tables, through chained views too.
  const reached = new Set<string>(entries.map((e) => e.table))
  for (let grew = true; grew; ) {
    grew = false
    for (const v of views)
      if (reached.has(v.source) && !reached.has(v.target)) {
        reached.add(v.target)
        grew = true
      }
  }
  const targets = [...reached].filter((t) => !isRaw(t)).sort()
  if (days.length === 0 || targets.length === 0) return { targets: [], days, skipped }
  const [{ db } = { db: '' }] = await selectRows<{ db: string }>(client, 'SELECT currentDatabase() AS db')
  // As YYYYMMDD numbers: the filter is a string inside a settings map, so it carries no quotes.
  const dayNumbers = days.map((d) => d.replaceAll('-', '')).join(', ')
  for (const target of targets) {
    const column = DERIVED_TIME_COLUMN[target]
    // Names come from the engine's catalogue and this file's map, never from a request.
    if (!column || !PLAIN.test(target))
      throw new Error(`cannot rebuild ${target}: add it and its time column to RETENTION_TABLES.rollup (warehouse/retention.ts)`)
    await client.command({
      query: `DELETE FROM ${target} WHERE toDate(${column}) IN {days:Array(Date)}`,
      query_params: { days },
    })
  }
  // Then the views from raw tables into them, all deletions done first: the chained views fire as these insert.
  for (const target of targets) {
    for (const view of views.filter((v) => v.target === target)) {
      const source = view.source
      if (!isRaw(source)) continue
      if (!view.columns.every((c) => PLAIN.test(c))) throw new Error(`unexpected column names in ${view.name}`)
      // The view's own SELECT, reading only the rebuilt days of its source.
      const filter = `toYYYYMMDD(${timeColumn[source]}) IN (${dayNumbers})`
      await client.command({
        query: `INSERT INTO ${target} (${view.columns.join(', ')}) ${view.select} SETTINGS additional_table_filters = {'${db}.${source}': '${filter}'}`,
      })
    }
  }
  // The copies of noted candidates (not view-fed) from the candidates as rebuilt.
  if (targets.includes('usage_metric_candidates_15m')) await copyNotedCandidatesAgain(client, days)
  return { targets, days, skipped }
}
