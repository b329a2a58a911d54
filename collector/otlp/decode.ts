import zlib from 'node:zlib'
import { promisify } from 'node:util'
import type { z } from 'zod'
import { exportRequestSchemas, type Signal } from '../../schemas/otlp'
import type { ExportBatch } from '../ingest'
import { decodeProtobuf } from './proto'

const gunzip = promisify(zlib.gunzip)
const inflate = promisify(zlib.inflate)

export type Encoding = 'json' | 'protobuf'

/** A request refused as a whole, with the HTTP status and the one-line reason sent back. */
export class DecodeError extends Error {
  constructor(
    readonly status: 400 | 413 | 415,
    message: string,
    readonly reason: string,
  ) {
    super(message)
    this.name = 'DecodeError'
  }
}

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
  const where = issue.path.length > 0 ? issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '') : 'body'
  return `${where}: ${issue.message}`
}

/** Bytes (already decompressed) → a validated export request of the given signal. */
export function decodeBody(signal: Signal, encoding: Encoding, bytes: Buffer): ExportBatch {
  if (encoding === 'protobuf') {
    try {
      return { signal, request: decodeProtobuf(signal, bytes) } as ExportBatch
    } catch (error) {
      throw new DecodeError(400, `invalid OTLP protobuf: ${(error as Error).message}`, 'invalid_protobuf')
    }
  }
  let json: unknown
  try {
    json = JSON.parse(bytes.toString('utf8'))
  } catch (error) {
    throw new DecodeError(400, `invalid JSON: ${(error as Error).message}`, 'invalid_json')
  }
  const parsed = exportRequestSchemas[signal].safeParse(json)
  if (!parsed.success) {
    const first = parsed.error.issues[0]
    throw new DecodeError(400, `invalid OTLP/JSON ${signal} request: ${first ? describeIssue(first) : 'malformed'}`, 'invalid_otlp')
  }
  return { signal, request: parsed.data } as ExportBatch
}
