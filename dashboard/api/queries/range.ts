import type { TimeRange } from '../../../schemas/api'

/**
 * The half-open range filter on a code-owned time column. Only the column name (from code) is
 * spliced into SQL; the bounds are typed placeholders.
 */
export const RANGE = (column: 'timestamp' | 'start_timestamp') =>
  `${column} >= {from:DateTime64(3, 'UTC')} AND ${column} < {to:DateTime64(3, 'UTC')}`

/** "2026-11-25T02:27:33.667Z" → "2026-11-25 02:27:33.667", the placeholder's text form. */
export function dateTimeParam(date: Date): string {
  return date.toISOString().replace('T', ' ').replace('Z', '')
}

export function rangeParams(range: TimeRange): { from: string; to: string } {
  return { from: dateTimeParam(range.from), to: dateTimeParam(range.to) }
}
