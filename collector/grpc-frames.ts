/**
 * Reads the frame headers of one direction of an HTTP/2 connection (RFC 9113 §4.1: 24-bit length, type,
 * flags, 31-bit stream id, then the payload), without decoding anything else: enough to know, on the
 * gRPC port, which calls are open and how many message bytes each has sent so far. The bytes themselves
 * pass through untouched to the HTTP/2 implementation (grpc-js on Node's http2).
 */

export const FRAME = { DATA: 0x0, HEADERS: 0x1, RST_STREAM: 0x3, GOAWAY: 0x7 } as const
export const FLAG_END_STREAM = 0x1

/** The client connection preface (RFC 9113 §3.4) that precedes the client's first frame. */
export const CLIENT_PREFACE_BYTES = 24

export interface FrameHeader {
  length: number
  type: number
  flags: number
  streamId: number
}

const HEADER_BYTES = 9

export class FrameReader {
  private skip: number
  private readonly header = Buffer.alloc(HEADER_BYTES)
  private headerFill = 0

  /** @param prefaceBytes bytes to pass over before the first frame (the client preface on the inbound side). */
  constructor(
    prefaceBytes: number,
    private readonly onFrame: (frame: FrameHeader) => void,
  ) {
    this.skip = prefaceBytes
  }

  /** Reads the frame headers in `chunk` (frames may span chunks); calls onFrame as each header completes. */
  feed(chunk: Buffer): void {
    let at = 0
    while (at < chunk.length) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, chunk.length - at)
        this.skip -= n
        at += n
        continue
      }
      const n = Math.min(HEADER_BYTES - this.headerFill, chunk.length - at)
      chunk.copy(this.header, this.headerFill, at, at + n)
      this.headerFill += n
      at += n
      if (this.headerFill < HEADER_BYTES) return
      this.headerFill = 0
      const frame: FrameHeader = {
        length: this.header.readUIntBE(0, 3),
        type: this.header[3] ?? 0,
        flags: this.header[4] ?? 0,
        streamId: this.header.readUInt32BE(5) & 0x7fffffff,
      }
      this.skip = frame.length
      this.onFrame(frame)
    }
  }
}
