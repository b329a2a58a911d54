import fs from 'node:fs'
import { trace } from '@opentelemetry/api'
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http'
import { resourceFromAttributes } from '@opentelemetry/resources'
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base'

/**
 * ccscope's own traces: its ingest (an export request → normalized rows → the writer's acknowledgement),
 * its writes (one flush per table) and its warehouse reads (warehouse/traced.ts), as OpenTelemetry spans exported with
 * @opentelemetry/exporter-trace-otlp-http to CCSCOPE_SELF_TRACES_ENDPOINT (any OTLP/HTTP receiver: Jaeger,
 * Tempo, another ccscope). Without an endpoint the OpenTelemetry API's no-op tracer is used: no spans are
 * made, nothing is kept.
 */
export interface SelfTracing {
  /** Sends what is batched and stops. */
  shutdown(): Promise<void>
}

/** Starts exporting ccscope's own spans to `endpoint` (an OTLP/HTTP base URL), or does nothing without one. */
const VERSION = (JSON.parse(fs.readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version

export function startSelfTracing(endpoint: string | undefined): SelfTracing {
  if (!endpoint) return { shutdown: async () => {} }
  const exporter = new OTLPTraceExporter({ url: `${endpoint.replace(/\/+$/, '')}/v1/traces` })
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'ccscope', 'service.version': VERSION }),
    spanProcessors: [new BatchSpanProcessor(exporter, { scheduledDelayMillis: 1000 })],
  })
  trace.setGlobalTracerProvider(provider)
  return {
    async shutdown() {
      await provider.shutdown()
      trace.disable()
    },
  }
}
