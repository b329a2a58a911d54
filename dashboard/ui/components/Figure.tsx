import { NOT_REPORTED_HINT } from '../format'

/**
 * A figure in a table cell: null (not reported: the row sends no telemetry this figure comes from) is a
 * muted "—" with the reason on hover, never a 0.
 */
export function Figure({
  value,
  format,
  hint = NOT_REPORTED_HINT,
}: {
  value: number | null | undefined
  format: (value: number | null | undefined) => string
  /** Why the figure is missing, on hover: by default, not reported. */
  hint?: string
}) {
  if (value === null)
    return (
      <span className="not-reported" title={hint} data-not-reported="">
        —
      </span>
    )
  return <>{format(value)}</>
}
