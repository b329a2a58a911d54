/**
 * Exact money: decimal text to integer micro-dollars and back, with no floating-point step in between, so
 * that what a bill says (cents in the Admin API, dollars in a CSV) is stored exactly. Client-safe.
 */

const DECIMAL = /^(\d{1,15})(?:\.(\d{1,12}))?$/

/**
 * "186.25" at `scale` (how many decimal places a unit of the text is below a micro-dollar: 4 for cents,
 * 6 for dollars) → integer micro-dollars. Null when the text is not a plain non-negative decimal, or has more
 * digits after the point than a micro-dollar holds (rounding money silently is not this function's call).
 */
export function decimalToMicros(text: string, scale: 4 | 6): number | null {
  const match = DECIMAL.exec(text.trim())
  if (!match) return null
  const [, whole = '0', fraction = ''] = match
  const kept = fraction.replace(/0+$/, '')
  if (kept.length > scale) return null
  const micros = Number(whole) * 10 ** scale + Number(kept.padEnd(scale, '0') || '0')
  return Number.isSafeInteger(micros) ? micros : null
}

/** A JSON number or decimal string of the same meaning → micro-dollars (see decimalToMicros). */
export function amountToMicros(amount: number | string, scale: 4 | 6): number | null {
  if (typeof amount === 'number') {
    if (!Number.isFinite(amount) || amount < 0) return null
    // A JSON number prints back as the shortest text that reads as the same double: "186.5", never "186.49999".
    return decimalToMicros(String(amount), scale)
  }
  return decimalToMicros(amount, scale)
}

/** Micro-dollars → whole cents, half away from zero. */
export function microsToCents(micros: number): number {
  const abs = Math.abs(Math.round(micros))
  const rounded = Math.trunc(abs / 10_000) + (abs % 10_000 >= 5_000 ? 1 : 0)
  return micros < 0 ? -rounded : rounded
}

/** Whole cents → dollars as the API answers them (two decimals exactly representable as text). */
export function centsToUsd(cents: number): number {
  return cents / 100
}

/**
 * How every dollar figure summed from telemetry is rounded before it is shown or exported: to whole
 * micro-dollars (the precision of Claude Code's cost_usd_micros), the same way everywhere, so that a total
 * is the same on every page. A floating-point sum read in another order (the engine reads a query's parts
 * on several threads) can differ in its last bits, and a sum whose exact value lies on a half micro-dollar
 * (common: tokens × a list price per token are multiples of 1e-7) would then round up on one page and down
 * on the next. So the value is first snapped to nano-dollars, which absorbs that noise, then rounded.
 * (Above SNAP_BELOW_USD nano-dollars are no longer exact in a double, and the noise is far below a micro-dollar.)
 * dashboard/api/queries/reconciliation.ts does the same in SQL.
 */
export const SNAP_BELOW_USD = 9e6

/** Dollars → whole micro-dollars (see above). */
export function usdMicros(usd: number): number {
  return Math.round(Math.abs(usd) < SNAP_BELOW_USD ? Math.round(usd * 1e9) / 1e3 : usd * 1e6)
}

/** Dollars, rounded to the micro-dollar (see usdMicros). */
export function roundUsd(usd: number): number {
  return usdMicros(usd) / 1e6
}
