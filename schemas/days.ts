/**
 * Calendar-day arithmetic on local dates (YYYY-MM-DD), shared by the dashboard's filters, budgets and
 * reports. A date names a day, not an instant: no zone is involved. Client-safe.
 */

const DAY_MS = 86_400_000

/** YYYY-MM-DD + n days. */
export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10)
}

/** Whole days from one date to another. */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS)
}

/** Saturday or Sunday. */
export function isWeekend(date: string): boolean {
  const weekday = new Date(`${date}T00:00:00Z`).getUTCDay()
  return weekday === 0 || weekday === 6
}

/** The calendar month holding `date`: its first and last day. */
export function monthOf(date: string): { firstDay: string; lastDay: string } {
  const first = `${date.slice(0, 7)}-01`
  const next = new Date(Date.parse(`${first}T00:00:00Z`))
  next.setUTCMonth(next.getUTCMonth() + 1)
  return { firstDay: first, lastDay: addDays(next.toISOString().slice(0, 10), -1) }
}
