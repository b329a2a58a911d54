import crypto from 'node:crypto'
import { SpanKind, SpanStatusCode, TraceFlags, type Attributes, type HrTime, type SpanContext } from '@opentelemetry/api'
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base'
import { hrTime, otelOf, standardAttributes } from './otlp'
import type { SessionRecords, SimEvent } from './session'

/**
 * A session's beta traces (CLAUDE_CODE_ENHANCED_TELEMETRY_BETA=1, OTEL_TRACES_EXPORTER=otlp), as the CLI
 * sends them (../shared/reference/claude-code-telemetry.md, "Traces"): one trace per prompt, rooted at a
 * `claude_code.interaction` span, with a `claude_code.llm_request` span per API request and a
 * `claude_code.tool` span per tool run (its `claude_code.tool.execution` child) under it. Drawn from the
 * session's own events, so spans and events tell the same story: a span ends when its event is recorded
 * and lasts the event's `duration_ms`.
 */
export const TRACING_SCOPE = 'com.anthropic.claude_code.tracing'

/** Deterministic ids: the same session always yields the same trace (hex, 16 or 8 bytes). */
function id(bytes: 16 | 8, ...parts: string[]): string {
  return crypto
    .createHash('sha256')
    .update(parts.join('\0'))
    .digest('hex')
    .slice(0, bytes * 2)
}

const duration = (from: number, to: number): HrTime => hrTime(Math.max(0, to - from))

export function sessionSpans(session: SessionRecords): ReadableSpan[] {
  const user = session.plan.user
  const otel = otelOf(user)
  const std = standardAttributes(user, session.sessionId)
  const scope = { name: TRACING_SCOPE, version: user.version }
  const byPrompt = new Map<string, SimEvent[]>()
  for (const e of session.events) if (e.promptId) byPrompt.set(e.promptId, [...(byPrompt.get(e.promptId) ?? []), e])

  const spans: ReadableSpan[] = []
  const span = (
    traceId: string,
    spanId: string,
    parent: string | undefined,
    name: string,
    start: number,
    end: number,
    attributes: Attributes,
    ok = true,
  ): void => {
    const context: SpanContext = { traceId, spanId, traceFlags: TraceFlags.SAMPLED }
    spans.push({
      name,
      kind: SpanKind.INTERNAL,
      spanContext: () => context,
      ...(parent ? { parentSpanContext: { traceId, spanId: parent, traceFlags: TraceFlags.SAMPLED } } : {}),
      startTime: hrTime(start),
      endTime: hrTime(end),
      duration: duration(start, end),
      status: ok ? { code: SpanStatusCode.UNSET } : { code: SpanStatusCode.ERROR },
      attributes: { ...std, 'span.type': name.replace(/^claude_code\./, ''), ...attributes },
      links: [],
      events: [],
      ended: true,
      resource: otel.resource,
      instrumentationScope: scope,
      droppedAttributesCount: 0,
      droppedEventsCount: 0,
      droppedLinksCount: 0,
    })
  }

  let sequence = 0
  for (const [promptId, events] of byPrompt) {
    const prompt = events.find((e) => e.name === 'user_prompt')
    if (!prompt) continue
    sequence++
    const traceId = id(16, session.sessionId, promptId)
    const root = id(8, session.sessionId, promptId, 'interaction')
    const last = Math.max(...events.map((e) => e.ms))
    span(traceId, root, undefined, 'claude_code.interaction', prompt.ms, Math.max(last, prompt.ms + 1), {
      'interaction.sequence': sequence,
      'interaction.duration_ms': Math.max(last, prompt.ms + 1) - prompt.ms,
      user_prompt_length: Number(prompt.attrs.prompt_length ?? 0),
      'prompt.id': promptId,
    })
    for (const e of events) {
      const ms = Number(e.attrs.duration_ms ?? 0)
      if (e.name === 'api_request') {
        span(traceId, id(8, session.sessionId, String(e.attrs.request_id), 'llm'), root, 'claude_code.llm_request', e.ms - ms, e.ms, {
          model: String(e.attrs.model),
          input_tokens: Number(e.attrs.input_tokens ?? 0),
          output_tokens: Number(e.attrs.output_tokens ?? 0),
          duration_ms: ms,
          ...(e.attrs.ttft_ms !== undefined ? { ttft_ms: Number(e.attrs.ttft_ms) } : {}),
          query_source_safe: String(e.attrs.query_source ?? 'main'),
          success: true,
          'prompt.id': promptId,
        })
      } else if (e.name === 'tool_result') {
        const useId = String(e.attrs.tool_use_id)
        const ok = e.attrs.success === 'true'
        const tool = id(8, session.sessionId, useId, 'tool')
        const attrs = { tool_name: String(e.attrs.tool_name), tool_use_id: useId, 'prompt.id': promptId }
        span(traceId, tool, root, 'claude_code.tool', e.ms - ms, e.ms, attrs)
        span(traceId, id(8, session.sessionId, useId, 'execution'), tool, 'claude_code.tool.execution', e.ms - ms, e.ms, { ...attrs, success: ok }, ok)
      }
    }
  }
  return spans
}
