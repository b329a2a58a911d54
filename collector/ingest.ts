import type { Span } from '@opentelemetry/api'
import { traced } from '../runtime/traced'
import type { ExportRequests, Signal } from '../schemas/otlp'
import type { Logger } from '../runtime/logger'
import type { SelfMetrics } from '../runtime/self-metrics'
import type { TableName } from '../warehouse/rows'
import type { LimitReport } from './limits'
import type { Sender } from './auth'
import type { NormalizeLimits, Rejection } from './normalize/common'
import { normalizeLogs } from './normalize/logs'
import { normalizeMetrics } from './normalize/metrics'
import { normalizeTraces } from './normalize/traces'
import type { PartialSuccess } from './otlp/proto'
import type { PrivacyFilter } from './privacy'
import type { Writer, WriteResult } from './writer/writer'

export const tableOf: Record<Signal, TableName> = { logs: 'events', metrics: 'metric_points', traces: 'spans' }

export interface IngestResult {
  received: number
  written: number
  duplicates: number
  partial: PartialSuccess
}

/** A decoded export request, tagged with its signal. */
export type ExportBatch = { [S in Signal]: { signal: S; request: ExportRequests[S]; limited?: Limited } }[Signal]

/** What the request limits cut from a batch (collector/limits.ts), and the warning sent back. */
export interface Limited {
  report: LimitReport
  message: string
}

export interface Ingestor {
  /**
   * Stores a decoded batch; `sender` names the ingest token it came with. `onQueued` is called once its rows
   * are handed to the writer (the decoded request is no longer needed), before they are committed.
   */
  ingest(batch: ExportBatch, sender?: Sender, onQueued?: () => void): Promise<IngestResult>
}

/** "2 rejected: timestamp_too_old ×1 (…), value_invalid ×1 (…)": the partial-success message. */
export function describeRejections(rejected: Rejection[]): string {
  if (rejected.length === 0) return ''
  const byReason = new Map<string, { n: number; example: string }>()
  for (const r of rejected) {
    const entry = byReason.get(r.reason) ?? { n: 0, example: r.detail }
    entry.n++
    byReason.set(r.reason, entry)
  }
  const parts = [...byReason].map(([reason, { n, example }]) => `${reason} x${n} (e.g. ${example})`)
  return `${rejected.length} rejected: ${parts.join('; ')}`
}

/** Stamps the sender's label on rows (the column defaults to '', so unlabelled rows are left alone). */
function label<R extends { ingest_label?: string }>(rows: R[], sender: Sender | undefined): R[] {
  if (sender?.label) for (const row of rows) row.ingest_label = sender.label
  return rows
}

/** privacy → normalize → batch → write, shared by the HTTP and gRPC receivers. Throws the writer's errors. */
export function createIngestor(writer: Writer, metrics: SelfMetrics, log: Logger, limits: () => NormalizeLimits, privacy: PrivacyFilter): Ingestor {
  return {
    // Each export request is a span of ccscope's own traces (warehouse/traced.ts; a no-op unless configured).
    ingest: (batch, sender, onQueued) => traced('ccscope.ingest', { 'otlp.signal': batch.signal }, (span) => ingestOne(batch, sender, span, onQueued)),
  }

  async function ingestOne(batch: ExportBatch, sender: Parameters<Ingestor['ingest']>[1], span: Span, onQueued?: () => void): Promise<IngestResult> {
    const now = limits()
    const signal = batch.signal
    for (const [attribute, n] of privacy.apply(signal, batch.request)) metrics.contentDropped.inc({ signal, attribute }, n)
    let normalized: { rows: unknown[]; rejected: Rejection[] }
    let write: Promise<WriteResult>
    if (batch.signal === 'logs') {
      const n = normalizeLogs(batch.request, now)
      normalized = n
      write = writer.submit('events', label(n.rows, sender))
    } else if (batch.signal === 'metrics') {
      const n = normalizeMetrics(batch.request, now)
      normalized = n
      write = writer.submit('metric_points', label(n.rows, sender))
    } else {
      const n = normalizeTraces(batch.request, now)
      normalized = n
      write = writer.submit('spans', label(n.rows, sender))
    }
    const received = normalized.rows.length + normalized.rejected.length
    metrics.received.inc({ signal }, received)
    for (const r of normalized.rejected) metrics.rejected.inc({ signal, reason: r.reason })
    if (normalized.rejected.length > 0) log.warn({ signal, rejected: normalized.rejected.length, received }, describeRejections(normalized.rejected))
    const limited = batch.limited
    if (limited && limited.message !== '') {
      metrics.limited.inc({ signal, limit: 'string_truncated' }, limited.report.truncatedStrings)
      metrics.limited.inc({ signal, limit: 'attribute_dropped' }, limited.report.droppedAttributes)
      metrics.limited.inc({ signal, limit: 'value_too_deep' }, limited.report.droppedValues)
      log.warn({ signal, ...limited.report }, limited.message)
    }
    onQueued?.()
    const result = await write
    // Cut values are a warning (rejected 0, a message), as OTLP's partial success allows.
    const errorMessage = [describeRejections(normalized.rejected), limited?.message ?? ''].filter((m) => m !== '').join('; ')
    span.setAttributes({
      'ccscope.received': received,
      'ccscope.written': result.written,
      'ccscope.duplicates': result.duplicates,
      'ccscope.rejected': normalized.rejected.length,
    })
    return {
      received,
      written: result.written,
      duplicates: result.duplicates,
      partial: { rejected: normalized.rejected.length, errorMessage },
    }
  }
}
