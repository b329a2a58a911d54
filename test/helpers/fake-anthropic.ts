import http from 'node:http'
import type { AddressInfo } from 'node:net'

/**
 * A scripted stand-in for the Anthropic Messages API on loopback, for running the real Claude Code
 * CLI offline. POST /v1/messages answers (streamed or not) from the conversation so far:
 * - the last user turn carries a tool_result → a short final text;
 * - the prompt asks to run a command (`run: <command>`) → a Bash tool_use for that command;
 * - anything else → a short text.
 * Every answer reports token usage so that the CLI prices it. Every request is recorded.
 */

export interface RecordedRequest {
  method: string
  url: string
  body: unknown
}

export interface FakeAnthropic {
  url: string
  requests: RecordedRequest[]
  close(): Promise<void>
}

interface MessageParam {
  role: string
  content: string | Array<{ type: string; text?: string }>
}

type Block = { type: 'text'; text: string } | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> }

let counter = 0

function lastUserText(messages: MessageParam[]): { text: string; toolResult: boolean } {
  const last = [...messages].reverse().find((m) => m.role === 'user')
  if (!last) return { text: '', toolResult: false }
  if (typeof last.content === 'string') return { text: last.content, toolResult: false }
  return {
    text: last.content.map((c) => c.text ?? '').join('\n'),
    toolResult: last.content.some((c) => c.type === 'tool_result'),
  }
}

function answer(messages: MessageParam[]): { blocks: Block[]; stop: string } {
  const { text, toolResult } = lastUserText(messages)
  if (toolResult) return { blocks: [{ type: 'text', text: 'Done.' }], stop: 'end_turn' }
  const command = /run: ([^\n]+)/.exec(text)?.[1]?.trim()
  if (command) {
    counter++
    return {
      blocks: [{ type: 'tool_use', id: `toolu_fake_${counter}`, name: 'Bash', input: { command, description: 'run it' } }],
      stop: 'tool_use',
    }
  }
  return { blocks: [{ type: 'text', text: 'Hello from the stand-in.' }], stop: 'end_turn' }
}

const USAGE = { input_tokens: 1200, cache_read_input_tokens: 3000, cache_creation_input_tokens: 500 }

function sse(res: http.ServerResponse, model: string, blocks: Block[], stop: string): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', 'request-id': `req_fake_${++counter}` })
  const send = (event: string, data: object) => res.write(`event: ${event}\ndata: ${JSON.stringify({ type: event, ...data })}\n\n`)
  send('message_start', {
    message: {
      id: `msg_${counter}`,
      type: 'message',
      role: 'assistant',
      model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { ...USAGE, output_tokens: 1 },
    },
  })
  blocks.forEach((block, index) => {
    if (block.type === 'text') {
      send('content_block_start', { index, content_block: { type: 'text', text: '' } })
      send('content_block_delta', { index, delta: { type: 'text_delta', text: block.text } })
    } else {
      send('content_block_start', { index, content_block: { ...block, input: {} } })
      send('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: JSON.stringify(block.input) } })
    }
    send('content_block_stop', { index })
  })
  send('message_delta', { delta: { stop_reason: stop, stop_sequence: null }, usage: { output_tokens: 80 } })
  send('message_stop', {})
  res.end()
}

export async function startFakeAnthropic(): Promise<FakeAnthropic> {
  const requests: RecordedRequest[] = []
  const server = http.createServer((req, res) => {
    let raw = ''
    req.on('data', (c: Buffer) => (raw += c.toString()))
    req.on('end', () => {
      let body: unknown = undefined
      try {
        body = raw ? JSON.parse(raw) : undefined
      } catch {
        body = raw
      }
      requests.push({ method: req.method ?? '', url: req.url ?? '', body })
      const path = (req.url ?? '').split('?')[0]
      if (req.method === 'POST' && path === '/v1/messages') {
        const params = body as { model?: string; stream?: boolean; messages?: MessageParam[] }
        const model = params.model ?? 'claude-opus-5-5'
        const { blocks, stop } = answer(params.messages ?? [])
        if (params.stream) return sse(res, model, blocks, stop)
        res.writeHead(200, { 'content-type': 'application/json', 'request-id': `req_fake_${++counter}` })
        return res.end(
          JSON.stringify({
            id: `msg_${counter}`,
            type: 'message',
            role: 'assistant',
            model,
            content: blocks,
            stop_reason: stop,
            stop_sequence: null,
            usage: { ...USAGE, output_tokens: 80 },
          }),
        )
      }
      if (req.method === 'POST' && path === '/v1/messages/count_tokens') {
        res.writeHead(200, { 'content-type': 'application/json' })
        return res.end(JSON.stringify({ input_tokens: 1200 }))
      }
      res.writeHead(404, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ type: 'error', error: { type: 'not_found_error', message: `stand-in has no ${req.method} ${path}` } }))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}
