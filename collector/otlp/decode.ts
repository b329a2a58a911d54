import zlib from 'node:zlib'
import { promisify } from 'node:util'
import type { z } from 'zod'
import { exportRequestSchemas, type ExportRequests, type Signal } from '../../schemas/otlp'
import type { ExportBatch } from '../ingest'
import { applyRequestLimits, DEFAULT_REQUEST_LIMITS, describeLimits, type RequestLimits } from '../limits'
import { DecodeError } from './decode-error'
import { decodeProtobuf } from './proto'
import { scanWire } from './wire-scan'

const gunzip = promisify(zlib.gunzip)
const inflate = promisify(zlib.inflate)

export type Encoding = 'json' | 'protobuf'

export { DecodeError }

/** The encoding named by a Content-Type header, or undefined for one OTLP does not define. */
export function encodingOf(contentType: string | undefined): Encoding | undefined {
  const media = (contentType ?? '').split(';')[0]?.trim().toLowerCase()
  if (media === 'application/x-protobuf' || media === 'application/protobuf') return 'protobuf'
  if (media === 'application/json') return 'json'
  return undefined
}

/** Undoes Content-Encoding, refusing bodies that inflate past maxBytes (gzip bombs). */
export async function decompress(body: Buffer, contentEncoding: string | undefined, maxBytes: number): Promise<Buffer> {
  const coding = (contentEncoding ?? '').trim().toLowerCase()
  if (coding === '' || coding === 'identity') return body
  const inflater = coding === 'gzip' || coding === 'x-gzip' ? gunzip : coding === 'deflate' ? inflate : undefined
  if (!inflater) throw new DecodeError(415, `unsupported Content-Encoding "${coding}" (use gzip or none)`, 'unsupported_encoding')
  try {
    return await inflater(body, { maxOutputLength: maxBytes })
  } catch (error) {
    if (error instanceof RangeError || (error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE')
      throw new DecodeError(413, `body inflates past the ${maxBytes}-byte limit`, 'decompressed_too_large')
    throw new DecodeError(400, `body is not valid ${coding}: ${(error as Error).message}`, 'bad_compression')
  }
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const where =
    issue.path.length > 0
      ? issue.path
          .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
          .join('')
          .replace(/^\./, '')
      : 'body'
  return `${where}: ${issue.message}`
}

/** A stack overflow inside a recursive decoder: the input nests deeper than any exporter sends. */
function isTooDeep(error: unknown): boolean {
  return error instanceof RangeError && /call stack/i.test(error.message)
}

/**
 * Bytes (already decompressed) → a validated export request of the given signal, with the request
 * limits applied (collector/limits.ts): what they cut is reported on the batch, not refused.
 */
export function decodeBody(signal: Signal, encoding: Encoding, bytes: Buffer, limits: RequestLimits = DEFAULT_REQUEST_LIMITS): ExportBatch {
  if (encoding === 'protobuf') {
    // Counted before decoding: a request over the record or attribute limit costs only this scan.
    scanWire(signal, bytes, limits)
    let request: ExportRequests[Signal]
    try {
      request = decodeProtobuf(signal, bytes)
    } catch (error) {
      if (isTooDeep(error)) throw new DecodeError(400, 'invalid OTLP protobuf: values nested too deeply', 'value_too_deep')
      throw new DecodeError(400, `invalid OTLP protobuf: ${(error as Error).message}`, 'invalid_protobuf')
    }
    const report = applyRequestLimits(request, limits)
    return { signal, request, limited: { report, message: describeLimits(report, limits) } } as ExportBatch
  }
  let json: unknown
  try {
    // JSON.parse is not recursive in V8: any nesting parses, and applyRequestLimits (iterative) cuts
    // values nested past the limit before the recursive schema sees them.
    json = JSON.parse(bytes.toString('utf8'))
  } catch (error) {
    throw new DecodeError(400, `invalid JSON: ${(error as Error).message}`, 'invalid_json')
  }
  const report = applyRequestLimits(json, limits)
  const parsed = exportRequestSchemas[signal].safeParse(json)
  if (!parsed.success) {
    const first = parsed.error.issues[0]
    throw new DecodeError(400, `invalid OTLP/JSON ${signal} request: ${first ? describeIssue(first) : 'malformed'}`, 'invalid_otlp')
  }
  return { signal, request: parsed.data, limited: { report, message: describeLimits(report, limits) } } as ExportBatch
}
