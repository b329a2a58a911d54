/**
 * The real OpenTelemetry exporters a Claude Code deployment uses, one pair (logs, metrics) per
 * protocol: http/json, http/protobuf and grpc, with the bearer token as a header (HTTP) or metadata
 * (gRPC), and a promise-returning `export` that reports the SDK's ExportResult.
 */
import { Metadata } from '@grpc/grpc-js'
import { ExportResultCode, type ExportResult } from '@opentelemetry/core'
import { OTLPLogExporter as GrpcLogExporter } from '@opentelemetry/exporter-logs-otlp-grpc'
import { OTLPLogExporter as JsonLogExporter } from '@opentelemetry/exporter-logs-otlp-http'
import { OTLPLogExporter as ProtoLogExporter } from '@opentelemetry/exporter-logs-otlp-proto'
import { OTLPMetricExporter as GrpcMetricExporter } from '@opentelemetry/exporter-metrics-otlp-grpc'
import { OTLPMetricExporter as JsonMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http'
import { OTLPMetricExporter as ProtoMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto'
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http'
import { CompressionAlgorithm } from '@opentelemetry/otlp-exporter-base'
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs'
import type { ResourceMetrics } from '@opentelemetry/sdk-metrics'
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base'

export const PROTOCOLS = ['http/protobuf', 'http/json', 'grpc'] as const
export type Protocol = (typeof PROTOCOLS)[number]

export interface ExporterOptions {
  protocol: Protocol
  /** OTLP/HTTP base URL, e.g. http://127.0.0.1:4318 (the /v1/<signal> paths are appended). */
  endpoint: string
  /** OTLP/gRPC URL, e.g. http://127.0.0.1:4317 (http: = plaintext). */
  grpcEndpoint: string
  token?: string | undefined
  compression: 'none' | 'gzip'
  /** Per export, retries included. */
  timeoutMillis: number
  /** The SDK refuses exports beyond this many in flight. */
  concurrencyLimit: number
}

interface SdkExporter<T> {
  export(items: T, resultCallback: (result: ExportResult) => void): void
  shutdown(): Promise<void>
}

export interface Exporters {
  protocol: Protocol
  logs(records: ReadableLogRecord[]): Promise<ExportResult>
  metrics(batch: ResourceMetrics): Promise<ExportResult>
  /** Beta traces, over OTLP/HTTP (JSON) whatever the protocol of logs and metrics. */
  traces(spans: ReadableSpan[]): Promise<ExportResult>
  shutdown(): Promise<void>
}

function promised<T>(exporter: SdkExporter<T>): (items: T) => Promise<ExportResult> {
  return (items) =>
    new Promise((resolve) => {
      try {
        exporter.export(items, resolve)
      } catch (error) {
        resolve({ code: ExportResultCode.FAILED, error: error instanceof Error ? error : new Error(String(error)) })
      }
    })
}

export function createExporters(o: ExporterOptions): Exporters {
  const compression = o.compression === 'gzip' ? CompressionAlgorithm.GZIP : CompressionAlgorithm.NONE
  const common = { timeoutMillis: o.timeoutMillis, concurrencyLimit: o.concurrencyLimit, compression }
  let logs: SdkExporter<ReadableLogRecord[]>
  let metrics: SdkExporter<ResourceMetrics>
  if (o.protocol === 'grpc') {
    const metadata = new Metadata()
    if (o.token) metadata.set('authorization', `Bearer ${o.token}`)
    logs = new GrpcLogExporter({ ...common, url: o.grpcEndpoint, metadata })
    metrics = new GrpcMetricExporter({ ...common, url: o.grpcEndpoint, metadata })
  } else {
    const base = o.endpoint.replace(/\/+$/, '')
    const headers: Record<string, string> = o.token ? { Authorization: `Bearer ${o.token}` } : {}
    const http = { ...common, headers, keepAlive: true }
    if (o.protocol === 'http/json') {
      logs = new JsonLogExporter({ ...http, url: `${base}/v1/logs` })
      metrics = new JsonMetricExporter({ ...http, url: `${base}/v1/metrics` })
    } else {
      logs = new ProtoLogExporter({ ...http, url: `${base}/v1/logs` })
      metrics = new ProtoMetricExporter({ ...http, url: `${base}/v1/metrics` })
    }
  }
  // Traces go through @opentelemetry/exporter-trace-otlp-http to the OTLP/HTTP endpoint (for a gRPC run too:
  // ccscope's HTTP port takes them all the same).
  const traces: SdkExporter<ReadableSpan[]> = new OTLPTraceExporter({
    ...common,
    url: `${o.endpoint.replace(/\/+$/, '')}/v1/traces`,
    headers: o.token ? { Authorization: `Bearer ${o.token}` } : {},
  })
  return {
    protocol: o.protocol,
    logs: promised(logs),
    metrics: promised(metrics),
    traces: promised(traces),
    async shutdown() {
      await Promise.all([logs.shutdown(), metrics.shutdown(), traces.shutdown()])
    },
  }
}

/**
 * A failure that retrying cannot fix: a 4xx answer other than 408/429 over HTTP (bad token, refused
 * body), or INVALID_ARGUMENT, PERMISSION_DENIED, UNIMPLEMENTED, UNAUTHENTICATED over gRPC.
 */
export function isPermanent(protocol: Protocol, result: ExportResult): boolean {
  const code = result.error && 'code' in result.error ? Number(result.error.code) : Number.NaN
  if (Number.isNaN(code)) return false
  if (protocol === 'grpc') return code === 3 || code === 7 || code === 12 || code === 16
  return code >= 400 && code < 500 && code !== 408 && code !== 429
}

export function describeFailure(result: ExportResult): string {
  const e = result.error
  if (!e) return 'export failed'
  const code = 'code' in e && e.code !== undefined ? ` (${String(e.code)})` : ''
  const data = 'data' in e && typeof e.data === 'string' && e.data ? `: ${e.data.slice(0, 300)}` : ''
  return `${e.message}${code}${data}`
}
