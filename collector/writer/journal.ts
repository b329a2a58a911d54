import fs from 'node:fs'
import path from 'node:path'
import type { TableName } from '../../warehouse/rows'

/**
 * The writer's insert journal: a small file that exists while an INSERT may be half done.
 *
 * An INSERT into a raw table also inserts into every materialized view on it (the rollups), and those
 * parts are committed one by one: a process killed in between, or an insert that fails half-way, can
 * leave the raw rows stored and a rollup without them (or the reverse). The exporter then retries,
 * the writer finds the ids stored and skips them, and the rollup would stay wrong for good.
 *
 * So before each INSERT the writer notes here the table and the UTC days its rows fall on, and removes
 * the note once the INSERT has returned. A note still present when the writer next writes (after a
 * restart, or after a failed insert) means those days' rollups may disagree with the raw table: the
 * writer rebuilds them (rebuild.ts) before it inserts anything else.
 */

export interface JournalEntry {
  table: TableName
  /** UTC days, 'YYYY-MM-DD'. */
  days: string[]
}

const DAY = /^\d{4}-\d{2}-\d{2}$/

export class InsertJournal {
  private entries: JournalEntry[]

  constructor(readonly file: string) {
    this.entries = InsertJournal.load(file)
  }

  private static load(file: string): JournalEntry[] {
    let text: string
    try {
      text = fs.readFileSync(file, 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []
      throw error
    }
    const unreadable = new Error(
      `${file} is not an insert journal ccscope can read. Delete it to start anyway: the rollups of the days of an insert cut short by the last crash may then disagree with the raw tables`,
    )
    let parsed: unknown
    try {
      parsed = JSON.parse(text)
    } catch {
      throw unreadable
    }
    if (!Array.isArray(parsed)) throw unreadable
    return parsed.map((entry: Partial<JournalEntry>) => {
      if (typeof entry.table !== 'string' || !Array.isArray(entry.days) || !entry.days.every((d) => typeof d === 'string' && DAY.test(d))) throw unreadable
      return { table: entry.table, days: entry.days }
    })
  }

  /** Inserts that may have been interrupted (empty when every insert returned). */
  pending(): readonly JournalEntry[] {
    return this.entries
  }

  /** Notes an insert about to run; durable (written, synced, renamed into place) before it returns. */
  begin(entry: JournalEntry): void {
    const same = this.entries.find((e) => e.table === entry.table)
    if (same) same.days = [...new Set([...same.days, ...entry.days])].sort()
    else this.entries.push({ table: entry.table, days: [...new Set(entry.days)].sort() })
    this.write()
  }

  /** A table's noted insert returned (the other tables' notes stay until theirs do). */
  end(table: TableName): void {
    const left = this.entries.filter((e) => e.table !== table)
    if (left.length === this.entries.length) return
    this.entries = left
    if (left.length === 0) fs.rmSync(this.file, { force: true })
    else this.write()
  }

  /** Every noted insert returned, or its days were rebuilt. */
  clear(): void {
    if (this.entries.length === 0) return
    this.entries = []
    fs.rmSync(this.file, { force: true })
  }

  private write(): void {
    fs.mkdirSync(path.dirname(this.file), { recursive: true })
    const temp = `${this.file}.tmp`
    const fd = fs.openSync(temp, 'w')
    try {
      fs.writeSync(fd, JSON.stringify(this.entries))
      fs.fsyncSync(fd)
    } finally {
      fs.closeSync(fd)
    }
    fs.renameSync(temp, this.file)
  }
}

/** The UTC day (YYYY-MM-DD) that a row timed "seconds.nanoseconds" falls on. */
export function utcDay(time: string): string {
  return new Date(Number(time.split('.')[0]) * 1000).toISOString().slice(0, 10)
}

/** The UTC days that rows timed "seconds.nanoseconds" fall on. */
export function utcDays(times: Iterable<string>): string[] {
  // Whole days since the epoch first: a batch's thousands of rows fall on a handful of days.
  const days = new Set<number>()
  for (const t of times) days.add(Math.floor(Number(t.split('.')[0]) / 86_400))
  return [...days].sort((a, b) => a - b).map((d) => utcDay(String(d * 86_400)))
}
