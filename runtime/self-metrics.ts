import client from 'prom-client'

/**
 * ccscope's own health figures, served in Prometheus text format at GET /metrics. Every record
 * that is refused, rejected or recognised as a duplicate is counted here, by reason.
 */
export class SelfMetrics {
  readonly registry = new client.Registry()

  readonly requests = new client.Counter({
    name: 'ccscope_otlp_requests_total',
    help: 'OTLP export requests handled, by signal, transport, encoding and response status',
    labelNames: ['signal', 'transport', 'encoding', 'status'] as const,
    registers: [this.registry],
  })

  readonly refused = new client.Counter({
    name: 'ccscope_otlp_requests_refused_total',
    help: 'OTLP export requests refused as a whole (nothing stored), by reason',
    labelNames: ['signal', 'reason'] as const,
    registers: [this.registry],
  })

  readonly received = new client.Counter({
    name: 'ccscope_records_received_total',
    help: 'Records (log records, data points, spans) decoded from accepted requests',
    labelNames: ['signal'] as const,
    registers: [this.registry],
  })

  readonly rejected = new client.Counter({
    name: 'ccscope_records_rejected_total',
    help: 'Records refused inside an accepted request (reported to the client as partial success), by reason',
    labelNames: ['signal', 'reason'] as const,
    registers: [this.registry],
  })

  readonly limited = new client.Counter({
    name: 'ccscope_limits_applied_total',
    help: 'Strings cut, attributes dropped and too-deep values emptied by the request limits (the records are kept), by signal and limit',
    labelNames: ['signal', 'limit'] as const,
    registers: [this.registry],
  })

  readonly duplicates = new client.Counter({
    name: 'ccscope_records_duplicate_total',
    help: 'Records already stored (exporter retries) and therefore not written again',
    labelNames: ['table'] as const,
    registers: [this.registry],
  })

  readonly written = new client.Counter({
    name: 'ccscope_rows_written_total',
    help: 'Rows committed to the warehouse',
    labelNames: ['table'] as const,
    registers: [this.registry],
  })

  readonly flushFailures = new client.Counter({
    name: 'ccscope_writer_flush_failures_total',
    help: 'Batches the warehouse did not accept (their requests were answered 503 and will be retried by the exporters)',
    labelNames: ['table'] as const,
    registers: [this.registry],
  })

  readonly flushSeconds = new client.Histogram({
    name: 'ccscope_writer_flush_seconds',
    help: 'Time to write one batch, duplicate check included',
    labelNames: ['table'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  })

  readonly contentDropped = new client.Counter({
    name: 'ccscope_content_attributes_dropped_total',
    help: 'Prompt text, responses, tool inputs and raw bodies dropped at the collector (CCSCOPE_STORE_CONTENT off), by signal and attribute; values Claude Code had already redacted are not counted',
    labelNames: ['signal', 'attribute'] as const,
    registers: [this.registry],
  })

  readonly bufferedRows = new client.Gauge({
    name: 'ccscope_writer_buffered_rows',
    help: 'Rows waiting to be written or being written',
    registers: [this.registry],
  })

  readonly inflight = new client.Gauge({
    name: 'ccscope_inflight_bytes',
    help: 'Estimated bytes held by export requests in flight: bodies being received, decompressed and decoded, and their rows until committed',
    registers: [this.registry],
  })

  readonly inflightPeak = new client.Gauge({
    name: 'ccscope_inflight_bytes_peak',
    help: 'The most ccscope_inflight_bytes has been since start',
    registers: [this.registry],
  })

  readonly inflightLimit = new client.Gauge({
    name: 'ccscope_inflight_bytes_limit',
    help: 'CCSCOPE_MAX_INFLIGHT_BYTES: past it, requests are refused with 429 / UNAVAILABLE and Retry-After',
    registers: [this.registry],
  })

  readonly connectionsOpen = new client.Gauge({
    name: 'ccscope_connections_open',
    help: 'Open connections, by listening port (otlp_http, otlp_grpc, api)',
    labelNames: ['port'] as const,
    registers: [this.registry],
  })

  readonly connectionsRefused = new client.Counter({
    name: 'ccscope_connections_refused_total',
    help: 'Connections closed on arrival because a limit was reached (total or per_address), by port',
    labelNames: ['port', 'limit'] as const,
    registers: [this.registry],
  })

  readonly connectionsTimedOut = new client.Counter({
    name: 'ccscope_connections_timed_out_total',
    help: 'OTLP/gRPC connections closed for a timeout (handshake, request, idle)',
    labelNames: ['port', 'timeout'] as const,
    registers: [this.registry],
  })

  constructor() {
    client.collectDefaultMetrics({ register: this.registry, prefix: 'ccscope_process_' })
  }
}
