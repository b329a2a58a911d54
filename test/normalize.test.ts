import { describe, expect, it } from 'vitest'
import { anyValueToString, attributesToMap } from '../collector/normalize/attributes'
import { nanosToDateTime, recordTime } from '../collector/normalize/common'
import { resolveIdentity } from '../collector/normalize/identity'
import { normalizeLogs } from '../collector/normalize/logs'
import { normalizeMetrics } from '../collector/normalize/metrics'
import { costMetrics, events, apiRequest } from './helpers/otlp-factory'

const limits = { nowMs: Date.now(), maxRecordAgeMs: 86_400_000, maxClockSkewMs: 60_000 }

describe('identity', () => {
  it('resolves user.email → enduser.id → user.account_uuid → user.id and keeps them all', () => {
    const all = { 'user.email': 'e@x', 'enduser.id': 'end', 'user.account_uuid': 'acc', 'user.id': 'inst' }
    expect(resolveIdentity(all, {}).user_key).toBe('e@x')
    expect(resolveIdentity({ ...all, 'user.email': '' }, {}).user_key).toBe('end')
    expect(resolveIdentity({ 'user.account_uuid': 'acc', 'user.id': 'inst' }, {}).user_key).toBe('acc')
    expect(resolveIdentity({ 'user.id': 'inst' }, {})).toMatchObject({ user_key: 'inst', user_id: 'inst', user_email: '' })
  })

  it('reads the resource when the record lacks a key', () => {
    const id = resolveIdentity({ 'user.id': 'inst' }, { 'enduser.id': 'from-resource', 'team.id': 'web', cost_center: 'cc-1' })
    expect(id).toMatchObject({ user_key: 'from-resource', team_id: 'web', cost_center: 'cc-1' })
  })
})

describe('attribute values', () => {
  it('keeps every value type as text', () => {
    expect(anyValueToString({ intValue: '9007199254740993' })).toBe('9007199254740993')
    expect(anyValueToString({ intValue: 7 })).toBe('7')
    expect(anyValueToString({ doubleValue: 0.5 })).toBe('0.5')
    expect(anyValueToString({ boolValue: false })).toBe('false')
    expect(anyValueToString({ arrayValue: { values: [{ stringValue: 'file' }, { intValue: 2 }] } })).toBe('["file",2]')
    expect(anyValueToString({ kvlistValue: { values: [{ key: 'a', value: { boolValue: true } }] } })).toBe('{"a":true}')
    expect(attributesToMap([{ key: 'k' }])).toEqual({ k: '' })
  })
})

describe('times', () => {
  it('formats nanoseconds exactly', () => {
    expect(nanosToDateTime('1795573653667000001')).toBe('1795573653.667000001')
    expect(nanosToDateTime('5')).toBe('0.000000005')
  })
  it('falls back to the observed time, then now, and rejects times outside the window', () => {
    const now = `${BigInt(limits.nowMs) * 1_000_000n}`
    expect(recordTime(['0', now], limits)).toEqual({ nanos: now, identity: now })
    // No time at all: stored at the receive time, which is not part of the record's identity.
    expect(recordTime([undefined, undefined], limits)).toEqual({ nanos: now, identity: '' })
    expect(recordTime(['1000'], limits)).toMatchObject({ reason: 'timestamp_too_old' })
    expect(recordTime([`${BigInt(limits.nowMs + 3600_000) * 1_000_000n}`], limits)).toMatchObject({ reason: 'timestamp_in_future' })
  })
})

describe('logs', () => {
  it('names events from event.name and prefers the exact cost_usd_micros', () => {
    const out = normalizeLogs(events({ user: 'u@x', session: 's' }, [apiRequest(limits.nowMs - 1000, 0.012345)]), limits)
    expect(out.rejected).toEqual([])
    expect(out.rows[0]).toMatchObject({ event_name: 'api_request', cost_usd: 0.012345, input_tokens: 100, user_key: 'u@x', session_id: 's' })
  })
  it('gives the same id to the same record, and another id to another', () => {
    const a = normalizeLogs(events({ user: 'u@x', session: 's' }, [apiRequest(limits.nowMs - 1000, 0.01)]), limits).rows[0]
    const b = normalizeLogs(events({ user: 'u@x', session: 's' }, [apiRequest(limits.nowMs - 1000, 0.01)]), limits).rows[0]
    const c = normalizeLogs(events({ user: 'u@x', session: 's' }, [apiRequest(limits.nowMs - 999, 0.01)]), limits).rows[0]
    expect(a?.id).toBe(b?.id)
    expect(a?.id).not.toBe(c?.id)
  })
})

describe('metrics', () => {
  it('rejects NaN and negative counter values, keeps the rest', () => {
    const request = costMetrics({ user: 'u', session: 's' }, 'delta', [
      { startMs: limits.nowMs - 2000, timeMs: limits.nowMs - 1000, value: 0.5 },
      { startMs: limits.nowMs - 2000, timeMs: limits.nowMs - 900, value: -1 },
    ])
    const points = request.resourceMetrics?.[0]?.scopeMetrics?.[0]?.metrics?.[0]?.sum?.dataPoints
    points?.push({ ...points[0], asDouble: 'NaN', timeUnixNano: `${BigInt(limits.nowMs - 800) * 1_000_000n}` })
    const out = normalizeMetrics(request, limits)
    expect(out.rows.map((r) => r.value)).toEqual([0.5])
    expect(out.rejected.map((r) => r.reason)).toEqual(['value_invalid', 'value_invalid'])
  })
})
