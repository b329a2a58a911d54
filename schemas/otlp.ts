import { z } from 'zod'

/**
 * OTLP/JSON request shapes (opentelemetry-proto, JSON mapping), as ccscope reads them.
 *
 * - 64-bit integers may be JSON strings or numbers (the spec says strings; real exporters send both).
 * - Enums may be integers (the spec) or names (protobuf's JSON mapping).
 * - trace and span ids are hex strings; bytesValue is base64.
 * - Unknown fields are ignored, as the spec asks of receivers.
 * The protobuf decoder produces the same shapes, so one normalizer serves both encodings.
 */

const u64 = z.union([z.string().regex(/^\d{1,20}$/, 'expected an unsigned integer'), z.number().int().nonnegative()])
const i64 = z.union([z.string().regex(/^-?\d{1,19}$/, 'expected an integer'), z.number().int()])
/** proto3 JSON doubles: numbers, or the strings "NaN", "Infinity", "-Infinity" (and numeric strings). */
const double = z.union([z.number(), z.string().regex(/^(NaN|-?Infinity|-?\d+(\.\d+)?([eE][-+]?\d+)?)$/)])
const enumValue = z.union([z.number().int(), z.string().max(64)])
const hexId = z.string().regex(/^([0-9a-fA-F]{2})*$/, 'expected a hex-encoded id')

export interface AnyValue {
  stringValue?: string | null
  boolValue?: boolean | null
  intValue?: string | number | null
  doubleValue?: number | string | null
  arrayValue?: { values?: AnyValue[] | null } | null
  kvlistValue?: { values?: KeyValue[] | null } | null
  bytesValue?: string | null
}
export interface KeyValue {
  key: string
  value?: AnyValue | null
}

// Recursive through getters (zod 4's way): cheaper to run than z.lazy.
export const anyValueSchema = z.object({
  stringValue: z.string().nullish(),
  boolValue: z.boolean().nullish(),
  intValue: i64.nullish(),
  doubleValue: double.nullish(),
  get arrayValue() {
    return z.object({ values: z.array(anyValueSchema).nullish() }).nullish()
  },
  get kvlistValue() {
    return z.object({ values: z.array(keyValueSchema).nullish() }).nullish()
  },
  bytesValue: z.string().nullish(),
})
export const keyValueSchema = z.object({
  key: z.string(),
  get value() {
    return anyValueSchema.nullish()
  },
})

const attributes = z.array(keyValueSchema).nullish()

export const resourceSchema = z.object({ attributes, droppedAttributesCount: z.number().int().nullish() })
export const scopeSchema = z.object({
  name: z.string().nullish(),
  version: z.string().nullish(),
  attributes,
  droppedAttributesCount: z.number().int().nullish(),
})

// ---- logs -------------------------------------------------------------------------------------

export const logRecordSchema = z.object({
  timeUnixNano: u64.nullish(),
  observedTimeUnixNano: u64.nullish(),
  severityNumber: enumValue.nullish(),
  severityText: z.string().nullish(),
  body: anyValueSchema.nullish(),
  attributes,
  droppedAttributesCount: z.number().int().nullish(),
  flags: z.number().int().nullish(),
  traceId: hexId.nullish(),
  spanId: hexId.nullish(),
  eventName: z.string().nullish(),
})

export const exportLogsRequestSchema = z.object({
  resourceLogs: z
    .array(
      z.object({
        resource: resourceSchema.nullish(),
        scopeLogs: z
          .array(
            z.object({
              scope: scopeSchema.nullish(),
              logRecords: z.array(logRecordSchema).nullish(),
              schemaUrl: z.string().nullish(),
            }),
          )
          .nullish(),
        schemaUrl: z.string().nullish(),
      }),
    )
    .nullish(),
})

// ---- metrics ----------------------------------------------------------------------------------

export const numberDataPointSchema = z.object({
  attributes,
  startTimeUnixNano: u64.nullish(),
  timeUnixNano: u64.nullish(),
  asDouble: double.nullish(),
  asInt: i64.nullish(),
  flags: z.number().int().nullish(),
})

export const histogramDataPointSchema = z.object({
  attributes,
  startTimeUnixNano: u64.nullish(),
  timeUnixNano: u64.nullish(),
  count: u64.nullish(),
  sum: double.nullish(),
  bucketCounts: z.array(u64).nullish(),
  explicitBounds: z.array(double).nullish(),
  min: double.nullish(),
  max: double.nullish(),
  flags: z.number().int().nullish(),
})

export const exponentialHistogramDataPointSchema = z.object({
  attributes,
  startTimeUnixNano: u64.nullish(),
  timeUnixNano: u64.nullish(),
  count: u64.nullish(),
  sum: double.nullish(),
  scale: z.number().int().nullish(),
  zeroCount: u64.nullish(),
  min: double.nullish(),
  max: double.nullish(),
  flags: z.number().int().nullish(),
})

export const summaryDataPointSchema = z.object({
  attributes,
  startTimeUnixNano: u64.nullish(),
  timeUnixNano: u64.nullish(),
  count: u64.nullish(),
  sum: double.nullish(),
  flags: z.number().int().nullish(),
})

export const metricSchema = z.object({
  name: z.string().nullish(),
  description: z.string().nullish(),
  unit: z.string().nullish(),
  gauge: z.object({ dataPoints: z.array(numberDataPointSchema).nullish() }).nullish(),
  sum: z
    .object({
      dataPoints: z.array(numberDataPointSchema).nullish(),
      aggregationTemporality: enumValue.nullish(),
      isMonotonic: z.boolean().nullish(),
    })
    .nullish(),
  histogram: z.object({ dataPoints: z.array(histogramDataPointSchema).nullish(), aggregationTemporality: enumValue.nullish() }).nullish(),
  exponentialHistogram: z
    .object({
      dataPoints: z.array(exponentialHistogramDataPointSchema).nullish(),
      aggregationTemporality: enumValue.nullish(),
    })
    .nullish(),
  summary: z.object({ dataPoints: z.array(summaryDataPointSchema).nullish() }).nullish(),
})

export const exportMetricsRequestSchema = z.object({
  resourceMetrics: z
    .array(
      z.object({
        resource: resourceSchema.nullish(),
        scopeMetrics: z
          .array(
            z.object({
              scope: scopeSchema.nullish(),
              metrics: z.array(metricSchema).nullish(),
              schemaUrl: z.string().nullish(),
            }),
          )
          .nullish(),
        schemaUrl: z.string().nullish(),
      }),
    )
    .nullish(),
})

// ---- traces -----------------------------------------------------------------------------------

export const spanSchema = z.object({
  traceId: hexId.nullish(),
  spanId: hexId.nullish(),
  traceState: z.string().nullish(),
  parentSpanId: hexId.nullish(),
  flags: z.number().int().nullish(),
  name: z.string().nullish(),
  kind: enumValue.nullish(),
  startTimeUnixNano: u64.nullish(),
  endTimeUnixNano: u64.nullish(),
  attributes,
  droppedAttributesCount: z.number().int().nullish(),
  events: z.array(z.object({ timeUnixNano: u64.nullish(), name: z.string().nullish(), attributes })).nullish(),
  links: z.array(z.object({ traceId: hexId.nullish(), spanId: hexId.nullish(), traceState: z.string().nullish(), attributes })).nullish(),
  status: z.object({ message: z.string().nullish(), code: enumValue.nullish() }).nullish(),
})

export const exportTraceRequestSchema = z.object({
  resourceSpans: z
    .array(
      z.object({
        resource: resourceSchema.nullish(),
        scopeSpans: z
          .array(
            z.object({
              scope: scopeSchema.nullish(),
              spans: z.array(spanSchema).nullish(),
              schemaUrl: z.string().nullish(),
            }),
          )
          .nullish(),
        schemaUrl: z.string().nullish(),
      }),
    )
    .nullish(),
})

export type Resource = z.infer<typeof resourceSchema>
export type Scope = z.infer<typeof scopeSchema>
export type LogRecord = z.infer<typeof logRecordSchema>
export type ExportLogsRequest = z.infer<typeof exportLogsRequestSchema>
export type Metric = z.infer<typeof metricSchema>
export type NumberDataPoint = z.infer<typeof numberDataPointSchema>
export type ExportMetricsRequest = z.infer<typeof exportMetricsRequestSchema>
export type Span = z.infer<typeof spanSchema>
export type ExportTraceRequest = z.infer<typeof exportTraceRequestSchema>

export type Signal = 'logs' | 'metrics' | 'traces'

export const exportRequestSchemas = {
  logs: exportLogsRequestSchema,
  metrics: exportMetricsRequestSchema,
  traces: exportTraceRequestSchema,
} as const

export interface ExportRequests {
  logs: ExportLogsRequest
  metrics: ExportMetricsRequest
  traces: ExportTraceRequest
}
