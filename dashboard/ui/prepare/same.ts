/**
 * Whether a chart's props would draw the same picture: each prop the same value, or an array of the same
 * values (rows compared field by field, one level deep). Pages build their chart data afresh on every render
 * (a page re-renders as each of its queries lands), and drawing a recharts chart is the slowest part of a
 * page's first load; a chart whose data did not change is not drawn again (React.memo with this test).
 * Functions (formatters) are compared by identity, so pass module-level ones.
 */
export function sameProps<P extends object>(a: Readonly<P>, b: Readonly<P>): boolean {
  const keys = Object.keys(a) as (keyof P)[]
  if (keys.length !== Object.keys(b).length) return false
  return keys.every((k) => sameValue(a[k], b[k], 2))
}

function sameValue(a: unknown, b: unknown, depth: number): boolean {
  if (Object.is(a, b)) return true
  if (depth === 0 || typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false
  if (Array.isArray(a) !== Array.isArray(b)) return false
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => sameValue(v, b[i], depth - 1))
  const ka = Object.keys(a)
  const kb = Object.keys(b)
  if (ka.length !== kb.length) return false
  return ka.every((k) => Object.hasOwn(b, k) && sameValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], depth - 1))
}
