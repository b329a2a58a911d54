import { rateView } from '../format'

/**
 * A rate with the counts it comes from on hover; below MIN_RATE_DENOMINATOR the counts are shown and the
 * rate is greyed, so 100 % of one call does not read like 40 % of ten thousand.
 */
export function Rate({ numerator, denominator, of }: { numerator: number | null | undefined; denominator: number | null | undefined; of: string }) {
  const r = rateView(numerator, denominator)
  if (r.counts === '') return <>{r.text}</>
  return (
    <span
      className={r.low ? 'rate low-n' : 'rate'}
      title={r.low ? `${r.counts} ${of}: too few to compare` : `${r.counts} ${of}`}
      data-low-n={r.low ? '' : undefined}
    >
      {r.text}
      {r.low ? <span className="rate-counts"> ({r.counts})</span> : null}
    </span>
  )
}
