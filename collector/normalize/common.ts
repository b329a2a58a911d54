import crypto from 'node:crypto'
import type { Resource, Scope } from '../../schemas/otlp'
import { attributesToMap, type AttributeMap } from './attributes'

/** Why a record was not stored. Every reason is counted (ccscope_records_rejected_total). */
export type RejectReason = 'timestamp_invalid' | 'timestamp_too_old' | 'timestamp_in_future' | 'value_missing' | 'value_invalid' | 'metric_name_missing'

export interface Rejection {
  reason: RejectReason
  detail: string
}

export interface NormalizeLimits {
  /** Milliseconds since the epoch at which the request is handled. */
  nowMs: number
  maxRecordAgeMs: number
  maxClockSkewMs: number
}

export interface Normalized<Row> {
  rows: Row[]
  rejected: Rejection[]
}

/** "1795573653667000000" → "1795573653.667000000", the exact DateTime64(9) text form. */
export function nanosToDateTime(nanos: string): string {
  const padded = nanos.padStart(10, '0')
  return `${padded.slice(0, -9)}.${padded.slice(-9)}`
}

export function nanosString(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '0'
  return typeof value === 'number' ? BigInt(Math.trunc(value)).toString() : value.replace(/^0+(?=\d)/, '')
}

/** A record's time, and what of it goes into the record's id. */
export interface RecordTime {
  nanos: string
  /**
   * The time as it enters the record's content id: the time the record carries, or '' when it carries
   * none and `nanos` is the receive time. An exporter's resend arrives at another time, and must get the
   * same id (exactly once).
   */
  identity: string
}

/**
 * Picks a record's time (its own, else the observed time, else now, as the OTLP spec orders them)
 * and checks it falls inside the accepted window. Returns the time in nanoseconds or a rejection.
 */
export function recordTime(candidates: Array<string | number | null | undefined>, limits: NormalizeLimits): RecordTime | Rejection {
  let nanos = ''
  for (const c of candidates) {
    const n = nanosString(c)
    if (n !== '0') {
      nanos = n
      break
    }
  }
  const received = nanos === ''
  if (received) nanos = (BigInt(limits.nowMs) * 1_000_000n).toString()
  const where = windowPosition(nanos, limits)
  if (where === 'invalid') return { reason: 'timestamp_invalid', detail: `time ${nanos} is not a valid Unix time` }
  const ms = Number(BigInt(nanos) / 1_000_000n)
  if (where === 'old') return { reason: 'timestamp_too_old', detail: `time ${new Date(ms).toISOString()} is older than the accepted window` }
  if (where === 'future') return { reason: 'timestamp_in_future', detail: `time ${new Date(ms).toISOString()} is in the future` }
  return { nanos, identity: received ? '' : nanos }
}

/**
 * Rows stamped with their receive time (the record carried no time of its own). Their id leaves the
 * time out, so the writer looks a resend's id up over every stored day rather than over the batch's
 * time range (the first copy was stored under an earlier receive time).
 */
const stampedOnReceipt = new WeakSet<object>()

/** Marks a row as stamped with its receive time (see stampedOnReceipt) and returns it. */
export function markReceiveTime<R extends object>(row: R, time: RecordTime): R {
  if (time.identity === '') stampedOnReceipt.add(row)
  return row
}

export function hasReceiveTime(row: object): boolean {
  return stampedOnReceipt.has(row)
}

/** Where a time in nanoseconds (decimal text) falls against the accepted window. */
export function windowPosition(nanos: string, limits: NormalizeLimits): 'invalid' | 'old' | 'inside' | 'future' {
  if (!/^\d{1,20}$/.test(nanos)) return 'invalid'
  const ms = Number(BigInt(nanos) / 1_000_000n)
  if (ms < limits.nowMs - limits.maxRecordAgeMs) return 'old'
  if (ms > limits.nowMs + limits.maxClockSkewMs) return 'future'
  return 'inside'
}

/**
 * A secondary time (observed time, span end, span event time): kept when it lies in the accepted
 * window, else replaced by the record's own time. Every stored time is thus one the warehouse can
 * represent (DateTime64(9) ends in 2262; a time past it fails the whole insert).
 */
export function secondaryTime(value: string | number | null | undefined, recordNanos: string, limits: NormalizeLimits): string {
  const nanos = nanosString(value)
  return nanos !== '0' && windowPosition(nanos, limits) === 'inside' ? nanos : recordNanos
}

/** A usage amount (cost, tokens) as stored: finite, non-negative, at most max; integers where asked. */
export function validAmount(n: number, max: number, integer: boolean): boolean {
  return Number.isFinite(n) && n >= 0 && n <= max && (!integer || Number.isInteger(n))
}

export function isRejection(value: object): value is Rejection {
  return 'reason' in value
}

/** A stable UUID from content: the same record re-sent (an exporter retry) gets the same id. */
export function contentId(...parts: unknown[]): string {
  // One-shot hash: the same digest as createHash().update().digest(), without a Hash object per record.
  const h = crypto.hash('sha256', JSON.stringify(parts), 'hex')
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`
}

export interface ScopeContext {
  resource: AttributeMap
  scope: { name: string; version: string; attributes: AttributeMap }
  /** Hash of resource and scope, mixed into every record id and series id below them. */
  key: string
}

export function scopeContext(resource: Resource | null | undefined, scope: Scope | null | undefined): ScopeContext {
  const resourceMap = attributesToMap(resource?.attributes)
  const scopeInfo = {
    name: scope?.name ?? '',
    version: scope?.version ?? '',
    attributes: attributesToMap(scope?.attributes),
  }
  return { resource: resourceMap, scope: scopeInfo, key: contentId(resourceMap, scopeInfo) }
}

export function scopeColumns(ctx: ScopeContext) {
  return {
    resource_attributes: ctx.resource,
    scope_name: ctx.scope.name,
    scope_version: ctx.scope.version,
    scope_attributes: ctx.scope.attributes,
  }
}
