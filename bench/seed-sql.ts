/**
 * SQL-building helpers of the seeder (bench/seed.ts): literals, arrays, weighted choices and hashes,
 * spliced into the seeding statements. Every value they splice is a number computed in code or a
 * code-owned string (escaped by `lit`), never input text.
 */

/** A ClickHouse string literal. */
export function lit(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`
}

export function arr(values: readonly string[]): string {
  return `[${values.map(lit).join(', ')}]`
}

export function num(value: number): string {
  if (!Number.isFinite(value)) throw new Error(`not a finite number: ${value}`)
  return String(value)
}

/** An array of numbers. */
export function nums(values: readonly number[]): string {
  return `[${values.map(num).join(', ')}]`
}

/** values[hash % length], 1-based. */
export function pick(values: readonly string[], hash: string): string {
  return `${arr(values)}[1 + (${hash}) % ${values.length}]`
}

/** A choice by weights, from r uniform in [0, sum of weights). */
export function weighted(entries: ReadonlyArray<readonly [string, number]>, r: string): string {
  let acc = 0
  const parts: string[] = []
  entries.forEach(([value, weight], i) => {
    acc += weight
    if (i < entries.length - 1) parts.push(`${r} < ${acc}`, lit(value))
    else parts.push(lit(value))
  })
  return `multiIf(${parts.join(', ')})`
}

/** The 1-based index chosen by weights, from r uniform in [0, sum of weights); `r + 1` when every weight is 1. */
export function weightedIndex(weights: readonly number[], r: string): string {
  if (weights.every((w) => w === 1)) return `(${r}) + 1`
  let acc = 0
  const parts: string[] = []
  weights.forEach((weight, i) => {
    acc += weight
    if (i < weights.length - 1) parts.push(`${r} < ${acc}`, String(i + 1))
    else parts.push(String(i + 1))
  })
  return `multiIf(${parts.join(', ')})`
}

export function total(weights: ReadonlyArray<number | readonly [unknown, number]>): number {
  return weights.reduce<number>((sum, w) => sum + (typeof w === 'number' ? w : w[1]), 0)
}

/** A UUID from two 64-bit hashes. */
export function uuidOf(hi: string, lo: string): string {
  return `reinterpretAsUUID(bitOr(bitShiftLeft(toUInt128(${hi}), 64), toUInt128(${lo})))`
}

/**
 * A bijection of UInt64 that looks random (xor with a key, multiply by an odd constant, xor-shift):
 * half of each row id, so that ids are unique by construction yet spread like the content hashes
 * ingest computes (sequential ids would compress and index unrealistically well).
 */
export function scramble(x: string, key: string): string {
  return `bitXor(bitXor(${x}, ${key}) * 11400714819323198485, bitShiftRight(bitXor(${x}, ${key}) * 11400714819323198485, 31))`
}

/** A map of string pairs. */
export function strMap(pairs: Array<[string, string]>): string {
  return `map(${pairs.map(([k, v]) => `${lit(k)}, ${v}`).join(', ')})`
}
/** A map of string pairs without the pairs whose value is ''. */
export function optionalMap(pairs: Array<[string, string]>): string {
  return `mapFilter((mk, mv) -> mv != '', ${strMap(pairs)})`
}

/** A salted hash of the seed and some SQL expressions (or numbers). */
export type Hash = (...parts: Array<string | number>) => string

export function makeHash(seed: number): Hash {
  return (...parts) => `cityHash64(${num(seed)}, ${parts.map((p) => (typeof p === 'number' ? num(p) : p)).join(', ')})`
}
/** A salt: a string literal mixed into a hash. */
export const salt = lit

/** The text of a JSON string's content (no quotes), for splicing into a JSON document built in SQL. */
export function jsonText(value: string): string {
  return JSON.stringify(value).slice(1, -1)
}
