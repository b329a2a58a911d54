import { Transform, type TransformCallback } from 'node:stream'
import zlib from 'node:zlib'
import type { SelfMetrics } from '../runtime/self-metrics'
import { DecodeError, decompress, type Encoding } from './otlp/decode'

/**
 * Admission control: one budget of bytes shared by every export request in flight, over both
 * receivers. A request holds its share from the moment its headers arrive until it is answered,
 * so the share covers its body as it is received (counted as the bytes arrive, so that a client
 * trickling a large body holds only what it has sent), decompressed and decoded, and its rows while
 * they wait in the writer (a request is answered only once they are committed). An HTTP request whose
 * announced size (Content-Length) does not fit waits a little for room, its body unread, and is then
 * refused unread; any body is refused as soon as it outgrows the budget: 429 + Retry-After over HTTP,
 * UNAVAILABLE with RetryInfo over gRPC (refused at once). Both are retryable in the OTLP specification,
 * and nothing of a refused request was acknowledged.
 *
 * Shares, so that no one client or receiver can take the whole budget: each receiver keeps a reserved
 * part that the other cannot use (a flood on OTLP/HTTP leaves OTLP/gRPC room, and the reverse), and one
 * client address may hold at most its share (a gRPC connection's partly received messages included,
 * collector/grpc-listener.ts).
 *
 * The estimate, per request: a fixed overhead (sockets, parsers, request objects), plus the body on
 * the wire, plus the decompressed body, plus the decoded export request and its rows. The last two
 * are a multiple of the decompressed size, measured on Claude Code-shaped requests: decoded objects
 * weigh 5.9× the protobuf bytes (2.5× the JSON bytes) on the V8 heap and the rows 2.2× (1.1×).
 *
 * Once a request's rows are queued for the writer, the body and the decoded objects are garbage: its share
 * shrinks to the overhead plus the rows (queuedEstimate) until it is answered. A request waits on the writer
 * for most of its life (a flush takes a second or two under load), so the budget, not the engine, used to
 * bound how many requests were in flight, and with them the records a flush could carry.
 *
 * One request alone is always admitted, however large (its size is capped by the body limits), so a
 * request bigger than the budget is slow rather than refused for ever: the bound on the estimate is
 * max(budget, one request).
 */

/** Bytes of heap held by each decompressed body byte once decoded and normalized (measured, rounded up). */
const DECODE_EXPANSION: Record<Encoding, number> = { protobuf: 8, json: 4 }

/** Heap held by `bodyBytes` of decompressed body: the bytes themselves and what decoding makes of them. */
export function decodedEstimate(bodyBytes: number, encoding: Encoding): number {
  return bodyBytes * (1 + DECODE_EXPANSION[encoding])
}

/** Bytes of heap the normalized rows hold per decompressed body byte (measured 2.2× and 1.1×, rounded up). */
const ROWS_EXPANSION: Record<Encoding, number> = { protobuf: 3, json: 2 }

/** Heap a request still holds once its rows are queued for the writer: the rows of `bodyBytes` of decompressed body. */
export function queuedEstimate(bodyBytes: number, encoding: Encoding): number {
  return bodyBytes * ROWS_EXPANSION[encoding]
}

/**
 * Shrinks a request's tickets (its body's and its reservation, in that order) to what it holds once its rows
 * are queued: the overhead plus the rows of `bodyBytes` of decompressed body.
 */
export function shrinkToQueued(bodyBytes: number, encoding: Encoding, ...tickets: Ticket[]): void {
  let excess = tickets.reduce((n, t) => n + t.bytes, 0) - (REQUEST_OVERHEAD_BYTES + queuedEstimate(bodyBytes, encoding))
  for (const ticket of tickets) {
    const given = Math.min(Math.max(0, excess), ticket.bytes)
    ticket.shrink(given)
    excess -= given
  }
}

/** What a request costs before its first body byte: socket, parser, request and reply objects. */
export const REQUEST_OVERHEAD_BYTES = 16 * 1024

/** Part of the budget each receiver keeps for itself (see AdmissionShares.receiverReserve). */
export const RECEIVER_RESERVE = 0.25

/** Seconds an exporter is asked to wait before sending a refused request again. */
export const RETRY_AFTER_SECONDS = 1

/**
 * An HTTP request that does not fit waits this long for room, its body unread (TCP holds it back),
 * before it is refused: under a burst a request is slowed down rather than bounced, and only
 * sustained overload gets 429s.
 */
export const ADMISSION_WAIT_MS = 2000

/** How long a waiting request that does not fit holds back those behind it (see Admission.wake). */
export const HOLD_BACK_MS = 250

/** At most this many requests wait at once; more are refused at once (each waiting one holds a socket). */
export const MAX_WAITING = 1024

export class AdmissionRefused extends Error {
  readonly retryAfterSeconds = RETRY_AFTER_SECONDS
  /** 'address': the client's address holds its share; 'budget': the budget (or the receiver's part) is full. */
  readonly reason: 'budget' | 'address'
  constructor(inFlight: number, limit: number, reason: 'budget' | 'address' = 'budget') {
    super(
      reason === 'address'
        ? 'this client address holds its share of the bytes for requests in flight; retry shortly'
        : `ccscope has ${inFlight} of its ${limit} bytes for requests in flight in use; retry shortly`,
    )
    this.name = 'AdmissionRefused'
    this.reason = reason
  }
}

/** Which receiver a request came through: each has a reserved part of the budget (see Admission). */
export type Receiver = 'http' | 'grpc'

/** Who holds a ticket: the receiver and the client's address (for the per-address share). */
export interface Holder {
  receiver: Receiver
  /** The client's address; '' when it is not known (then no per-address share applies). */
  address: string
  /**
   * Held to its address's share even when it is all the address holds. A request ticket is not (one
   * request larger than the share progresses alone, as one larger than the budget does); a gRPC
   * connection's ticket, which holds many calls' bytes, is.
   */
  strict?: boolean
}

const ANYONE: Holder = { receiver: 'http', address: '' }

/** One request's (or one gRPC connection's) share of the budget. Grows as it is read and decoded; released once. */
export class Ticket {
  private held = 0
  private released = false
  /** The other ticket of the same request (its reservation, for a body's ticket): together they are the request. */
  partner: Ticket | undefined

  constructor(
    private readonly admission: Admission,
    readonly holder: Holder,
  ) {}

  get bytes(): number {
    return this.held
  }

  /** Takes `bytes` more, or throws AdmissionRefused (and takes nothing). */
  grow(bytes: number): void {
    if (this.released || bytes <= 0) return
    this.admission.take(this, bytes)
    this.held += bytes
  }

  /** Grows to `total` bytes if it holds less. */
  growTo(total: number): void {
    this.grow(total - this.held)
  }

  /**
   * Moves `bytes` (at most what it holds) to another open ticket of the same receiver, without a check:
   * the budget and the receiver's part are unchanged, only whose address holds them.
   */
  transferTo(other: Ticket, bytes: number): void {
    const moved = Math.min(Math.max(0, bytes), this.held)
    if (this.released || moved === 0) return
    this.admission.move(this, other, moved)
    this.held -= moved
    other.held += moved
  }

  /** Gives `bytes` back (at most what it holds) and stays open. */
  shrink(bytes: number): void {
    const given = Math.min(Math.max(0, bytes), this.held)
    if (this.released || given === 0) return
    this.held -= given
    this.admission.give(this, given)
  }

  release(): void {
    if (this.released) return
    const held = this.held
    this.held = 0
    this.released = true
    this.admission.give(this, held)
  }
}

interface Waiter {
  /** When it started waiting. */
  since: number
  bytes: number
  /** What must fit for the waiter to be admitted (its expected size; it takes only `bytes` at first). */
  needs: number
  holder: Holder
  resolve: (ticket: Ticket) => void
  timer: NodeJS.Timeout
}

export interface AdmissionShares {
  /**
   * Part of the budget each receiver (OTLP/HTTP, OTLP/gRPC) may always use, whatever the other does:
   * a flood on one receiver cannot starve the other (0 = none, up to 0.5).
   */
  receiverReserve: number
  /** Bytes one client address may hold at once (a slow or flooding sender cannot take the whole budget). */
  perAddressBytes: number
}

const NO_SHARES: AdmissionShares = { receiverReserve: 0, perAddressBytes: Number.POSITIVE_INFINITY }

/** Why `bytes` more do not fit for a ticket: the whole budget or a receiver's share, or the address's share. */
type Misfit = 'budget' | 'address' | undefined

export class Admission {
  private inFlight = 0
  private peak = 0
  private readonly byReceiver: Record<Receiver, number> = { http: 0, grpc: 0 }
  private readonly byAddress = new Map<string, number>()
  /** Requests waiting for room, first come first served. */
  private readonly waiting: Waiter[] = []
  /** Called when room is made (gRPC connections paused for want of room try again). */
  private readonly roomListeners = new Set<() => void>()
  private readonly shares: AdmissionShares

  /**
   * @param onFull called when a request is refused: the writer flushes at once rather than at its next
   *   tick, since the rows it holds are what keeps the budget full.
   */
  constructor(
    readonly limitBytes: number,
    private readonly metrics: SelfMetrics,
    private readonly onFull: () => void = () => {},
    shares: Partial<AdmissionShares> = {},
  ) {
    this.shares = { ...NO_SHARES, ...shares }
    metrics.inflightLimit.set(limitBytes)
  }

  get inFlightBytes(): number {
    return this.inFlight
  }

  /** The most bytes ever held at once since start. */
  get peakBytes(): number {
    return this.peak
  }

  /** Bytes held by one client address. */
  heldBy(address: string): number {
    return this.byAddress.get(address) ?? 0
  }

  /**
   * What an HTTP request reserves of its announced body before the body arrives: all of it up to this
   * (a sixteenth of the budget), the rest as it arrives. A client that announces a large body and sends
   * it slowly holds at most this plus what it has sent.
   */
  get upfrontBodyBytes(): number {
    return Math.max(REQUEST_OVERHEAD_BYTES, Math.floor(this.limitBytes / 16))
  }

  /** Bytes held through one receiver. */
  heldThrough(receiver: Receiver): number {
    return this.byReceiver[receiver]
  }

  /** A ticket holding `bytes`, or AdmissionRefused. */
  admit(bytes: number, holder: Holder = ANYONE): Ticket {
    const ticket = new Ticket(this, holder)
    ticket.grow(bytes)
    return ticket
  }

  /**
   * A ticket holding `bytes`, once `needs` bytes (its expected size, at least `bytes`) fit, waiting up to
   * `maxWaitMs` for room behind the requests already waiting; AdmissionRefused when none was made in time
   * or too many wait already. The ticket grows as its request arrives.
   */
  admitWaiting(bytes: number, maxWaitMs: number, holder: Holder = ANYONE, needs = bytes): Promise<Ticket> {
    const wanted = Math.max(bytes, needs)
    if (this.waiting.length === 0 && this.misfit(holder, 0, wanted) === undefined) return Promise.resolve(this.admit(bytes, holder))
    if (maxWaitMs <= 0) return Promise.reject(new AdmissionRefused(this.inFlight, this.limitBytes))
    if (this.waiting.length >= MAX_WAITING) return Promise.reject(new AdmissionRefused(this.inFlight, this.limitBytes))
    return new Promise<Ticket>((resolve, reject) => {
      const waiter: Waiter = {
        since: Date.now(),
        bytes,
        needs: wanted,
        holder,
        resolve,
        timer: setTimeout(() => {
          this.waiting.splice(this.waiting.indexOf(waiter), 1)
          reject(new AdmissionRefused(this.inFlight, this.limitBytes, this.misfit(holder, 0, wanted) ?? 'budget'))
        }, maxWaitMs),
      }
      this.waiting.push(waiter)
      // Those ahead may wait only for their own address's share: then this one need not wait behind them.
      this.wake()
    })
  }

  /** Calls `listener` whenever room is made, until the returned function is called. */
  onRoom(listener: () => void): () => void {
    this.roomListeners.add(listener)
    return () => this.roomListeners.delete(listener)
  }

  /**
   * Admits waiting requests, in order, while they fit. A waiter that does not fit holds back those
   * behind it for HOLD_BACK_MS at most (long enough for a larger request to get in as room is made; short
   * enough that clients announcing huge bodies cannot stall everyone behind them), and not at all when
   * only its own address's share holds it back, or when it is larger than its receiver could ever hold
   * besides the other's reserve (it gets in only when nothing else is in flight).
   */
  private wake(): void {
    const alone = this.limitBytes - this.reserveBytes
    const now = Date.now()
    // Per address, the smallest request found over that address's share in this pass: a later one from the
    // same address that is no smaller is over it too (nothing is admitted for that address meanwhile), and
    // is passed over without checking it again — a queue of one sender's requests costs one check, not one each.
    let overShare: Map<string, number> | undefined
    for (let i = 0; i < this.waiting.length; ) {
      const next = this.waiting[i]!
      const address = next.holder.address
      const smallest = overShare?.get(address)
      if (smallest !== undefined && next.needs >= smallest && next.holder.strict !== true) {
        i++
        continue
      }
      const misfit = this.misfit(next.holder, 0, next.needs)
      if (misfit === 'address' && next.holder.strict !== true) {
        overShare ??= new Map()
        overShare.set(address, Math.min(smallest ?? Infinity, next.needs))
      }
      if (misfit === 'budget' && next.needs <= alone && now - next.since < HOLD_BACK_MS) {
        this.onFull()
        this.wakeLater(HOLD_BACK_MS - (now - next.since))
        return
      }
      if (misfit !== undefined) {
        i++
        continue
      }
      this.waiting.splice(i, 1)
      clearTimeout(next.timer)
      next.resolve(this.admit(next.bytes, next.holder))
    }
  }

  private wakeTimer: NodeJS.Timeout | undefined

  /** Wakes the queue again in `ms`, when a waiter stops holding back the others. */
  private wakeLater(ms: number): void {
    if (this.wakeTimer) return
    this.wakeTimer = setTimeout(() => {
      this.wakeTimer = undefined
      if (this.waiting.length > 0) this.wake()
    }, ms + 1)
    this.wakeTimer.unref()
  }

  /**
   * Whether `bytes` more fit for a ticket of `holder` holding `held`: within the budget, leaving the other
   * receiver its unused reserve, and within the address's share, or the ticket is all that is in flight.
   */
  private misfit(holder: Holder, held: number, bytes: number, own = held): Misfit {
    if (this.inFlight === own) return undefined
    // The address first: a sender over its own share waits for itself, and does not hold back the others.
    if (holder.address !== '') {
      const mine = this.heldBy(holder.address)
      if (mine + bytes > this.shares.perAddressBytes && (holder.strict === true || mine !== held)) return 'address'
    }
    if (this.inFlight + bytes > this.limitBytes) return 'budget'
    // Each receiver may always use its reserve; beyond it, both draw on the rest of the budget together.
    const reserve = this.reserveBytes
    const other: Receiver = holder.receiver === 'http' ? 'grpc' : 'http'
    // (No closure here: this runs for every chunk of every body, and for every waiter at every wake.)
    if (Math.max(0, this.byReceiver[holder.receiver] + bytes - reserve) + Math.max(0, this.byReceiver[other] - reserve) > this.limitBytes - 2 * reserve)
      return 'budget'
    return undefined
  }

  private get reserveBytes(): number {
    return this.limitBytes * Math.min(0.5, Math.max(0, this.shares.receiverReserve))
  }

  /** Called by Ticket.grow. A lone request is always admitted, so that one large request can progress. */
  take(ticket: Ticket, bytes: number): void {
    const misfit = this.misfit(ticket.holder, ticket.bytes, bytes, ticket.bytes + (ticket.partner?.bytes ?? 0))
    if (misfit !== undefined) {
      if (misfit === 'budget') this.onFull()
      throw new AdmissionRefused(this.inFlight, this.limitBytes, misfit)
    }
    this.inFlight += bytes
    this.byReceiver[ticket.holder.receiver] += bytes
    this.byAddress.set(ticket.holder.address, this.heldBy(ticket.holder.address) + bytes)
    if (this.inFlight > this.peak) {
      this.peak = this.inFlight
      this.metrics.inflightPeak.set(this.peak)
    }
    this.metrics.inflight.set(this.inFlight)
  }

  /** Called by Ticket.transferTo: the bytes change address, not amount. */
  move(from: Ticket, to: Ticket, bytes: number): void {
    if (from.holder.receiver !== to.holder.receiver) throw new Error('a transfer between receivers would change their parts of the budget')
    const left = this.heldBy(from.holder.address) - bytes
    if (left > 0) this.byAddress.set(from.holder.address, left)
    else this.byAddress.delete(from.holder.address)
    this.byAddress.set(to.holder.address, this.heldBy(to.holder.address) + bytes)
    if (this.waiting.length > 0) this.wake()
  }

  /** Called by Ticket.shrink and Ticket.release. */
  give(ticket: Ticket, bytes: number): void {
    if (bytes <= 0) return
    this.inFlight -= bytes
    this.byReceiver[ticket.holder.receiver] -= bytes
    const left = this.heldBy(ticket.holder.address) - bytes
    if (left > 0) this.byAddress.set(ticket.holder.address, left)
    else this.byAddress.delete(ticket.holder.address)
    this.metrics.inflight.set(this.inFlight)
    if (this.waiting.length > 0) this.wake()
    for (const listener of [...this.roomListeners]) listener()
  }
}

/** How much of the budget one body byte on the wire holds: its decoded estimate, or itself while compressed. */
export function heldPerWireByte(encoding: Encoding, contentEncoding: string | undefined): number {
  const coding = (contentEncoding ?? '').trim().toLowerCase()
  return coding === '' || coding === 'identity' ? decodedEstimate(1, encoding) : 1
}

/**
 * Counts a request body as it streams in: each chunk holds `perByte` × its bytes. They come first out of
 * what the request reserved before its body (`reserved`, see Admission.upfrontBodyBytes), which moves to
 * `body`, and past it `body` grows as the bytes arrive: a slow sender holds what it has sent, not what it
 * announced. What a request has reserved but not yet received is held to its address's share; what it
 * has received is not (`body` has no address). A body that outgrows the budget fails the stream with
 * AdmissionRefused.
 */
export function meteredBody(reserved: Ticket, body: Ticket, perByte: number): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      const held = chunk.length * perByte
      const prepaid = Math.max(0, reserved.bytes - REQUEST_OVERHEAD_BYTES)
      const moved = Math.min(held, prepaid)
      reserved.transferTo(body, moved)
      try {
        body.grow(held - moved)
      } catch (error) {
        callback(error as Error)
        return
      }
      callback(null, chunk)
    },
  })
}

/**
 * What an HTTP request holds before its body: the overhead, plus its body when Content-Length gives
 * it; an uncompressed body's decoded estimate is known from its length too.
 */
export function initialEstimate(contentLength: number | undefined, encoding: Encoding, contentEncoding: string | undefined): number {
  if (contentLength === undefined) return REQUEST_OVERHEAD_BYTES
  const coding = (contentEncoding ?? '').trim().toLowerCase()
  const identity = coding === '' || coding === 'identity'
  return REQUEST_OVERHEAD_BYTES + (identity ? decodedEstimate(contentLength, encoding) : contentLength)
}

/**
 * Undoes Content-Encoding like decode.ts's `decompress`, but gzip and deflate stream, and every
 * inflated chunk grows the ticket (the body's share: meteredBody's `body`) by its decoded estimate: a body inflating past what the budget
 * allows is refused (429) at that chunk, not after it has filled memory.
 */
export async function decompressMetered(
  body: Buffer,
  contentEncoding: string | undefined,
  maxBytes: number,
  ticket: Ticket,
  encoding: Encoding,
): Promise<Buffer> {
  const coding = (contentEncoding ?? '').trim().toLowerCase()
  const inflater = coding === 'gzip' || coding === 'x-gzip' ? zlib.createGunzip() : coding === 'deflate' ? zlib.createInflate() : undefined
  if (!inflater) {
    // Identity (or an encoding `decompress` refuses): the body's decoded estimate, held as it arrived.
    const bytes = await decompress(body, contentEncoding, maxBytes)
    ticket.growTo(decodedEstimate(bytes.length, encoding))
    return bytes
  }
  const chunks: Buffer[] = []
  let size = 0
  try {
    inflater.end(body)
    for await (const chunk of inflater as AsyncIterable<Buffer>) {
      size += chunk.length
      if (size > maxBytes) throw new DecodeError(413, `body inflates past the ${maxBytes}-byte limit`, 'decompressed_too_large')
      ticket.grow(decodedEstimate(chunk.length, encoding))
      chunks.push(chunk)
    }
  } catch (error) {
    inflater.destroy()
    if (error instanceof DecodeError || error instanceof AdmissionRefused) throw error
    throw new DecodeError(400, `body is not valid ${coding}: ${(error as Error).message}`, 'bad_compression')
  }
  return Buffer.concat(chunks, size)
}
