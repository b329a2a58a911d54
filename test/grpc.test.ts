import * as grpc from '@grpc/grpc-js'
import { Metadata } from '@grpc/grpc-js'
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-grpc'
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-grpc'
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc'
import { CompressionAlgorithm } from '@opentelemetry/otlp-exporter-base'
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs'
import { AggregationTemporality, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics'
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { grpcServices } from '../collector/otlp/proto'
import { otelOf, standardAttributes } from '../simulator/otlp'
import { scenarioUser } from '../simulator/scenario'
import { TRACING_SCOPE } from '../simulator/traces'
import { startTestCcscope, type TestCcscope } from './helpers/ccscope'

/** OTLP/gRPC, exercised with the OpenTelemetry JS SDK exporters (0.208, the release Claude Code ships). */
let cc: TestCcscope
const TOKEN = 'grpc-test-token'

beforeAll(async () => {
  cc = await startTestCcscope({ CCSCOPE_INGEST_TOKENS: `other-token,${TOKEN}` })
})
afterAll(async () => {
  await cc?.stop()
})

// A user of the simulator's fleet, with Claude Code's resource and standard attributes (simulator/otlp.ts).
const user = scenarioUser({ key: 'grpc@example.com', team: 'platform' })
const { resource, eventsScope, metricsScope } = otelOf(user)
const common = standardAttributes(user, 'grpc-session-1')

describe('OTLP/gRPC with the real OTel exporters', () => {
  it('ingests logs, metrics and traces sent with a bearer token in metadata', async () => {
    const url = `http://127.0.0.1:${cc.ports.otlpGrpc}`
    const metadata = new Metadata()
    metadata.set('authorization', `Bearer ${TOKEN}`)

    const loggerProvider = new LoggerProvider({
      resource,
      processors: [new BatchLogRecordProcessor(new OTLPLogExporter({ url, metadata, compression: CompressionAlgorithm.GZIP }))],
    })
    const logger = loggerProvider.getLogger(eventsScope.name, eventsScope.version)
    const t0 = Date.now() - 60_000
    const emit = (name: string, offset: number, attributes: Record<string, string | number>) =>
      logger.emit({ body: `claude_code.${name}`, timestamp: new Date(t0 + offset), attributes: { ...common, 'event.name': name, ...attributes } })
    emit('user_prompt', 0, { prompt_length: '12', 'prompt.id': 'p1' })
    emit('api_request', 100, {
      model: 'claude-opus-5-5',
      cost_usd: 0.0125,
      input_tokens: 1000,
      output_tokens: 50,
      cache_read_tokens: 0,
      cache_creation_tokens: 0,
    })
    emit('tool_decision', 200, { tool_name: 'Bash', decision: 'reject', source: 'config', tool_use_id: 't1' })
    emit('api_request', 300, {
      model: 'claude-opus-5-5',
      cost_usd: 0.0075,
      input_tokens: 500,
      output_tokens: 20,
      cache_read_tokens: 10,
      cache_creation_tokens: 5,
    })
    await loggerProvider.forceFlush()
    await loggerProvider.shutdown()

    const exporter = new OTLPMetricExporter({ url, metadata, temporalityPreference: AggregationTemporality.DELTA })
    const meterProvider = new MeterProvider({
      resource,
      readers: [new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 60_000 })],
    })
    const meter = meterProvider.getMeter(metricsScope.name, metricsScope.version)
    meter.createCounter('claude_code.session.count').add(1, { ...common, start_type: 'fresh' })
    meter.createCounter('claude_code.cost.usage', { unit: 'USD' }).add(0.02, { ...common, model: 'claude-opus-5-5' })
    meter.createCounter('claude_code.lines_of_code.count').add(42, { ...common, type: 'added' })
    await meterProvider.forceFlush()
    await meterProvider.shutdown()

    const tracerProvider = new BasicTracerProvider({
      resource,
      spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter({ url, metadata }))],
    })
    tracerProvider.getTracer(TRACING_SCOPE, user.version).startSpan('claude_code.interaction', { attributes: common }).end()
    await tracerProvider.forceFlush()
    await tracerProvider.shutdown()

    const s = await cc.summary()
    expect(s.users).toBe(1)
    expect(s.sessions).toBe(1)
    expect(s.apiRequests).toBe(2)
    // Events carry the cost for this session; the metric's 0.02 is the same money and is not added.
    expect(s.costUsd).toBeCloseTo(0.02, 9)
    expect(s.tokens).toEqual({ input: 1500, output: 70, cacheRead: 10, cacheCreation: 5 })
    expect(s.policyDenials).toBe(1)

    const spans = await cc.client.query({ query: "SELECT count() AS n FROM spans WHERE name = 'claude_code.interaction'", format: 'JSONEachRow' })
    expect(await spans.json()).toEqual([{ n: '1' }])
  })

  describe('errors', () => {
    const Client = grpc.makeGenericClientConstructor(
      {
        Export: {
          path: grpcServices.logs.path,
          requestStream: false,
          responseStream: false,
          requestSerialize: (b: Buffer) => b,
          requestDeserialize: (b: Buffer) => b,
          responseSerialize: (b: Buffer) => b,
          responseDeserialize: (b: Buffer) => b,
        },
      },
      'LogsService',
    )
    function call(body: Buffer, token?: string): Promise<grpc.ServiceError | null> {
      const client = new Client(`127.0.0.1:${cc.ports.otlpGrpc}`, grpc.credentials.createInsecure())
      const metadata = new Metadata()
      if (token) metadata.set('authorization', `Bearer ${token}`)
      return new Promise((resolve) => {
        client.makeUnaryRequest(
          grpcServices.logs.path,
          (b: Buffer) => b,
          (b: Buffer) => b,
          body,
          metadata,
          (error) => {
            client.close()
            resolve(error)
          },
        )
      })
    }

    it('answers UNAUTHENTICATED without a valid token', async () => {
      expect((await call(Buffer.alloc(0)))?.code).toBe(grpc.status.UNAUTHENTICATED)
      expect((await call(Buffer.alloc(0), 'wrong'))?.code).toBe(grpc.status.UNAUTHENTICATED)
    })

    it('answers INVALID_ARGUMENT to bytes that are not an OTLP message, and stays up', async () => {
      const error = await call(Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01]), TOKEN)
      expect(error?.code).toBe(grpc.status.INVALID_ARGUMENT)
      expect(error?.details).toMatch(/invalid OTLP protobuf/)
      expect(await call(Buffer.alloc(0), TOKEN)).toBeNull()
    })
  })
})
