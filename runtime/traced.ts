import { SpanStatusCode, trace, type Attributes, type Span } from '@opentelemetry/api'

/**
 * ccscope's own spans, made with the OpenTelemetry API only: a no-op unless the process has registered a
 * tracer provider (server/tracing.ts does, when CCSCOPE_SELF_TRACES_ENDPOINT is set). In runtime/, with the
 * logger and the metrics, so that the collector, the writer and the query layer can all use it.
 */
export async function traced<T>(name: string, attributes: Attributes, work: (span: Span) => Promise<T>): Promise<T> {
  return trace.getTracer('ccscope').startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await work(span)
    } catch (error) {
      span.recordException(error instanceof Error ? error : String(error))
      span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) })
      throw error
    } finally {
      span.end()
    }
  })
}
