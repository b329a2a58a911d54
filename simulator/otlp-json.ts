/**
 * The simulator's records as the request bodies an OTLP exporter sends: the SDK's own serializers
 * (@opentelemetry/otlp-transformer, what the http/json and http/protobuf exporters call), so that a
 * request built here is byte for byte what the demo sends through the real exporters.
 *
 * This is the one encoder of Claude Code telemetry in the repository: the simulator, the test fleet,
 * the tests' OTLP factory and the crash-test client build records (simulator/otlp.ts) and encode them
 * here. JSON bodies come back parsed by the shared OTLP schema, so callers get typed objects.
 */
import { JsonLogsSerializer, JsonMetricsSerializer, ProtobufLogsSerializer, ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer'
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs'
import type { ResourceMetrics } from '@opentelemetry/sdk-metrics'
import { type ExportLogsRequest, type ExportMetricsRequest, exportLogsRequestSchema, exportMetricsRequestSchema } from '../schemas/otlp'

const text = (bytes: Uint8Array | undefined) => Buffer.from(bytes ?? []).toString('utf8')

/**
 * The SDK's JSON request for these records, as it is (grouped by resource and scope, as the SDK does),
 * unchecked: for bulk use (the demo's history, the bench seed: hundreds of thousands of records, where the
 * schema's check is a third of the time). logsJson / metricsJson below check the same output against the
 * shared schema, and test/seed.test.ts holds the rows made from it equal to those sent over OTLP.
 */
export function logsRequest(records: ReadableLogRecord[]): ExportLogsRequest {
  return JSON.parse(text(JsonLogsSerializer.serializeRequest(records))) as ExportLogsRequest
}

export function metricsRequest(resources: ResourceMetrics): ExportMetricsRequest {
  return JSON.parse(text(JsonMetricsSerializer.serializeRequest(resources))) as ExportMetricsRequest
}

/** An OTLP/JSON logs request holding these records, checked by the shared OTLP schema. */
export function logsJson(records: ReadableLogRecord[]): ExportLogsRequest {
  return exportLogsRequestSchema.parse(logsRequest(records))
}

/** An OTLP/JSON metrics request holding these resources' points, checked by the shared OTLP schema. */
export function metricsJson(resources: ResourceMetrics | ResourceMetrics[]): ExportMetricsRequest {
  const list = Array.isArray(resources) ? resources : [resources]
  return { resourceMetrics: list.flatMap((r) => exportMetricsRequestSchema.parse(metricsRequest(r)).resourceMetrics ?? []) }
}

/** The same logs request as OTLP/protobuf bytes (what http/protobuf and gRPC carry). */
export function logsProtobuf(records: ReadableLogRecord[]): Buffer {
  return Buffer.from(ProtobufLogsSerializer.serializeRequest(records) ?? [])
}

/** The same metrics request as OTLP/protobuf bytes; one resource per request, as a reader exports. */
export function metricsProtobuf(resource: ResourceMetrics): Buffer {
  return Buffer.from(ProtobufMetricsSerializer.serializeRequest(resource) ?? [])
}
