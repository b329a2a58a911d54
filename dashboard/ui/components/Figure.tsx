import { NOT_REPORTED_HINT } from '../format'

/**
 * A figure in a table cell: null (not reported: the row sends no telemetry this figure comes from) is a
 * muted "—" with the reason on hover, never a 0.
 */
export function Figure({ value, format }: { value: number | null | undefined; format: (value: number | null | undefined) => string }) {
  if (value === null)
    return (
      <span className="not-reported" title={NOT_REPORTED_HINT} data-not-reported="">
        —
      </span>
    )
  return <>{format(value)}</>
}
