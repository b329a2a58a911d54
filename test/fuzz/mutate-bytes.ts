import zlib from 'node:zlib'
import protobuf from 'protobufjs'
import type { Rng } from '../../simulator/random'

/** Byte-level mutators for protobuf bodies: what a broken proxy, disk or attacker sends. */

export type ByteMutator = (bytes: Buffer, rng: Rng, other: Buffer) => Buffer

/** A protobuf base-128 varint (protobufjs's writer; uint64, so values up to 2^53 encode exactly). */
export function varint(n: number): Buffer {
  return Buffer.from(protobuf.Writer.create().uint64(n).finish())
}

export const BYTE_MUTATORS: Record<string, ByteMutator> = {
  truncate: (b, rng) => b.subarray(0, rng.int(0, Math.max(0, b.length - 1))),
  bitFlip: (b, rng) => {
    const out = Buffer.from(b)
    const flips = rng.int(1, 8)
    for (let i = 0; i < flips && out.length > 0; i++) {
      const at = rng.int(0, out.length - 1)
      out[at] = (out[at] ?? 0) ^ (1 << rng.int(0, 7))
    }
    return out
  },
  byteSet: (b, rng) => {
    const out = Buffer.from(b)
    if (out.length > 0) out[rng.int(0, out.length - 1)] = rng.pick([0x00, 0x7f, 0x80, 0xff, 0x0a, 0x12, 0x08])
    return out
  },
  /** Protobuf concatenation is a merge: splicing two requests at random cuts gives odd merges and broken tails. */
  splice: (b, rng, other) => Buffer.concat([b.subarray(0, rng.int(0, b.length)), other.subarray(rng.int(0, other.length))]),
  concat: (b, _rng, other) => Buffer.concat([b, other]),
  insertVarint: (b, rng) => {
    const at = rng.int(0, b.length)
    const v = varint(rng.pick([0, 1, 127, 128, 2 ** 31 - 1, 2 ** 32, 2 ** 53]))
    const tag = Buffer.from([rng.pick([0x08, 0x0a, 0x12, 0x1a, 0x22, 0x2a, 0x09, 0x0d, 0x0f, 0xff])])
    return Buffer.concat([b.subarray(0, at), tag, v, b.subarray(at)])
  },
  /** A length prefix that claims more (or fewer) bytes than follow. */
  lengthLie: (b, rng) => {
    const ld = [...b.keys()].filter((i) => ((b[i] ?? 0) & 7) === 2 && i + 1 < b.length)
    if (ld.length === 0) return b
    const at = rng.pick(ld) + 1
    const lie = varint(rng.pick([0, 1, 0x7f, 0x3fff, 2 ** 28, 2 ** 31 - 1, 2 ** 32 - 1]))
    return Buffer.concat([b.subarray(0, at), lie, b.subarray(at + 1)])
  },
  /** A run of bytes repeated: nested lengths no longer add up. */
  repeatRun: (b, rng) => {
    const start = rng.int(0, b.length)
    const run = b.subarray(start, Math.min(b.length, start + rng.int(1, 64)))
    return Buffer.concat([b.subarray(0, start), ...Array.from({ length: rng.int(2, 50) }, () => run), b.subarray(start)])
  },
  /** Deep nesting written as wire bytes: AnyValue.array_value → ArrayValue.values → … in a log body. */
  deepWire: (_b, rng) => deepWire(rng.pick([40, 1_000, 50_000])),
  randomBytes: (_b, rng) => Buffer.from(Array.from({ length: rng.int(0, 4096) }, () => rng.int(0, 255))),
  empty: () => Buffer.alloc(0),
}

const deepWireCache = new Map<number, Buffer>()

/** A logs request whose one record's body nests `depth` arrays, built from the inside out in one pass. */
export function deepWire(depth: number): Buffer {
  const cached = deepWireCache.get(depth)
  if (cached) return cached
  // Sizes from the inside out, then the bytes written from the outside in.
  const tags: number[] = [0x0a, 0x12, 0x12, 0x2a] // ResourceLogs, ScopeLogs, LogRecord, body
  for (let i = 0; i < depth; i++) tags.push(0x2a, 0x0a) // AnyValue.array_value, ArrayValue.values
  tags.push(0x0a) // AnyValue.string_value
  const leaf = Buffer.from('x')
  const sizes = new Array<number>(tags.length)
  let size = leaf.length
  for (let i = tags.length - 1; i >= 0; i--) {
    sizes[i] = size
    size += 1 + varint(size).length
  }
  const parts: Buffer[] = []
  for (const [i, tag] of tags.entries()) parts.push(Buffer.from([tag]), varint(sizes[i] ?? 0))
  parts.push(leaf)
  const out = Buffer.concat(parts)
  deepWireCache.set(depth, out)
  return out
}

/** Gzip bombs: a few kilobytes on the wire, far past the decompressed limit once inflated. */
export function gzipBomb(inflatedBytes: number): Buffer {
  return zlib.gzipSync(Buffer.alloc(inflatedBytes, 0x20), { level: 9 })
}
