import http2 from 'node:http2'
import net from 'node:net'

/**
 * Hostile clients for the tests and for `npm run probe` (bench/probe-hostile.ts): slow-loris HTTP
 * clients (headers or body a byte at a time, idle sockets), slow senders (a large Content-Length,
 * trickled), gRPC streams that stall in the middle of a large message, and half-open gRPC connections.
 * Each connects to 127.0.0.1 only, from a chosen loopback source address (127.0.0.0/8), and reports
 * when the server closed it: none of them ever finishes on its own.
 */

export interface Closed {
  kind: string
  /** Milliseconds from connecting to the server closing the connection. */
  openMs: number
  /** The first line of the answer, if any ('' when the server closed without one). */
  answer: string
}

export interface HostileConnection {
  closed: Promise<Closed>
  stop(): void
}

const TARGET = '127.0.0.1'

/** Only loopback source addresses: these clients never leave the machine. */
function loopback(from: string): string {
  if (!/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(from)) throw new Error(`hostile clients connect from 127.0.0.0/8 only, not ${from}`)
  return from
}

export type SlowHttpKind = 'idle' | 'headers' | 'body' | 'slow-sender'

export interface SlowHttpOptions {
  port: number
  from?: string
  kind: SlowHttpKind
  path?: string
  /** Announced body size ('body', 'slow-sender'). */
  contentLength?: number
  /** Bytes sent per tick and the tick ('headers' and 'body': 1 byte per 100 ms by default). */
  bytesPerTick?: number
  tickMs?: number
  headers?: Record<string, string>
}

/** A slow HTTP client: sends nothing ('idle'), its headers a byte at a time, or its body slowly. */
export function slowHttp(options: SlowHttpOptions): HostileConnection {
  const started = Date.now()
  const socket = net.connect({ port: options.port, host: TARGET, localAddress: loopback(options.from ?? TARGET) })
  const length = options.contentLength ?? 100_000
  const extra = Object.entries(options.headers ?? {})
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('')
  const head = `POST ${options.path ?? '/v1/logs'} HTTP/1.1\r\nHost: 127.0.0.1:${options.port}\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n${extra}\r\n`
  const perTick = options.bytesPerTick ?? 1
  let answer = ''
  let sent = 0
  socket.on('data', (d: Buffer) => (answer += d.toString('latin1')))
  socket.on('error', () => undefined)
  let timer: NodeJS.Timeout | undefined
  const tick = () => {
    if (socket.destroyed) return
    if (options.kind === 'headers') {
      // Never the final blank line: the headers never end.
      if (sent < head.length - 2) socket.write(head.slice(sent, sent + perTick))
      sent += perTick
    } else if (sent < length - 1) {
      // Never the last byte: the body never ends.
      const n = Math.min(perTick, length - 1 - sent)
      socket.write(Buffer.alloc(n, 0x20))
      sent += n
    }
  }
  socket.once('connect', () => {
    if (options.kind === 'idle') return
    if (options.kind !== 'headers') socket.write(head)
    timer = setInterval(tick, options.tickMs ?? 100)
  })
  const closed = new Promise<Closed>((resolve) =>
    socket.once('close', () => {
      clearInterval(timer)
      resolve({ kind: options.kind, openMs: Date.now() - started, answer: answer.split('\r\n')[0] ?? '' })
    }),
  )
  return { closed, stop: () => socket.destroy() }
}

/** A TCP connection to the gRPC port that sends half of the HTTP/2 preface, then nothing. */
export function halfOpenGrpc(port: number, from = TARGET): HostileConnection {
  const started = Date.now()
  const socket = net.connect({ port, host: TARGET, localAddress: loopback(from) })
  socket.on('error', () => undefined)
  socket.resume() // read (and drop) what the server sends, so that its close is seen
  socket.once('connect', () => socket.write('PRI * HTTP/2.0\r\n'))
  const closed = new Promise<Closed>((resolve) => socket.once('close', () => resolve({ kind: 'grpc-half-open', openMs: Date.now() - started, answer: '' })))
  return { closed, stop: () => socket.destroy() }
}

export interface StalledStreamOptions {
  port: number
  from?: string
  /** The gRPC method, e.g. /opentelemetry.proto.collector.logs.v1.LogsService/Export. */
  path: string
  authorization?: string
  streams: number
  /** Size the message announces in its 5-byte gRPC prefix. */
  declaredBytes: number
  /** Bytes of it each stream sends, at most, before stalling. */
  sendBytes: number
  chunkBytes?: number
  tickMs?: number
}

export interface StalledStreams {
  /** Per stream: its grpc-status (undefined if the connection closed first) and when it came. */
  statuses: Promise<Array<{ code: number | undefined; ms: number }>>
  /** The connection's close. */
  closed: Promise<Closed>
  stop(): void
}

/** One HTTP/2 connection carrying `streams` gRPC calls, each sending a large message slowly and never finishing it. */
export function stalledGrpcStreams(options: StalledStreamOptions): StalledStreams {
  const started = Date.now()
  const from = loopback(options.from ?? TARGET)
  const session = http2.connect(`http://${TARGET}:${options.port}`, {
    createConnection: () => net.connect({ port: options.port, host: TARGET, localAddress: from }),
  })
  session.on('error', () => undefined)
  const timers: NodeJS.Timeout[] = []
  const statuses = Array.from({ length: options.streams }, () => {
    const stream = session.request({
      ':method': 'POST',
      ':path': options.path,
      'content-type': 'application/grpc',
      te: 'trailers',
      ...(options.authorization ? { authorization: options.authorization } : {}),
    })
    stream.on('error', () => undefined)
    const prefix = Buffer.alloc(5)
    prefix.writeUInt32BE(options.declaredBytes, 1)
    stream.write(prefix)
    let sent = 0
    const chunk = Buffer.alloc(options.chunkBytes ?? 1024, 0x0a)
    const timer = setInterval(() => {
      if (stream.destroyed || stream.closed || sent >= options.sendBytes) return
      stream.write(chunk)
      sent += chunk.length
    }, options.tickMs ?? 20)
    timers.push(timer)
    return new Promise<{ code: number | undefined; ms: number }>((resolve) => {
      // The answer (a grpc-status, in the response headers or the trailers), or the stream's end without one.
      const note = (headers: http2.IncomingHttpHeaders) => {
        const status = headers['grpc-status']
        if (status !== undefined) resolve({ code: Number(status), ms: Date.now() - started })
      }
      stream.on('response', note)
      stream.on('trailers', note)
      stream.on('close', () => {
        clearInterval(timer)
        resolve({ code: undefined, ms: Date.now() - started })
      })
      stream.resume()
    })
  })
  const closed = new Promise<Closed>((resolve) =>
    session.once('close', () => {
      for (const t of timers) clearInterval(t)
      resolve({ kind: 'grpc-stalled', openMs: Date.now() - started, answer: '' })
    }),
  )
  return { statuses: Promise.all(statuses), closed, stop: () => session.destroy() }
}
