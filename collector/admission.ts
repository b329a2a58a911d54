import { Transform, type TransformCallback } from 'node:stream'
import zlib from 'node:zlib'
import type { SelfMetrics } from '../server/self-metrics'
import { DecodeError, decompress, type Encoding } from './otlp/decode'

/**
 * Admission control: one budget of bytes shared by every export request in flight, over both
 * receivers. A request holds its share from the moment its headers arrive until it is answered,
 * so the share covers its body as it is received, decompressed and decoded, and its rows while they
 * wait in the writer (a request is answered only once they are committed). An HTTP request that does
 * not fit waits a little for room, its body unread; then it is refused before its body is read when its
 * size is known (Content-Length), otherwise as soon as its body outgrows the budget: 429 + Retry-After
 * over HTTP, UNAVAILABLE with RetryInfo over gRPC (refused at once). Both are retryable in the OTLP
 * specification, and nothing of a refused request was acknowledged.
 *
 * The estimate, per request: a fixed overhead (sockets, parsers, request objects), plus the body on
 * the wire, plus the decompressed body, plus the decoded export request and its rows. The last two
 * are a multiple of the decompressed size, measured on Claude Code-shaped requests: decoded objects
 * weigh 5.9× the protobuf bytes (2.5× the JSON bytes) on the V8 heap and the rows 2.2× (1.1×).
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

/** What a request costs before its first body byte: socket, parser, request and reply objects. */
export const REQUEST_OVERHEAD_BYTES = 16 * 1024

/** Seconds an exporter is asked to wait before sending a refused request again. */
export const RETRY_AFTER_SECONDS = 1

/**
 * An HTTP request that does not fit waits this long for room, its body unread (TCP holds it back),
 * before it is refused: under a burst a request is slowed down rather than bounced, and only
 * sustained overload gets 429s.
 */
export const ADMISSION_WAIT_MS = 2000

/** At most this many requests wait at once; more are refused at once (each waiting one holds a socket). */
export const MAX_WAITING = 1024

export class AdmissionRefused extends Error {
  readonly retryAfterSeconds = RETRY_AFTER_SECONDS
  /** Read by Fastify when the refusal is raised while the body is streaming. */
  readonly statusCode = 429
  readonly code = 'CCSCOPE_OVERLOADED'
  constructor(inFlight: number, limit: number) {
    super(`ccscope has ${inFlight} of its ${limit} bytes for requests in flight in use; retry shortly`)
    this.name = 'AdmissionRefused'
  }
}

/** One request's share of the budget. Grows as the request is read and decoded; released once. */
export class Ticket {
  private held = 0
  private released = false

  constructor(private readonly admission: Admission) {}

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

  release(): void {
    if (this.released) return
    this.released = true
    this.admission.give(this.held)
    this.held = 0
  }
}

interface Waiter {
  bytes: number
  resolve: (ticket: Ticket) => void
  timer: NodeJS.Timeout
}

export class Admission {
  private inFlight = 0
  private peak = 0
  /** Requests waiting for room, first come first served. */
  private readonly waiting: Waiter[] = []

  /**
   * @param onFull called when a request is refused: the writer flushes at once rather than at its next
   *   tick, since the rows it holds are what keeps the budget full.
   */
  constructor(
    readonly limitBytes: number,
    private readonly metrics: SelfMetrics,
    private readonly onFull: () => void = () => {},
  ) {
    metrics.inflightLimit.set(limitBytes)
  }

  get inFlightBytes(): number {
    return this.inFlight
  }

  /** The most bytes ever held at once since start. */
  get peakBytes(): number {
    return this.peak
  }

  /** A ticket holding `bytes`, or AdmissionRefused. */
  admit(bytes: number): Ticket {
    const ticket = new Ticket(this)
    ticket.grow(bytes)
    return ticket
  }

  /**
   * A ticket holding `bytes`, waiting up to `maxWaitMs` for room behind the requests already waiting;
   * AdmissionRefused when none was made in time or too many wait already.
   */
  admitWaiting(bytes: number, maxWaitMs: number): Promise<Ticket> {
    if (this.waiting.length === 0) {
      try {
        return Promise.resolve(this.admit(bytes))
      } catch (error) {
        if (!(error instanceof AdmissionRefused) || maxWaitMs <= 0) return Promise.reject(error)
      }
    }
    if (this.waiting.length >= MAX_WAITING) return Promise.reject(new AdmissionRefused(this.inFlight, this.limitBytes))
    return new Promise<Ticket>((resolve, reject) => {
      const waiter: Waiter = {
        bytes,
        resolve,
        timer: setTimeout(() => {
          this.waiting.splice(this.waiting.indexOf(waiter), 1)
          reject(new AdmissionRefused(this.inFlight, this.limitBytes))
        }, maxWaitMs),
      }
      this.waiting.push(waiter)
    })
  }

  /** Admits waiting requests, in order, while they fit. */
  private wake(): void {
    for (let next = this.waiting[0]; next; next = this.waiting[0]) {
      if (!this.fits(0, next.bytes)) {
        this.onFull()
        return
      }
      this.waiting.shift()
      clearTimeout(next.timer)
      next.resolve(this.admit(next.bytes))
    }
  }

  /** `bytes` more fit for a ticket holding `held`: within the limit, or the ticket is all that is in flight. */
  private fits(held: number, bytes: number): boolean {
    return this.inFlight + bytes <= this.limitBytes || this.inFlight === held
  }

  /** Called by Ticket.grow. A lone request is always admitted, so that one large request can progress. */
  take(ticket: Ticket, bytes: number): void {
    if (!this.fits(ticket.bytes, bytes)) {
      this.onFull()
      throw new AdmissionRefused(this.inFlight, this.limitBytes)
    }
    this.inFlight += bytes
    if (this.inFlight > this.peak) {
      this.peak = this.inFlight
      this.metrics.inflightPeak.set(this.peak)
    }
    this.metrics.inflight.set(this.inFlight)
  }

  /** Called by Ticket.release. */
  give(bytes: number): void {
    this.inFlight -= bytes
    this.metrics.inflight.set(this.inFlight)
    if (this.waiting.length > 0) this.wake()
  }
}

/**
 * Counts a request body as it streams in and grows the ticket by whatever exceeds what was already
 * reserved from its Content-Length; a body that outgrows the budget fails the stream with AdmissionRefused.
 */
export function meteredBody(ticket: Ticket, reserved: number): Transform {
  let received = 0
  return new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      const before = received
      received += chunk.length
      try {
        ticket.grow(Math.max(0, received - Math.max(reserved, before)))
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
 * inflated chunk grows the ticket by its decoded estimate: a body inflating past what the budget
 * allows is refused (429) at that chunk, not after it has filled memory.
 */
export async function decompressMetered(body: Buffer, contentEncoding: string | undefined, maxBytes: number, ticket: Ticket, encoding: Encoding): Promise<Buffer> {
  const coding = (contentEncoding ?? '').trim().toLowerCase()
  const inflater = coding === 'gzip' || coding === 'x-gzip' ? zlib.createGunzip() : coding === 'deflate' ? zlib.createInflate() : undefined
  if (!inflater) {
    // Identity (or an encoding `decompress` refuses): the body's decoded estimate, already held when
    // its Content-Length was known.
    const bytes = await decompress(body, contentEncoding, maxBytes)
    ticket.growTo(REQUEST_OVERHEAD_BYTES + decodedEstimate(bytes.length, encoding))
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
