import type { Span } from '@opentelemetry/api'
import { traced } from '../../runtime/traced'
import type { Logger } from '../../runtime/logger'
import type { SelfMetrics } from '../../runtime/self-metrics'
import type { Warehouse } from '../../warehouse/client'
import { rowTime, type EventRow, type MetricPointRow, type TableName, type TableRows } from '../../warehouse/rows'
import { insertRows } from '../../warehouse/columns'
import { Claimant, type ClaimOptions } from '../../warehouse/claims'
import type { StreamPoint } from './cumulative'
import { utcDays, type InsertJournal } from './journal'
import { candidateKeys, coverageKeys, markUncoveredUsage, NO_KEYS, noteLateCoverage } from './orphans'
import { markSessionStarts } from './sessions'
import { rebuildDerivedDays } from './rebuild'
import { storedIds } from './stored'
import { StreamPoints } from './streams'

/**
 * The batching writer: the last step of the collector (decode → validate → normalize → batch → write).
 *
 * - Requests hand their rows to `submit`, which resolves only once those rows are committed to the
 *   warehouse (or found already stored): the collector acknowledges a batch only when it is durable.
 * - Rows from many requests are written together, per table, every `flushIntervalMs` or as soon as
 *   `batchMaxRows` are waiting; one flush runs at a time. A flush writes the tables side by side: the
 *   events on the writer's engine session, the metric points on a second one (`pointsClient`), since the
 *   engine spends much of an insert waiting on its own threads (two sessions: about 1.6x the records/s of
 *   one, bench/ingest). Only the session marks are computed over both tables' rows at once (sessions.ts).
 * - At most `bufferMaxRows` rows may wait; past that `submit` throws OverloadedError (→ 429).
 * - Exactly-once: every row carries a content id. Before an insert the writer drops ids already in
 *   the batch and ids already stored, so a retried export is never counted twice. Because flushes
 *   are serial, the check-then-insert cannot race with itself. (The tables are also
 *   ReplacingMergeTree on that id, a backstop if several collectors write to one server.)
 * - Cumulative metric points get their `delta` here, against the latest stored point of each stream.
 * - With an insert journal (journal.ts), an INSERT that may have stopped half-way (a crash, a failure)
 *   leaves a note; before its next insert the writer rebuilds the rollups of the days it touched, so
 *   that the views never keep a partial insert that the exporter's retry would then skip as stored.
 */

export interface WriterOptions {
  flushIntervalMs: number
  batchMaxRows: number
  bufferMaxRows: number
  /**
   * Other instances write the same warehouse: each cumulative stream's latest point is read from the
   * warehouse at every flush instead of remembered, since the stream's previous export may have reached
   * another instance (exact as long as a stream's exports do not overlap in time, as an exporter sends them).
   */
  sharedWarehouse?: boolean
  /** Shared warehouse: how records are claimed and how long a record another instance claimed is waited for (default INGEST_CLAIMS). */
  resendClaims?: ResendClaims
}

/**
 * Shared warehouse: a batch's fresh records are claimed (warehouse/claims.ts) before they are inserted, since
 * another instance may be inserting the same resent records at this moment. Claims count for a minute; a
 * record another instance won is waited for (until it is stored) up to `waitMs`, else its request
 * fails (503) and the exporter retries.
 */
export interface ResendClaims extends ClaimOptions {
  waitMs: number
}
export const INGEST_CLAIMS: ResendClaims = { settleMs: 100, windowSeconds: 60, waitMs: 10_000 }
const RESEND_POLL_MS = 50

/** A record another instance claimed first and has not stored yet (its insert failed, or is slow): retried. */
export class ClaimedElsewhereError extends Error {
  readonly retryAfterSeconds = 5
  constructor(records: number) {
    super(`${records} record(s) of this request are being written by another ccscope instance, which has not stored them yet; retry shortly`)
    this.name = 'ClaimedElsewhereError'
  }
}

/** What the writer needs to repair the rollups after an insert that stopped half-way (journal.ts). */
export interface WriterRecovery {
  journal: InsertJournal
  /** The raw tables' retention (CCSCOPE_RETENTION_RAW_DAYS; 0 = forever): older days are not rebuilt. */
  rawRetentionDays: number
}

export interface WriteResult {
  written: number
  duplicates: number
}

export class OverloadedError extends Error {
  readonly retryAfterSeconds = 2
  constructor(buffered: number) {
    super(`ccscope is writing ${buffered} buffered rows; retry shortly`)
    this.name = 'OverloadedError'
  }
}

export class WarehouseUnavailableError extends Error {
  readonly retryAfterSeconds = 5
  constructor(cause: unknown) {
    super(`the warehouse did not accept the write: ${cause instanceof Error ? cause.message : String(cause)}`)
    this.name = 'WarehouseUnavailableError'
  }
}

export class ClosedError extends Error {
  readonly retryAfterSeconds = 5
  constructor() {
    super('ccscope is shutting down')
    this.name = 'ClosedError'
  }
}

interface Pending<T extends TableName> {
  rows: TableRows[T][]
  resolve: (result: WriteResult) => void
  reject: (error: Error) => void
}

/** One table's share of a flush: the requests taken, then (prepared) the rows to insert. */
interface Batch<T extends TableName> {
  table: T
  entries: Pending<T>[]
  rows: number
  stopTimer: () => void
}

interface Prepared<T extends TableName> extends Batch<T> {
  /** Rows not stored yet (nor claimed by another instance): this flush inserts them. */
  fresh: TableRows[T][]
  /** Rows another instance claimed first: waited for, not inserted. */
  theirs: TableRows[T][]
}

const TABLES: TableName[] = ['events', 'metric_points', 'spans']

export class Writer {
  private readonly pending: { [T in TableName]: Pending<T>[] } = { events: [], metric_points: [], spans: [] }
  private readonly pendingRows: Record<TableName, number> = { events: 0, metric_points: 0, spans: 0 }
  private inFlightRows = 0
  private timer: NodeJS.Timeout | undefined
  private flushing: Promise<void> | undefined
  private closed = false
  /** Latest committed point of each cumulative stream (streams.ts). */
  private readonly streams: StreamPoints
  /** Shared warehouse only: claims fresh records before inserting them (nothing is claimed on a warehouse of one's own). */
  private readonly claimant: Claimant | undefined
  /** The session each table is looked up and inserted on. */
  private readonly lanes: Record<TableName, Warehouse>

  /**
   * `pointsClient`: a second engine session on the same warehouse for the metric points, so that they are
   * written while the events are (embedded engine; a server client has a pool of connections: pass none).
   */
  constructor(
    private readonly client: Warehouse,
    private readonly options: WriterOptions,
    private readonly log: Logger,
    private readonly metrics: SelfMetrics,
    private readonly recovery?: WriterRecovery,
    pointsClient: Warehouse = client,
  ) {
    this.claimant = options.sharedWarehouse ? new Claimant(client, options.resendClaims ?? INGEST_CLAIMS) : undefined
    this.lanes = { events: client, metric_points: pointsClient, spans: client }
    this.streams = new StreamPoints(options.sharedWarehouse ?? false)
  }

  get bufferedRows(): number {
    return this.pendingRows.events + this.pendingRows.metric_points + this.pendingRows.spans + this.inFlightRows
  }

  submit<T extends TableName>(table: T, rows: TableRows[T][]): Promise<WriteResult> {
    if (this.closed) return Promise.reject(new ClosedError())
    if (rows.length === 0) return Promise.resolve({ written: 0, duplicates: 0 })
    if (this.bufferedRows + rows.length > this.options.bufferMaxRows && this.bufferedRows > 0) {
      return Promise.reject(new OverloadedError(this.bufferedRows))
    }
    return new Promise<WriteResult>((resolve, reject) => {
      const queue: Pending<T>[] = this.pending[table]
      queue.push({ rows, resolve, reject })
      this.pendingRows[table] += rows.length
      this.metrics.bufferedRows.set(this.bufferedRows)
      this.schedule(this.pendingRows[table] >= this.options.batchMaxRows ? 0 : this.options.flushIntervalMs)
    })
  }

  /** Writes everything still buffered, then refuses new rows. */
  async close(): Promise<void> {
    this.closed = true
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
    while (this.flushing || this.bufferedRows > 0) {
      if (this.flushing) await this.flushing
      else await this.flush()
    }
  }

  private schedule(delayMs: number): void {
    if (this.flushing) return // the running flush re-schedules when it ends
    if (this.timer && delayMs > 0) return
    if (this.timer) clearTimeout(this.timer)
    this.timer = setTimeout(() => {
      this.timer = undefined
      void this.flush()
    }, delayMs)
  }

  /** One pass over the tables; never throws (failures are handed to the waiting requests). */
  flush(): Promise<void> {
    if (this.flushing) return this.flushing
    const startedAt = Date.now()
    this.flushing = (async () => {
      // What is waiting now; rows arriving meanwhile go with the next flush, in one batch, rather than
      // trickling out in many small ones.
      const left = Object.fromEntries(TABLES.map((table) => [table, this.pending[table].length])) as Record<TableName, number>
      for (;;) {
        const batches = TABLES.filter((table) => left[table] > 0 && this.pending[table].length > 0).map((table) => this.takeBatch(table))
        if (batches.length === 0) break
        for (const batch of batches) left[batch.table] -= batch.entries.length
        await this.writeBatches(batches)
      }
    })().finally(() => {
      this.flushing = undefined
      this.metrics.bufferedRows.set(this.bufferedRows)
      // Rows that came in during the flush go one interval after this flush STARTED (at once when a full
      // batch is waiting): flushes never start closer than the interval, so under load batches stay large
      // (every insert costs a part in each table and rollup), but a flush that took longer than the
      // interval is followed at once instead of by an idle interval.
      const wait = this.fullBatchWaiting() ? 0 : Math.max(0, this.options.flushIntervalMs - (Date.now() - startedAt))
      if (this.bufferedRows > 0 && !this.closed) this.schedule(wait)
    })
    return this.flushing
  }

  private fullBatchWaiting(): boolean {
    return TABLES.some((table) => this.pendingRows[table] >= this.options.batchMaxRows)
  }

  private takeBatch<T extends TableName>(table: T): Batch<T> {
    const queue: Pending<T>[] = this.pending[table]
    const entries: Pending<T>[] = []
    let rows = 0
    while (queue.length > 0 && (entries.length === 0 || rows + (queue[0]?.rows.length ?? 0) <= this.options.batchMaxRows)) {
      const entry = queue.shift()
      if (!entry) break
      entries.push(entry)
      rows += entry.rows.length
    }
    this.pendingRows[table] -= rows
    this.inFlightRows += rows
    return { table, entries, rows, stopTimer: this.metrics.flushSeconds.startTimer({ table }) }
  }

  /**
   * Writes one batch of each table's waiting requests, the tables side by side: each table's rows are
   * looked up (and, on a shared warehouse, claimed) on its own session; the session marks are computed once
   * over the fresh events and metric points together; then each table is inserted, in a span of ccscope's own
   * traces. A table that fails fails its own requests only. Never throws.
   */
  private async writeBatches(batches: Batch<TableName>[]): Promise<void> {
    try {
      await this.rebuildInterrupted()
    } catch (error) {
      for (const batch of batches) this.fail(batch, error)
      return
    }
    const looked = await Promise.all(
      batches.map((batch) =>
        this.prepare(batch).catch((error: unknown) => {
          this.fail(batch, error)
          return undefined
        }),
      ),
    )
    let prepared = looked.filter((p): p is Prepared<TableName> => p !== undefined)
    // Sessions are counted where their first record is (sessions.ts), across both tables: one lookup over both
    // tables' fresh rows, before either is inserted. Spans carry no session mark.
    const marked = prepared.filter((p) => p.table !== 'spans')
    try {
      await markSessionStarts(
        this.client,
        marked.flatMap((p) => p.fresh as (EventRow | MetricPointRow)[]),
      )
    } catch (error) {
      for (const p of marked) this.fail(p, error)
      prepared = prepared.filter((p) => p.table === 'spans')
    }
    await Promise.all(prepared.map((p) => traced('ccscope.write', { 'ccscope.table': p.table }, (span) => this.commit(p, span))))
  }

  /** Drops rows already in the batch, already stored or (shared warehouse) claimed by another instance. */
  private async prepare<T extends TableName>(batch: Batch<T>): Promise<Prepared<T>> {
    const unique = new Map<string, TableRows[T]>()
    for (const entry of batch.entries) for (const row of entry.rows) if (!unique.has(row.id)) unique.set(row.id, row)
    const all = [...unique.values()]
    // Shared warehouse: another instance may be inserting the same resent records right now, and the first
    // claim inserts them. Claimed before the lookup, so that the claims' settle overlaps it.
    const claiming = this.claimant?.claim(all.map((r) => ({ key: r.id, user_key: r.user_key })))
    claiming?.catch(() => undefined) // awaited below; a lookup that fails first must not leave it unhandled
    const stored = await storedIds(this.lanes[batch.table], batch.table, all)
    let fresh = all.filter((row) => !stored.has(row.id))
    const elsewhere = (await claiming) ?? new Set<string>()
    const theirs = elsewhere.size > 0 ? fresh.filter((row) => elsewhere.has(row.id)) : []
    if (theirs.length > 0) fresh = fresh.filter((row) => !elsewhere.has(row.id))
    return { ...batch, fresh, theirs }
  }

  /** Inserts a prepared batch and answers its requests; never throws (a failure is handed to the requests). */
  private async commit<T extends TableName>(p: Prepared<T>, span: Span): Promise<void> {
    const { table, entries, fresh, theirs } = p
    const lane = this.lanes[table]
    span.setAttributes({ 'ccscope.requests': entries.length, 'ccscope.rows': p.rows })
    try {
      let streamUpdates = new Map<string, StreamPoint>()
      if (table === 'metric_points') {
        const points = fresh as MetricPointRow[]
        streamUpdates = await this.streams.fillDeltas(lane, points)
        // The points no stored api_request covers are marked as candidates, stored with them (orphans.ts). Events
        // inserted in this same flush do not count yet: a candidate covered later is noted below.
        await markUncoveredUsage(lane, points)
      }
      if (fresh.length > 0) {
        // Debug lines that the crash test (test/crash) reads to tell where a kill landed.
        this.recovery?.journal.begin({ table, days: utcDays(fresh.map(rowTime)) })
        this.log.debug({ table, rows: fresh.length }, 'insert begins')
        // Arrays in a fixed column order (warehouse/columns.ts): the engine parses them faster than objects.
        await insertRows(lane, table, fresh)
        this.recovery?.journal.end(table)
        this.log.debug({ table, rows: fresh.length }, 'insert committed')
      }
      for (const [key, point] of streamUpdates) this.streams.remember(key, point)
      this.metrics.written.inc({ table }, fresh.length)
      // Only now (our own rows committed, so two instances never wait on each other): the records the other
      // instance claimed must be stored before their requests are acknowledged.
      const missing = theirs.length > 0 ? await this.awaitStored(lane, table, theirs) : new Set<string>()
      if (theirs.length > 0)
        this.log.info(
          { table, records: theirs.length, missing: missing.size },
          'records another instance was writing at the same moment were left to it (a resend)',
        )
      // Before acknowledging: sessions whose api_request events and candidate points are now both stored (orphans.ts).
      if (table === 'events' || table === 'metric_points') {
        const rows = entries.flatMap((e) => e.rows as (EventRow | MetricPointRow)[])
        await noteLateCoverage(lane, coverageKeys(rows), table === 'metric_points' ? candidateKeys(rows, fresh as MetricPointRow[]) : NO_KEYS)
      }
      this.settle(table, entries, new Set(fresh.map((r) => r.id)), missing)
      this.done(p)
    } catch (error) {
      this.fail(p, error)
    }
  }

  /** A batch that could not be written: its requests fail (the exporters retry). */
  private fail(batch: Batch<TableName>, error: unknown): void {
    this.metrics.flushFailures.inc({ table: batch.table })
    this.log.error({ err: error, table: batch.table, rows: batch.rows }, 'write to the warehouse failed; the exporters will retry')
    const failure = new WarehouseUnavailableError(error)
    for (const entry of batch.entries) entry.reject(failure)
    this.done(batch)
  }

  private done(batch: Batch<TableName>): void {
    this.inFlightRows -= batch.rows
    batch.stopTimer()
  }

  /** Rebuilds the rollups of days an earlier insert may have left half-written (see journal.ts). */
  private async rebuildInterrupted(): Promise<void> {
    if (!this.recovery) return
    const { journal, rawRetentionDays } = this.recovery
    const pending = journal.pending()
    if (pending.length === 0) return
    this.log.debug({ interrupted: pending.map((e) => e.table) }, 'rebuild begins')
    const began = performance.now()
    const report = await rebuildDerivedDays(this.client, pending, { rawRetentionDays, nowMs: Date.now() })
    journal.clear()
    this.log.warn(
      { interrupted: pending.map((e) => e.table), days: report.days, rebuilt: report.targets, ms: Math.round(performance.now() - began) },
      `an earlier insert may have stopped half-way (a crash or a failed write): rebuilt ${report.targets.join(', ') || 'nothing'} for ${report.days.length} day(s) from the raw tables`,
    )
    if (report.skipped.length > 0)
      this.log.warn(
        { skipped: report.skipped },
        `rollups of ${report.skipped.length} day(s) past the raw retention were not rebuilt: records of those days in the interrupted insert may be counted partly`,
      )
  }

  /** Waits until another instance has stored these rows; returns the ids still not stored when the wait ends. */
  private async awaitStored<T extends TableName>(lane: Warehouse, table: T, rows: TableRows[T][]): Promise<Set<string>> {
    let left = rows
    const deadline = Date.now() + (this.options.resendClaims ?? INGEST_CLAIMS).waitMs
    for (;;) {
      const stored = await storedIds(lane, table, left)
      left = left.filter((row) => !stored.has(row.id))
      if (left.length === 0 || Date.now() >= deadline) return new Set(left.map((row) => row.id))
      await new Promise((resolve) => setTimeout(resolve, RESEND_POLL_MS))
    }
  }

  /**
   * Resolves each request with how many of its rows were written and how many were duplicates; a request with
   * a row that another instance claimed but has not stored (`missing`) fails, to be retried.
   */
  private settle<T extends TableName>(table: T, batch: Pending<T>[], written: Set<string>, missing: ReadonlySet<string> = new Set()): void {
    let duplicates = 0
    for (const entry of batch) {
      const unstored = missing.size > 0 ? entry.rows.filter((row) => missing.has(row.id)).length : 0
      if (unstored > 0) {
        entry.reject(new ClaimedElsewhereError(unstored))
        continue
      }
      let mine = 0
      for (const row of entry.rows) {
        if (written.delete(row.id)) mine++
      }
      duplicates += entry.rows.length - mine
      entry.resolve({ written: mine, duplicates: entry.rows.length - mine })
    }
    if (duplicates > 0) {
      this.metrics.duplicates.inc({ table }, duplicates)
      this.log.info({ table, duplicates }, 'records already stored were not written again (exporter retries)')
    }
  }
}
