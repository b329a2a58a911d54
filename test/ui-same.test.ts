import { describe, expect, it } from 'vitest'
import { sameProps } from '../dashboard/ui/prepare/same'
import { defined } from './helpers/defined'

describe('sameProps (charts drawn again only when their data changes)', () => {
  const format = (v: number) => String(v)
  it('is true for rebuilt data with the same values', () => {
    const a = { data: [{ period: '2026-12-01', value: 1 }], format, label: 'x' }
    const b = { data: [{ period: '2026-12-01', value: 1 }], format, label: 'x' }
    expect(sameProps(a, b)).toBe(true)
  })
  it('is false when a value, a row, a label or a formatter differs', () => {
    const a = { data: [{ period: '2026-12-01', value: 1 }], format, label: 'x' }
    expect(sameProps(a, { ...a, data: [{ period: '2026-12-01', value: 2 }] })).toBe(false)
    expect(sameProps(a, { ...a, data: [...a.data, { period: '2026-12-02', value: 1 }] })).toBe(false)
    expect(sameProps(a, { ...a, data: [{ period: '2026-12-01', value: 1, other: 0 } as { period: string; value: number }] })).toBe(false)
    expect(sameProps(a, { ...a, label: 'y' })).toBe(false)
    expect(sameProps(a, { ...a, format: (v: number) => String(v) })).toBe(false)
    expect(sameProps({ keys: ['a', 'b'] }, { keys: ['b', 'a'] })).toBe(false)
  })
  it('does not look deeper than a row: nested objects compare by identity', () => {
    const nested = { data: [{ v: { x: 1 } }] }
    expect(sameProps(nested, { data: [{ v: { x: 1 } }] })).toBe(false)
    expect(sameProps(nested, { data: [{ v: defined(nested.data[0]).v }] })).toBe(true)
  })
})
