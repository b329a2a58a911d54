import { describe, expect, it } from 'vitest'
import type { WastePattern } from '../schemas/waste'
import { wasteTotal, wasteView } from '../dashboard/ui/prepare/waste'

const base: WastePattern = {
  kind: 'denialLoop',
  title: 'Denial loops',
  rule: 'rule',
  pricing: 'pricing',
  sessions: 2,
  occurrences: 9,
  usd: 3,
  usdPerMonth: 90,
  examples: [],
}

describe('waste patterns on the page', () => {
  it('say what was found and what it costs a month, or that it is not priced', () => {
    expect(wasteView(base)).toMatchObject({ found: '2 sessions, 9 times', price: '$90.00 a month', priced: true })
    expect(wasteView({ ...base, sessions: 1, occurrences: 1 }).found).toBe('1 session, 1 time')
    expect(wasteView({ ...base, sessions: 0, occurrences: 0, usd: 0, usdPerMonth: 0 })).toMatchObject({ found: 'none in this range', price: '$0.00 a month' })
    expect(wasteView({ ...base, kind: 'retryStorm', usd: null, usdPerMonth: null })).toMatchObject({ price: 'not priced', priced: false })
  })

  it('totals only what is priced', () => {
    expect(wasteTotal([base, { ...base, usdPerMonth: 10.5 }, { ...base, usd: null, usdPerMonth: null }])).toBe(100.5)
  })
})
