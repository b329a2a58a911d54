import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import * as grpc from '@grpc/grpc-js'
import { clientAddress, ConnectionGuard, type ConnectionLimits } from '../runtime/connections'
import type { SelfMetrics } from '../runtime/self-metrics'
import type { Timeouts } from '../runtime/timeouts'
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
 *   they arrive, and held to the client address's share: when the address holds its share, its
 *   connection is no longer read (TCP pushes back on the client) until it holds less. (When the budget
 *   as a whole is full the bytes wait to be counted, but the connection is still read: pausing a
 *   connection whose admitted calls need their messages to finish would only hold the budget longer.
 *   New calls are refused meanwhile.) A finished message is handed over to the call, whose share the
 *   interceptor (grpc-admission.ts) grows by its decoded estimate.
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
const CHECK_INTERVAL_MS = 200
/**
 * grpc-js answers a late call (DEADLINE_EXCEEDED) at the request timeout; the connection goes this much
 * later. A client that goes on sending for a call already answered (a well-behaved one ends or resets
 * it) has its connection closed this long after the answer.
 */
const GRACE_MS = 500

interface CallState {
  openedAt: number
  /** When the server answered (0: not yet). */
  answeredAt: number
  /** Message bytes received and not yet handed over (the client's end of stream hands them over). */
  bytes: number
  clientEnded: boolean
  serverEnded: boolean
}

type Timeout = 'handshake' | 'request' | 'idle'

/**
 * One client connection, relayed to grpc-js over a local socket. The relay reads the HTTP/2 frame
 * headers both ways (which calls are open, what each has sent) and passes the bytes on untouched.
 * grpc-js gets a native socket (a Unix socket ccscope alone can reach): Node's HTTP/2 over a JavaScript
 * stream lags in closing finished streams, and then refuses new ones (ENHANCE_YOUR_CALM) under load.
 */
class Relay {
  readonly connectedAt = Date.now()
  private readonly calls = new Map<number, CallState>()
  private idleSince = Date.now()
  private sawCall = false
  private readonly inbound: FrameReader
  private readonly outbound: FrameReader
  private readonly ticket: Ticket | undefined
  /** A chunk read while the address held its share: passed on once it holds less. */
  private held: Buffer | undefined
  private stopRoom: (() => void) | undefined
  private closed = false

  constructor(
    private readonly client: net.Socket,
    private readonly inner: net.Socket,
    private readonly admission: Admission | undefined,
    private readonly onClose: () => void,
  ) {
    this.ticket = admission?.admit(0, { receiver: 'grpc', address: clientAddress(client), strict: true })
    this.inbound = new FrameReader(CLIENT_PREFACE_BYTES, (frame) => this.fromClient(frame))
    this.outbound = new FrameReader(0, (frame) => this.fromServer(frame))
    client.on('data', (chunk: Buffer) => this.receive(chunk))
    inner.on('data', (chunk: Buffer) => this.send(chunk))
    // Back-pressure both ways: a side that cannot take more stops the other from being read.
    inner.on('drain', () => this.held === undefined && client.resume())
    client.on('drain', () => inner.resume())
    for (const socket of [client, inner]) {
      socket.on('error', () => this.close())
      socket.on('close', () => this.close())
      socket.on('end', () => this.close())
    }
  }

  /** The timeout this connection is past, if any. */
  overdue(now: number, t: Timeouts): Timeout | undefined {
    if (!this.sawCall) return now - this.connectedAt > t.headersMs ? 'handshake' : undefined
    for (const call of this.calls.values()) {
      if (call.clientEnded) continue
      if (now - call.openedAt > t.requestMs + GRACE_MS) return 'request'
      if (call.serverEnded && now - call.answeredAt > GRACE_MS) return 'request'
    }
    return this.calls.size === 0 && now - this.idleSince > t.idleMs + GRACE_MS ? 'idle' : undefined
  }

  close(): void {
    if (this.closed) return
    this.closed = true
    this.stopRoom?.()
    this.held = undefined
    this.calls.clear()
    this.ticket?.release()
    this.client.destroy()
    this.inner.destroy()
    this.onClose()
  }

  private fromClient(frame: FrameHeader): void {
    const ends = (frame.flags & FLAG_END_STREAM) !== 0
    if (frame.type === FRAME.HEADERS) {
      this.sawCall = true
      let call = this.calls.get(frame.streamId)
      if (!call) {
        call = { openedAt: Date.now(), answeredAt: 0, bytes: 0, clientEnded: false, serverEnded: false }
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
      call.answeredAt = Date.now()
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

  /** Charges the calls' unfinished bytes to the ticket; false when the address holds its share. */
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
      if (error instanceof AdmissionRefused) return error.reason !== 'address'
      throw error
    }
  }

  private receive(chunk: Buffer): void {
    this.inbound.feed(chunk)
    if (this.settle()) {
      this.pass(chunk)
      return
    }
    // The address holds its share: stop reading this connection until it holds less.
    this.held = chunk
    this.client.pause()
    this.stopRoom ??= this.admission?.onRoom(() => this.retry())
  }

  private retry(): void {
    if (!this.held || !this.settle()) return
    const chunk = this.held
    this.held = undefined
    this.stopRoom?.()
    this.stopRoom = undefined
    this.pass(chunk)
    this.client.resume()
  }

  private pass(chunk: Buffer): void {
    if (!this.inner.write(chunk)) this.client.pause()
  }

  private send(chunk: Buffer): void {
    this.outbound.feed(chunk)
    this.settle()
    if (!this.client.write(chunk)) this.inner.pause()
  }
}

/** The gRPC port: accepts, limits and times connections, and injects them into the grpc-js server. */
export class GrpcListener {
  private readonly tcp: net.Server
  /** grpc-js's side: a Unix socket in a directory only this process's user can enter. */
  private readonly local: net.Server
  private readonly localDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ccscope-grpc-'))
  private readonly localPath = path.join(this.localDir, 'grpc.sock')
  private readonly open = new Set<Relay>()
  private readonly timer: NodeJS.Timeout
  private readonly injector: grpc.ConnectionInjector

  constructor(private readonly options: GrpcListenerOptions) {
    this.injector = options.server.createConnectionInjector(grpc.ServerCredentials.createInsecure())
    const guard = new ConnectionGuard('otlp_grpc', options.connections, options.metrics)
    this.local = net.createServer((inner) => this.injector.injectConnection(inner))
    this.tcp = net.createServer((socket) => {
      if (!guard.accept(socket)) return
      socket.on('error', () => undefined)
      const inner = net.connect(this.localPath)
      inner.on('error', () => undefined)
      const relay = new Relay(socket, inner, options.admission, () => this.open.delete(relay))
      this.open.add(relay)
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
      connection.close()
    }
  }

  /** Listens; resolves with the port bound (useful with port 0). Backlog as on the HTTP port. */
  async listen(host: string, port: number): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.local.once('error', reject)
      this.local.listen(this.localPath, () => resolve())
    })
    return new Promise((resolve, reject) => {
      this.tcp.once('error', reject)
      this.tcp.listen({ host, port, backlog: 4096 }, () => {
        this.tcp.off('error', reject)
        resolve((this.tcp.address() as net.AddressInfo).port)
      })
    })
  }

  /** Stops accepting; calls under way get `graceMs` to finish (grpc-js drains its sessions), then every connection closes. */
  async close(graceMs = 5000): Promise<void> {
    clearInterval(this.timer)
    const closed = new Promise<void>((resolve) => this.tcp.close(() => resolve()))
    const drained = new Promise<void>((resolve) => this.options.server.tryShutdown(() => resolve()))
    const late = await Promise.race([drained.then(() => false), new Promise<boolean>((resolve) => setTimeout(() => resolve(true), graceMs).unref())])
    if (late) this.options.server.forceShutdown()
    for (const connection of this.open) connection.close()
    await closed
    await new Promise<void>((resolve) => this.local.close(() => resolve()))
    fs.rmSync(this.localDir, { recursive: true, force: true })
  }
}
