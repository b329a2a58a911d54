import { describe, expect, it } from 'vitest'
import type { SessionSpan } from '../schemas/users'
import { spanLabel, waterfalls } from '../dashboard/ui/prepare/traces'

const span = (over: Partial<SessionSpan> & Pick<SessionSpan, 'spanId' | 'name' | 'start' | 'durationMs'>): SessionSpan => ({
  traceId: 't1',
  parentSpanId: '',
  tool: '',
  model: '',
  error: false,
  ...over,
})

describe('trace waterfalls', () => {
  it('draws each trace as a tree on its own time axis, children by start', () => {
    const spans = [
      span({
        spanId: 'exec',
        parentSpanId: 'tool',
        name: 'claude_code.tool.execution',
        start: '2026-12-01T10:00:04.000Z',
        durationMs: 1000,
        tool: 'Bash',
        error: true,
      }),
      span({ spanId: 'root', name: 'claude_code.interaction', start: '2026-12-01T10:00:00.000Z', durationMs: 10_000 }),
      span({ spanId: 'tool', parentSpanId: 'root', name: 'claude_code.tool', start: '2026-12-01T10:00:04.000Z', durationMs: 1000, tool: 'Bash' }),
      span({
        spanId: 'llm',
        parentSpanId: 'root',
        name: 'claude_code.llm_request',
        start: '2026-12-01T10:00:01.000Z',
        durationMs: 2500,
        model: 'claude-opus-5-5',
      }),
      span({ traceId: 't0', spanId: 'early', name: 'claude_code.interaction', start: '2026-12-01T09:00:00.000Z', durationMs: 500 }),
    ]
    const [first, second] = waterfalls(spans)
    expect(first?.traceId).toBe('t0')
    expect(second?.durationMs).toBe(10_000)
    expect(second?.rows.map((r) => [r.label, r.depth, r.offsetPct, r.widthPct, r.error])).toEqual([
      ['Prompt', 0, 0, 100, false],
      ['API request · claude-opus-5-5', 1, 10, 25, false],
      ['Tool · Bash', 1, 40, 10, false],
      ['Execution · Bash', 2, 40, 10, true],
    ])
  })

  it('keeps a span whose parent is missing, as a root, and gives an instant span a visible bar', () => {
    const [w] = waterfalls([
      span({ spanId: 'a', parentSpanId: 'gone', name: 'claude_code.tool', start: '2026-12-01T10:00:00.000Z', durationMs: 0, tool: 'Read' }),
      span({ spanId: 'b', name: 'claude_code.interaction', start: '2026-12-01T10:00:00.000Z', durationMs: 4000 }),
    ])
    expect(w?.rows.map((r) => [r.key, r.depth])).toEqual([
      ['a', 0],
      ['b', 0],
    ])
    expect(w?.rows[0]?.widthPct).toBe(0.5)
    expect(spanLabel({ name: 'claude_code.hook', tool: '', model: '' })).toBe('Hook')
  })
})
