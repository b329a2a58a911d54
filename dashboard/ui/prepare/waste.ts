import type { WastePattern } from '../../../schemas/waste'
import { formatCount, formatUsd } from '../format'

/** A waste pattern as the Policy page's card lists it (pure; tested in test/ui-prepare-waste.test.ts). */
export interface WasteView {
  title: string
  found: string
  /** Per 30 days, or why it is not priced. */
  price: string
  priced: boolean
  rule: string
  pricing: string
}

export function wasteView(p: WastePattern): WasteView {
  const found =
    p.sessions === 0
      ? 'none in this range'
      : `${formatCount(p.sessions)} session${p.sessions === 1 ? '' : 's'}, ${formatCount(p.occurrences)} time${p.occurrences === 1 ? '' : 's'}`
  const priced = p.usdPerMonth !== null
  return {
    title: p.title,
    found,
    price: priced ? `${formatUsd(p.usdPerMonth)} a month` : 'not priced',
    priced,
    rule: p.rule,
    pricing: p.pricing,
  }
}

/** The priced patterns' total per 30 days (the unpriced ones are left out, and the page says so). */
export function wasteTotal(patterns: readonly WastePattern[]): number {
  return patterns.reduce((sum, p) => sum + (p.usdPerMonth ?? 0), 0)
}
