import { createRequire } from 'node:module'
import protobuf from 'protobufjs'
import type { ExportRequests, Signal } from '../../schemas/otlp'

/**
 * Protobuf codec for OTLP, on the official opentelemetry-proto definitions as compiled to a
 * protobufjs module by the OpenTelemetry JS project (@opentelemetry/otlp-transformer 0.208.0, the
 * release Claude Code's own exporters use). Nothing here parses wire bytes by hand.
 */

interface MessageType {
  decode(reader: Uint8Array): object
  encode(message: object): { finish(): Uint8Array }
  fromObject(object: Record<string, unknown>): object
  toObject(message: object, options: protobuf.IConversionOptions): Record<string, unknown>
}
interface CollectorNamespace {
  v1: Record<string, MessageType>
}
interface OtlpRoot {
  opentelemetry: { proto: { collector: { logs: CollectorNamespace; metrics: CollectorNamespace; trace: CollectorNamespace } } }
}

const require = createRequire(import.meta.url)
const root = require('@opentelemetry/otlp-transformer/build/src/generated/root.js') as OtlpRoot
const collector = root.opentelemetry.proto.collector

function messageType(ns: CollectorNamespace, name: string): MessageType {
  const type = ns.v1[name]
  if (!type) throw new Error(`OTLP protobuf definitions lack ${name}`)
  return type
}

export const requestTypes: Record<Signal, MessageType> = {
  logs: messageType(collector.logs, 'ExportLogsServiceRequest'),
  metrics: messageType(collector.metrics, 'ExportMetricsServiceRequest'),
  traces: messageType(collector.trace, 'ExportTraceServiceRequest'),
}

export const responseTypes: Record<Signal, MessageType> = {
  logs: messageType(collector.logs, 'ExportLogsServiceResponse'),
  metrics: messageType(collector.metrics, 'ExportMetricsServiceResponse'),
  traces: messageType(collector.trace, 'ExportTraceServiceResponse'),
}

/** gRPC service paths, as in opentelemetry-proto's collector services. */
export const grpcServices: Record<Signal, { service: string; path: string }> = {
  logs: { service: 'opentelemetry.proto.collector.logs.v1.LogsService', path: '/opentelemetry.proto.collector.logs.v1.LogsService/Export' },
  metrics: {
    service: 'opentelemetry.proto.collector.metrics.v1.MetricsService',
    path: '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export',
  },
  traces: { service: 'opentelemetry.proto.collector.trace.v1.TraceService', path: '/opentelemetry.proto.collector.trace.v1.TraceService/Export' },
}

const TO_OBJECT: protobuf.IConversionOptions = { longs: String, enums: Number, bytes: String, defaults: false, arrays: false }

function base64ToHex(value: unknown): string | undefined {
  return typeof value === 'string' ? Buffer.from(value, 'base64').toString('hex') : undefined
}

type Obj = Record<string, unknown>
function list(value: unknown): Obj[] {
  return Array.isArray(value) ? (value as Obj[]) : []
}

/** OTLP/JSON carries trace and span ids as hex, protobuf as bytes: make the decoded form match JSON. */
function idsToHex(signal: Signal, request: Obj): void {
  if (signal === 'logs') {
    for (const rl of list(request.resourceLogs))
      for (const sl of list(rl.scopeLogs))
        for (const r of list(sl.logRecords)) {
          if (r.traceId !== undefined) r.traceId = base64ToHex(r.traceId)
          if (r.spanId !== undefined) r.spanId = base64ToHex(r.spanId)
        }
  } else if (signal === 'traces') {
    for (const rs of list(request.resourceSpans))
      for (const ss of list(rs.scopeSpans))
        for (const s of list(ss.spans)) {
          for (const key of ['traceId', 'spanId', 'parentSpanId'] as const) if (s[key] !== undefined) s[key] = base64ToHex(s[key])
          for (const link of list(s.links)) {
            if (link.traceId !== undefined) link.traceId = base64ToHex(link.traceId)
            if (link.spanId !== undefined) link.spanId = base64ToHex(link.spanId)
          }
        }
  }
}

/**
 * Decodes an OTLP protobuf request into the OTLP/JSON shape (schemas/otlp.ts). Throws on malformed
 * bytes. The cast is sound by construction: protobufjs builds the object from the typed message with
 * longs as decimal strings, enums as numbers and bytes as base64 (ids are then turned into hex).
 */
export function decodeProtobuf<S extends Signal>(signal: S, bytes: Uint8Array): ExportRequests[S] {
  const type = requestTypes[signal]
  const object = type.toObject(type.decode(bytes), TO_OBJECT)
  idsToHex(signal, object)
  return object as ExportRequests[S]
}

export interface PartialSuccess {
  rejected: number
  errorMessage: string
}

const rejectedField: Record<Signal, string> = {
  logs: 'rejectedLogRecords',
  metrics: 'rejectedDataPoints',
  traces: 'rejectedSpans',
}

/** The Export*ServiceResponse as a plain object (OTLP/JSON form). Empty on full success. */
export function responseObject(signal: Signal, partial?: PartialSuccess): Record<string, unknown> {
  if (!partial || (partial.rejected === 0 && partial.errorMessage === '')) return {}
  return { partialSuccess: { [rejectedField[signal]]: partial.rejected, errorMessage: partial.errorMessage } }
}

export function encodeResponse(signal: Signal, partial?: PartialSuccess): Uint8Array {
  const type = responseTypes[signal]
  return type.encode(type.fromObject(responseObject(signal, partial))).finish()
}

// google.rpc.Status, the body OTLP/HTTP sends with an error status (and gRPC's grpc-status-details-bin),
// with google.rpc.RetryInfo in its details when the client should wait before retrying.
const anyType = new protobuf.Type('Any').add(new protobuf.Field('type_url', 1, 'string')).add(new protobuf.Field('value', 2, 'bytes'))
const durationType = new protobuf.Type('Duration').add(new protobuf.Field('seconds', 1, 'int64')).add(new protobuf.Field('nanos', 2, 'int32'))
const retryInfoType = new protobuf.Type('RetryInfo').add(new protobuf.Field('retry_delay', 1, 'google.protobuf.Duration'))
const statusType = new protobuf.Type('Status')
  .add(new protobuf.Field('code', 1, 'int32'))
  .add(new protobuf.Field('message', 2, 'string'))
  .add(new protobuf.Field('details', 3, 'google.protobuf.Any', 'repeated'))
const rpcRoot = new protobuf.Root()
rpcRoot.define('google.protobuf').add(anyType).add(durationType)
rpcRoot.define('google.rpc').add(statusType).add(retryInfoType)
rpcRoot.resolveAll()

export function encodeStatus(code: number, message: string, retryAfterSeconds?: number): Uint8Array {
  const details =
    retryAfterSeconds === undefined
      ? []
      : [
          {
            type_url: 'type.googleapis.com/google.rpc.RetryInfo',
            value: retryInfoType.encode(retryInfoType.create({ retry_delay: { seconds: retryAfterSeconds, nanos: 0 } })).finish(),
          },
        ]
  return statusType.encode(statusType.fromObject({ code, message, details })).finish()
}
