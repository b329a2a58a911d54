import type { Signal } from '../../schemas/otlp'
import { decodeProtobuf, requestTypes } from '../../collector/otlp/proto'
import { FIXTURE_FOLDERS, loadFixture } from '../helpers/fixtures'

/** A real Claude Code request, in both encodings: what the mutators start from. */
export interface Seed {
  name: string
  signal: Signal
  /** The OTLP/JSON document (never mutated: mutators work on copies). */
  json: Record<string, unknown>
  /** The protobuf encoding. */
  protobuf: Buffer
}

/** Every captured request of every fixture folder. */
export function loadSeeds(): Seed[] {
  const seeds: Seed[] = []
  for (const folder of FIXTURE_FOLDERS) {
    for (const request of loadFixture(folder)) {
      const isProtobuf = request.headers['content-type']?.includes('protobuf') ?? false
      const json = isProtobuf
        ? (decodeProtobuf(request.signal, request.body) as Record<string, unknown>)
        : (JSON.parse(request.body.toString('utf8')) as Record<string, unknown>)
      const protobuf = isProtobuf ? request.body : encodeProtobuf(request.signal, json)
      seeds.push({ name: `${folder}/${request.name}`, signal: request.signal, json, protobuf })
    }
  }
  return seeds
}

/**
 * OTLP/JSON-shaped object → protobuf bytes, through protobufjs (hex ids are read as base64 there:
 * harmless for fuzzing). Throws when the object cannot be expressed in protobuf.
 */
export function encodeProtobuf(signal: Signal, json: unknown): Buffer {
  const type = requestTypes[signal]
  return Buffer.from(type.encode(type.fromObject(json as Record<string, unknown>)).finish())
}
