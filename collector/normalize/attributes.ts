import type { AnyValue, KeyValue } from '../../schemas/otlp'

/** An attribute map as stored: every value a string (see anyValueToString). */
import type { AttributeMap } from '../../warehouse/rows'

export type { AttributeMap }

type Plain = string | number | boolean | null | Plain[] | { [key: string]: Plain }

/** An AnyValue as a plain JSON value (arrays and kvlists nested). */
export function anyValueToPlain(value: AnyValue | null | undefined): Plain {
  if (!value) return null
  if (value.stringValue != null) return value.stringValue
  if (value.boolValue != null) return value.boolValue
  if (value.intValue != null) return typeof value.intValue === 'number' ? value.intValue : Number(value.intValue)
  if (value.doubleValue != null) return typeof value.doubleValue === 'number' ? value.doubleValue : String(value.doubleValue)
  if (value.arrayValue != null) return (value.arrayValue.values ?? []).map(anyValueToPlain)
  if (value.kvlistValue != null) {
    const out: { [key: string]: Plain } = {}
    for (const kv of value.kvlistValue.values ?? []) out[kv.key] = anyValueToPlain(kv.value)
    return out
  }
  if (value.bytesValue != null) return value.bytesValue
  return null
}

/**
 * The string form of an attribute value: strings as is, integers in decimal (64-bit exact), doubles
 * as JavaScript prints them, booleans as true/false, arrays and kvlists as JSON, bytes as base64.
 */
export function anyValueToString(value: AnyValue | null | undefined): string {
  if (!value) return ''
  if (value.stringValue != null) return value.stringValue
  if (value.intValue != null) return String(value.intValue)
  if (value.doubleValue != null) return String(value.doubleValue)
  if (value.boolValue != null) return value.boolValue ? 'true' : 'false'
  if (value.bytesValue != null) return value.bytesValue
  if (value.arrayValue != null || value.kvlistValue != null) return JSON.stringify(anyValueToPlain(value))
  return ''
}

export function attributesToMap(attributes: KeyValue[] | null | undefined): AttributeMap {
  const out: AttributeMap = {}
  if (!attributes) return out
  for (const kv of attributes) out[kv.key] = anyValueToString(kv.value)
  return out
}

/** A number from an attribute string ('' and non-numbers give 0). */
export function numberAttr(value: string | undefined): number {
  if (value === undefined || value === '') return 0
  const n = Number(value)
  return Number.isFinite(n) ? n : 0
}
