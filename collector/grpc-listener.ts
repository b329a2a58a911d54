import net from 'node:net'
import { Duplex } from 'node:stream'
import * as grpc from '@grpc/grpc-js'
import { clientAddress, ConnectionGuard, type ConnectionLimits } from '../server/connections'
import type { SelfMetrics } from '../server/self-metrics'
import type { Timeouts } from '../server/timeouts'
import { AdmissionRefused, type Admission, type Ticket } from './admission'
import { CLIENT_PREFACE_BYTES, FLAG_END_STREAM, FRAME, FrameReader, type FrameHeader } from './grpc-frames'

/**
 * The OTLP/gRPC port. ccscope accepts the TCP connections itself and hands them to grpc-js (its
 * connection injector), so that each connection is limited like the HTTP ports' are:
 *
 * - connection limits, in total and per client address (server/connections.ts);
 * - timeouts: the preface and first call must arrive within the headers timeout, each call's message
 *   (up to the client's end of stream) within the request timeout, and a connection with no call under
 *   way is closed after the idle timeout (grpc-js closes it gracefully with GOAWAY at that time; this is
 *   the backstop for a client that ignores it). A connection past a timeout is closed, whatever it sends;
 * - memory: the message bytes a call has sent but not finished (grpc-js gathers a whole message before
 *   anyone sees it) are counted, per connection, in the in-flight budget (collector/admission.ts), as
 *   they arrive. When the budget or the address's share has no room, the connection is no longer read
 *   (TCP pushes back on the client) until room is made. A finished message is handed over to the call,
 *   whose share the interceptor (grpc-admission.ts) grows by its decoded estimate.
 *
 * Which calls are open and how many bytes each has sent is read from the HTTP/2 frame headers in both
 * directions (grpc-frames.ts).
 */

export interface GrpcListenerOptions {
  server: grpc.Server
  timeouts: Timeouts
  connections: ConnectionLimits
  metrics: SelfMetrics
  admission?: Admission
}

/** A timeout fires this long after its deadline at most (the checks run on one timer per listener). */
const CHECK_INTERVAL_MS = 250
/** grpc-js answers a late call (DEADLINE_EXCEEDED) at the request timeout; the connection goes this much later. */
const GRACE_MS = 1000

interface CallState {
  openedAt: number
  /** Message bytes received and not yet handed over (the client's end of stream hands them over). */
  bytes: number
  clientEnded: boolean
  serverEnded: boolean
}

type Timeout = 'handshake' | 'request' | 'idle'

/** One client connection between the socket and grpc-js's HTTP/2 session. */
class MeteredConnection extends Duplex {
  readonly connectedAt = Date.now()
  private readonly calls = new Map<number, CallState>()
  private idleSince = Date.now()
  private sawCall = false
  private readonly inbound: FrameReader
  private readonly outbound: FrameReader
  private readonly ticket: Ticket | undefined
  /** A chunk read while there was no room for its bytes: passed on once there is. */
  private held: Buffer | undefined
  private stopRoom: (() => void) | undefined
  private wanted = true

  constructor(
    readonly socket: net.Socket,
    private readonly admission: Admission | undefined,
  ) {
    super({ allowHalfOpen: false })
    this.ticket = admission?.admit(0, { receiver: 'grpc', address: clientAddress(socket), strict: true })
    this.inbound = new FrameReader(CLIENT_PREFACE_BYTES, (frame) => this.fromClient(frame))
    this.outbound = new FrameReader(0, (frame) => this.fromServer(frame))
    socket.on('data', (chunk: Buffer) => this.receive(chunk))
    socket.on('end', () => this.push(null))
    socket.on('error', (error) => this.destroy(error))
    socket.on('close', () => this.destroy())
  }

  // What grpc-js and Node's http2 read from the socket they are given.
  get remoteAddress(): string | undefined {
    return this.socket.remoteAddress
  }
  get remotePort(): number | undefined {
    return this.socket.remotePort
  }
  get remoteFamily(): string | undefined {
    return this.socket.remoteFamily
  }
  get localAddress(): string | undefined {
    return this.socket.localAddress
  }
  get localPort(): number | undefined {
    return this.socket.localPort
  }
  setNoDelay(noDelay?: boolean): this {
    this.socket.setNoDelay(noDelay)
    return this
  }
  setKeepAlive(enable?: boolean, delay?: number): this {
    this.socket.setKeepAlive(enable, delay)
    return this
  }

  /** The timeout this connection is past, if any. */
  overdue(now: number, t: Timeouts): Timeout | undefined {
    if (!this.sawCall) return now - this.connectedAt > t.headersMs ? 'handshake' : undefined
    for (const call of this.calls.values()) if (!call.clientEnded && now - call.openedAt > t.requestMs + GRACE_MS) return 'request'
    return this.calls.size === 0 && now - this.idleSince > t.idleMs + GRACE_MS ? 'idle' : undefined
  }

  private fromClient(frame: FrameHeader): void {
    const ends = (frame.flags & FLAG_END_STREAM) !== 0
    if (frame.type === FRAME.HEADERS) {
      this.sawCall = true
      let call = this.calls.get(frame.streamId)
      if (!call) {
        call = { openedAt: Date.now(), bytes: 0, clientEnded: false, serverEnded: false }
        this.calls.set(frame.streamId, call)
      }
      if (ends) this.clientEnd(frame.streamId, call)
    } else if (frame.type === FRAME.DATA) {
      const call = this.calls.get(frame.streamId)
      if (!call) return
      if (!call.clientEnded && !call.serverEnded) call.bytes += frame.length
      if (ends) this.clientEnd(frame.streamId, call)
    } else if (frame.type === FRAME.RST_STREAM) this.forget(frame.streamId)
  }

  private fromServer(frame: FrameHeader): void {
    if (frame.type === FRAME.RST_STREAM) this.forget(frame.streamId)
    else if (frame.type === FRAME.HEADERS && (frame.flags & FLAG_END_STREAM) !== 0) {
      // The answer is out: whatever the client still sends for this call is discarded, not kept.
      const call = this.calls.get(frame.streamId)
      if (!call) return
      call.serverEnded = true
      call.bytes = 0
      if (call.clientEnded) this.forget(frame.streamId)
    }
  }

  private clientEnd(id: number, call: CallState): void {
    call.clientEnded = true
    call.bytes = 0 // the whole message goes to the call, which takes it into its own share
    if (call.serverEnded) this.forget(id)
  }

  private forget(id: number): void {
    if (!this.calls.delete(id)) return
    if (this.calls.size === 0) this.idleSince = Date.now()
  }

  private heldBytes(): number {
    let bytes = 0
    for (const call of this.calls.values()) bytes += call.bytes
    return bytes
  }

  /** Charges the calls' unfinished bytes to the ticket; false when there is no room for them now. */
  private settle(): boolean {
    if (!this.ticket) return true
    const delta = this.heldBytes() - this.ticket.bytes
    if (delta <= 0) {
      this.ticket.shrink(-delta)
      return true
    }
    try {
      this.ticket.grow(delta)
      return true
    } catch (error) {
      if (error instanceof AdmissionRefused) return false
      throw error
    }
  }

  private receive(chunk: Buffer): void {
    this.inbound.feed(chunk)
    if (this.settle()) {
      this.pass(chunk)
      return
    }
    // No room: stop reading this connection until some is made.
    this.held = chunk
    this.socket.pause()
    this.stopRoom ??= this.admission?.onRoom(() => this.retry())
  }

  private retry(): void {
    if (!this.held || !this.settle()) return
    const chunk = this.held
    this.held = undefined
    this.stopRoom?.()
    this.stopRoom = undefined
    this.pass(chunk)
  }

  private pass(chunk: Buffer): void {
    this.wanted = this.push(chunk)
    if (this.wanted) this.socket.resume()
    else this.socket.pause()
  }

  override _read(): void {
    this.wanted = true
    if (!this.held) this.socket.resume()
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.outbound.feed(chunk)
    this.settle()
    this.socket.write(chunk, callback)
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.socket.end()
    callback()
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.stopRoom?.()
    this.held = undefined
    this.calls.clear()
    this.ticket?.release()
    this.socket.destroy()
    callback(error)
  }
}

/** The gRPC port: accepts, limits and times connections, and injects them into the grpc-js server. */
export class GrpcListener {
  private readonly tcp: net.Server
  private readonly open = new Set<MeteredConnection>()
  private readonly timer: NodeJS.Timeout
  private readonly injector: grpc.ConnectionInjector

  constructor(private readonly options: GrpcListenerOptions) {
    this.injector = options.server.createConnectionInjector(grpc.ServerCredentials.createInsecure())
    const guard = new ConnectionGuard('otlp_grpc', options.connections, options.metrics)
    this.tcp = net.createServer((socket) => {
      if (!guard.accept(socket)) return
      socket.on('error', () => undefined)
      const connection = new MeteredConnection(socket, options.admission)
      this.open.add(connection)
      connection.once('close', () => this.open.delete(connection))
      connection.on('error', () => undefined)
      this.injector.injectConnection(connection)
    })
    this.timer = setInterval(() => this.expire(), CHECK_INTERVAL_MS)
    this.timer.unref()
  }

  /** Connections open now. */
  get connections(): number {
    return this.open.size
  }

  private expire(): void {
    const now = Date.now()
    for (const connection of this.open) {
      const timeout = connection.overdue(now, this.options.timeouts)
      if (!timeout) continue
      this.options.metrics.connectionsTimedOut.inc({ port: 'otlp_grpc', timeout })
      connection.destroy()
    }
  }

  /** Listens; resolves with the port bound (useful with port 0). Backlog as on the HTTP port. */
  listen(host: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.tcp.once('error', reject)
      this.tcp.listen({ host, port, backlog: 4096 }, () => {
        this.tcp.off('error', reject)
        resolve((this.tcp.address() as net.AddressInfo).port)
      })
    })
  }

  /** Stops accepting; calls under way finish (grpc-js drains its sessions), then every connection closes. */
  async close(graceMs = 5000): Promise<void> {
    clearInterval(this.timer)
    const closed = new Promise<void>((resolve) => this.tcp.close(() => resolve()))
    await new Promise<void>((resolve) => this.options.server.tryShutdown(() => resolve()))
    this.injector.drain(graceMs)
    for (const connection of this.open) connection.destroy()
    await closed
  }
}
