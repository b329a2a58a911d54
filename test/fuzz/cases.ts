import zlib from 'node:zlib'
import type { Signal } from '../../schemas/otlp'
import { deriveSeed, Rng } from '../../simulator/random'
import { BYTE_MUTATORS, gzipBomb, varint } from './mutate-bytes'
import { JSON_MUTATORS, TEXT_MUTATORS } from './mutate-json'
import { encodeProtobuf, type Seed } from './seeds'
import { events } from '../helpers/otlp-factory'

/**
 * One fuzz case: a request, the receiver it goes to, and the class of answer that is correct for it.
 * Cases are a pure function of (seed, index): a failing index can be replayed alone.
 */

export type Receiver = 'http-json' | 'http-protobuf' | 'grpc'

/** What a correct collector answers, by input class. */
export type Expect =
  | 'accepted' // 200 / OK, nothing refused
  | 'accepted-or-bad' // 200 (perhaps partial success) or refused whole as malformed (400 / 413; INVALID_ARGUMENT)
  | 'bad-data' // 400 / INVALID_ARGUMENT
  | 'too-large' // 413 / INVALID_ARGUMENT or RESOURCE_EXHAUSTED
  | 'unsupported' // 415
  | 'unauthenticated' // 401 / UNAUTHENTICATED
  | 'record-refused' // 200 / OK with partial success: every record refused

export interface FuzzCase {
  index: number
  receiver: Receiver
  signal: Signal
  /** Which generator made it, for the report. */
  kind: string
  body: Buffer
  contentType?: string
  contentEncoding?: string
  /** undefined: the right token; null: none; a string: that (wrong) token. */
  token?: string | null
  expect: Expect
  /** A valid api_request whose cost must reach the totals once accepted. */
  controlCostUsd?: number
}

export const CONTROL_TEAM = 'fuzz-control'
export const INVALID_TEAM = 'fuzz-invalid'

const CONTENT_TYPE: Record<Exclude<Receiver, 'grpc'>, string> = {
  'http-json': 'application/json',
  'http-protobuf': 'application/x-protobuf',
}

type Kv = { key: string; value: Record<string, unknown> }
const str = (key: string, v: string): Kv => ({ key, value: { stringValue: v } })

/**
 * Claude Code's api_request (the OTLP factory's: the simulator's records and encoder) at the fuzz's own
 * time, in nanoseconds as written, with the usage attributes given (most are values no exporter sends).
 */
function apiRequestDoc(team: string, session: string, timeNanos: string, usage: Kv[]): Record<string, unknown> {
  const timeMs = Number(BigInt(timeNanos) / 1_000_000n)
  const request = events({ user: `${team}@fuzz`, session, team }, [{ name: 'api_request', timeMs, attributes: { model: 'claude-opus-5-5' } }])
  const replaced = new Set(usage.map((u) => u.key))
  return {
    resourceLogs: (request.resourceLogs ?? []).map((rl) => ({
      ...rl,
      scopeLogs: (rl.scopeLogs ?? []).map((sl) => ({
        ...sl,
        logRecords: (sl.logRecords ?? []).map((r) => ({
          ...r,
          timeUnixNano: timeNanos,
          observedTimeUnixNano: timeNanos,
          attributes: [...(r.attributes ?? []).filter((a) => !replaced.has(a.key)), ...usage],
        })),
      })),
    })),
  }
}

const nowNanos = () => BigInt(Date.now()) * 1_000_000n
const YEAR_NS = 365n * 86_400_000_000_000n

/** A usage attribute or time no valid record carries: each makes the record refused. */
function invalidUsage(rng: Rng): { usage: Kv[]; time: string; what: string } {
  const time = String(nowNanos() - 60_000_000_000n)
  const choice = rng.int(0, 13)
  const cost = (value: Record<string, unknown>, what: string) => ({ usage: [{ key: 'cost_usd', value }], time, what })
  switch (choice) {
    case 0:
      return cost({ doubleValue: 'NaN' }, 'cost NaN')
    case 1:
      return cost({ doubleValue: 'Infinity' }, 'cost Infinity')
    case 2:
      return cost({ doubleValue: '-Infinity' }, 'cost -Infinity')
    case 3:
      return cost({ doubleValue: -rng.int(1, 1000) / 100 }, 'cost negative')
    case 4:
      return cost({ stringValue: '1e309' }, 'cost 1e309')
    case 5:
      return cost({ doubleValue: 1e7 }, 'cost absurd')
    case 6:
      return cost({ stringValue: 'twelve dollars' }, 'cost not a number')
    case 7:
      return { usage: [{ key: 'input_tokens', value: { doubleValue: 1.5 } }], time, what: 'tokens fractional' }
    case 8:
      return { usage: [{ key: 'output_tokens', value: { intValue: '-3' } }], time, what: 'tokens negative' }
    case 9:
      return { usage: [{ key: 'cache_read_tokens', value: { doubleValue: 1e300 } }], time, what: 'tokens absurd' }
    case 10:
      return { usage: [{ key: 'cost_usd_micros', value: { intValue: '-1' } }], time, what: 'micros negative' }
    case 11:
      return {
        usage: [{ key: 'cost_usd', value: { doubleValue: 0.5 } }],
        time: rng.pick(['1', '1000', String(nowNanos() - 20n * YEAR_NS)]),
        what: 'time far past',
      }
    case 12:
      return {
        usage: [{ key: 'cost_usd', value: { doubleValue: 0.5 } }],
        time: rng.pick(['99999999999999999999', '18446744073709551615', '9223372036854775807', String(nowNanos() + 10n * YEAR_NS)]),
        what: 'time far future',
      }
    default:
      return cost({ doubleValue: -0.000001 }, 'cost tiny negative')
  }
}

/** Many tiny records, one over the per-request limit. */
function tooManyRecords(limit: number): Record<string, unknown> {
  const time = String(nowNanos())
  return { resourceLogs: [{ scopeLogs: [{ logRecords: Array.from({ length: limit + 1 }, () => ({ timeUnixNano: time })) }] }] }
}

/** One record with `n` attributes: "millions of attributes". */
export function manyAttributes(n: number): Record<string, unknown> {
  const attributes = Array.from({ length: n }, (_, i) => ({ key: `a${i % 5000}`, value: { intValue: i } }))
  return { resourceLogs: [{ scopeLogs: [{ logRecords: [{ timeUnixNano: String(nowNanos()), attributes }] }] }] }
}

/** The same as encodeProtobuf(manyAttributes(n)), written directly: protobufjs takes seconds for it. */
export function manyAttributesWire(n: number): Buffer {
  const attributes = Buffer.allocUnsafe(n * 16)
  let at = 0
  for (let i = 0; i < n; i++) {
    const key = Buffer.from(`a${i % 5000}`)
    const value = Buffer.concat([Buffer.from([0x18]), varint(i)]) // AnyValue.int_value = 3
    const kv = Buffer.concat([Buffer.from([0x0a, key.length]), key, Buffer.from([0x12, value.length]), value])
    at += Buffer.from([0x32, kv.length]).copy(attributes, at) // LogRecord.attributes = 6
    at += kv.copy(attributes, at)
  }
  const time = Buffer.alloc(9)
  time[0] = 0x09 // LogRecord.time_unix_nano = 1, fixed64
  time.writeBigUInt64LE(nowNanos(), 1)
  const ld = (tag: number, body: Buffer) => Buffer.concat([Buffer.from([tag]), varint(body.length), body])
  const record = ld(0x12, Buffer.concat([time, attributes.subarray(0, at)])) // ScopeLogs.log_records = 2
  return ld(0x0a, ld(0x12, record)) // request.resource_logs = 1, ResourceLogs.scope_logs = 2
}

export interface CaseLimits {
  maxBodyBytes: number
  maxDecompressedBytes: number
  maxRecordsPerRequest: number
}

export class CaseFactory {
  private readonly bomb: Buffer
  private readonly bigBomb: Buffer

  constructor(
    private readonly seeds: Seed[],
    private readonly seed: number,
    private readonly limits: CaseLimits,
  ) {
    this.bomb = gzipBomb(limits.maxDecompressedBytes + 1024)
    this.bigBomb = gzipBomb(limits.maxDecompressedBytes * 4)
  }

  make(index: number): FuzzCase {
    const rng = new Rng(deriveSeed(this.seed, index))
    const receiver: Receiver = rng.weighted([
      ['http-json', 45],
      ['http-protobuf', 35],
      ['grpc', 20],
    ] as const)
    // A handful of heavyweight cases at fixed places, so that every run has them.
    if (index % 2500 === 7) return this.heavy(index, receiver, rng)
    const http = receiver !== 'grpc'
    const kind = rng.weighted([
      ['seed', 4],
      ['json-mutation', 34],
      [receiver === 'http-json' ? 'text-mutation' : 'byte-mutation', 30],
      ['invalid-value', 10],
      ['control', 6],
      ['no-auth', 3],
      ...(http
        ? ([
            ['gzip-bomb', 2],
            ['bad-gzip', 3],
            ['wrong-encoding', 2],
            ['wrong-content-type', 3],
            ['gzip-ok', 2],
          ] as const)
        : []),
    ] as ReadonlyArray<readonly [string, number]>)
    const base = { index, receiver }
    const contentType = http ? CONTENT_TYPE[receiver] : undefined
    const encode = (signal: Signal, doc: unknown): Buffer => (receiver === 'http-json' ? Buffer.from(JSON.stringify(doc)) : encodeProtobuf(signal, doc))
    const seed = rng.pick(this.seeds)
    const seedBody = receiver === 'http-json' ? Buffer.from(JSON.stringify(seed.json)) : seed.protobuf

    switch (kind) {
      case 'seed':
        return { ...base, signal: seed.signal, kind, body: seedBody, contentType, expect: 'accepted' }
      case 'json-mutation': {
        const doc = structuredClone(seed.json)
        const names: string[] = []
        for (let i = rng.int(1, 3); i > 0; i--) {
          const [name, mutate] = rng.weighted(JSON_MUTATORS)
          try {
            mutate(doc, rng)
            names.push(name)
          } catch {
            // a mutation the document cannot take (a clone of a too-deep subtree): skip it
          }
        }
        let body: Buffer
        try {
          body = encode(seed.signal, doc)
        } catch {
          body = BYTE_MUTATORS.bitFlip?.(seed.protobuf, rng, seed.protobuf) ?? seed.protobuf // not expressible in protobuf
        }
        return { ...base, signal: seed.signal, kind: `json:${names.join('+')}`, body, contentType, expect: 'accepted-or-bad' }
      }
      case 'text-mutation': {
        const [name, mutate] = rng.pick(Object.entries(TEXT_MUTATORS))
        const out = mutate(JSON.stringify(seed.json), rng)
        const body = 'bytes' in out ? out.bytes : Buffer.from(out.text)
        return { ...base, signal: seed.signal, kind: `text:${name}`, body, contentType, expect: 'accepted-or-bad' }
      }
      case 'byte-mutation': {
        const [name, mutate] = rng.pick(Object.entries(BYTE_MUTATORS))
        const other = rng.pick(this.seeds).protobuf
        return { ...base, signal: seed.signal, kind: `bytes:${name}`, body: mutate(seed.protobuf, rng, other), contentType, expect: 'accepted-or-bad' }
      }
      case 'invalid-value': {
        const bad = invalidUsage(rng)
        const doc = apiRequestDoc('fuzz-invalid', `invalid-${index}`, bad.time, bad.usage)
        return { ...base, signal: 'logs', kind: `invalid:${bad.what}`, body: encode('logs', doc), contentType, expect: 'record-refused' }
      }
      case 'control': {
        const costUsd = rng.int(1, 2_000_000) / 1e6
        const time = String(nowNanos() - BigInt(rng.int(1, 3_600_000)) * 1_000_000n)
        const doc = apiRequestDoc(CONTROL_TEAM, `control-${index}`, time, [
          { key: 'cost_usd', value: { doubleValue: costUsd } },
          { key: 'input_tokens', value: { intValue: String(rng.int(0, 100_000)) } },
        ])
        return { ...base, signal: 'logs', kind, body: encode('logs', doc), contentType, expect: 'accepted', controlCostUsd: costUsd }
      }
      case 'no-auth':
        return {
          ...base,
          signal: seed.signal,
          kind,
          body: seedBody,
          contentType,
          token: rng.pick([null, 'wrong-token', '', 'Bearer']),
          expect: 'unauthenticated',
        }
      case 'gzip-bomb':
        return {
          ...base,
          signal: seed.signal,
          kind,
          body: rng.chance(0.5) ? this.bomb : this.bigBomb,
          contentType,
          contentEncoding: 'gzip',
          expect: 'too-large',
        }
      case 'bad-gzip': {
        const gz = zlib.gzipSync(seedBody)
        const body = rng.pick([gz.subarray(0, rng.int(0, gz.length - 9)), Buffer.concat([gz.subarray(0, 10), Buffer.from('not deflate data')]), seedBody])
        return { ...base, signal: seed.signal, kind, body, contentType, contentEncoding: rng.pick(['gzip', 'deflate', 'x-gzip']), expect: 'bad-data' }
      }
      case 'gzip-ok': {
        const coding = rng.pick(['gzip', 'deflate', 'GZIP', 'identity'])
        const body = coding === 'deflate' ? zlib.deflateSync(seedBody) : coding === 'identity' ? seedBody : zlib.gzipSync(seedBody)
        return { ...base, signal: seed.signal, kind, body, contentType, contentEncoding: coding, expect: 'accepted' }
      }
      case 'wrong-encoding':
        return {
          ...base,
          signal: seed.signal,
          kind,
          body: zlib.brotliCompressSync(seedBody, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 1 } }),
          contentType,
          contentEncoding: rng.pick(['br', 'zstd', 'compress', 'gzip, br', 'snappy']),
          expect: 'unsupported',
        }
      case 'wrong-content-type':
        return {
          ...base,
          signal: seed.signal,
          kind,
          body: seedBody,
          contentType: rng.pick([
            'text/plain',
            'application/xml',
            'application/grpc',
            'multipart/form-data; boundary=x',
            'application/jsonx',
            '',
            'application/x-www-form-urlencoded',
          ]),
          expect: 'unsupported',
        }
      default:
        throw new Error(`no generator for ${kind}`)
    }
  }

  /** The expensive classes: too many records, millions of attributes, bodies over the limit. */
  private heavy(index: number, receiver: Receiver, rng: Rng): FuzzCase {
    const which = Math.floor(index / 2500) % 4
    const contentType = receiver === 'grpc' ? undefined : CONTENT_TYPE[receiver]
    const encode = (doc: unknown): Buffer => (receiver === 'http-json' ? Buffer.from(JSON.stringify(doc)) : encodeProtobuf('logs', doc))
    const base = { index, receiver, signal: 'logs' as const, contentType }
    if (which === 0) {
      return { ...base, kind: 'heavy:too-many-records', body: encode(tooManyRecords(this.limits.maxRecordsPerRequest)), expect: 'too-large' }
    }
    if (which === 1) {
      // As many attributes as fit under the decompressed limit: over a million in protobuf. Past
      // CCSCOPE_MAX_ATTRIBUTES_PER_REQUEST, refused whole before it is decoded (it froze the event loop).
      const n = receiver === 'http-json' ? 350_000 : 1_100_000
      const raw = receiver === 'http-json' ? encode(manyAttributes(n)) : manyAttributesWire(n)
      const zipped = receiver !== 'grpc'
      return {
        ...base,
        kind: `heavy:${n}-attributes`,
        body: zipped ? zlib.gzipSync(raw, { level: 1 }) : raw,
        contentEncoding: zipped ? 'gzip' : undefined,
        expect: 'too-large',
      }
    }
    if (which === 2) {
      const size = receiver === 'grpc' ? this.limits.maxDecompressedBytes + 1 : this.limits.maxBodyBytes + 1
      return { ...base, kind: 'heavy:body-over-limit', body: Buffer.alloc(size, rng.int(0, 255)), expect: 'too-large' }
    }
    return {
      ...base,
      kind: 'heavy:huge-string',
      body: encode(apiRequestDoc('fuzz-huge', `huge-${index}`, String(nowNanos()), [str('prompt', 'p'.repeat(3_000_000))])),
      expect: 'accepted',
    }
  }
}
