import type { ExportRequests, Signal } from '../schemas/otlp'
import type { Logger } from '../server/logger'
import type { SelfMetrics } from '../server/self-metrics'
import type { TableName } from '../warehouse/rows'
import type { NormalizeLimits, Rejection } from './normalize/common'
import { normalizeLogs } from './normalize/logs'
import { normalizeMetrics } from './normalize/metrics'
import { normalizeTraces } from './normalize/traces'
import type { PartialSuccess } from './otlp/proto'
import type { Writer, WriteResult } from './writer/writer'

export const tableOf: Record<Signal, TableName> = { logs: 'events', metrics: 'metric_points', traces: 'spans' }

export interface IngestResult {
  received: number
  written: number
  duplicates: number
  partial: PartialSuccess
}

/** A decoded export request, tagged with its signal. */
export type ExportBatch = { [S in Signal]: { signal: S; request: ExportRequests[S] } }[Signal]

export interface Ingestor {
  ingest(batch: ExportBatch): Promise<IngestResult>
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

/** normalize → batch → write, shared by the HTTP and gRPC receivers. Throws the writer's errors. */
export function createIngestor(writer: Writer, metrics: SelfMetrics, log: Logger, limits: () => NormalizeLimits): Ingestor {
  return {
    async ingest(batch) {
      const now = limits()
      const signal = batch.signal
      let normalized: { rows: unknown[]; rejected: Rejection[] }
      let write: Promise<WriteResult>
      if (batch.signal === 'logs') {
        const n = normalizeLogs(batch.request, now)
        normalized = n
        write = writer.submit('events', n.rows)
      } else if (batch.signal === 'metrics') {
        const n = normalizeMetrics(batch.request, now)
        normalized = n
        write = writer.submit('metric_points', n.rows)
      } else {
        const n = normalizeTraces(batch.request, now)
        normalized = n
        write = writer.submit('spans', n.rows)
      }
      const received = normalized.rows.length + normalized.rejected.length
      metrics.received.inc({ signal }, received)
      for (const r of normalized.rejected) metrics.rejected.inc({ signal, reason: r.reason })
      if (normalized.rejected.length > 0)
        log.warn({ signal, rejected: normalized.rejected.length, received }, describeRejections(normalized.rejected))
      const result = await write
      return {
        received,
        written: result.written,
        duplicates: result.duplicates,
        partial: { rejected: normalized.rejected.length, errorMessage: describeRejections(normalized.rejected) },
      }
    },
  }
}
