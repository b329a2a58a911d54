/**
 * The rule for what a comparison may be made with, apart from schemas/periods.ts (which says what a range is
 * compared with) so the dashboard's entry chunk can use it without zod. Client-safe, no imports.
 */

/**
 * **Not before the data.** A previous span is compared with only where ccscope's data covers it: its first
 * record (`/meta` `data.first`, in the caller's scope) at or before the span's start. A span that begins
 * before the data holds only part of a period (an organization's first week has no week before it), and
 * comparing with it would show "new" or a rise of 200×. Unknown data start (no data, or not read): covered.
 */
export function previousCovered(previousFrom: Date | string, dataFirst: Date | string | null | undefined): boolean {
  if (dataFirst === null || dataFirst === undefined) return true
  return new Date(dataFirst).getTime() <= new Date(previousFrom).getTime()
}
