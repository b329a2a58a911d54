import { BUCKET_MS, zonedInstant, zonedMidnight, zoneOffsetMs, type ResolvedRange } from './analytics'

/**
 * The one rule for what a range shows and what it is compared with (docs/numbers.md, "Comparisons"). Client-safe.
 *
 * - **Up to now.** Every answer covers its range up to the end of the 15-minute bucket holding `now` at
 *   the latest: a range that reaches into the future is answered up to there (and says so: its
 *   `range.to` and `partial`). Every panel of a page, its CSV and the summary then cover the same
 *   buckets, so their totals agree.
 * - **Like with like.** A range is compared with the same elapsed span of the period before it: the
 *   previous period starts one nominal period length (the range as asked, e.g. 7 days) earlier, and is cut
 *   at the same point. Monday 00:00 to Thursday 14:15 of this week is compared with Monday 00:00 to
 *   Thursday 14:15 of last week, not with all of last week. A range wholly in the past is compared with
 *   the whole period before it. The spans are whole buckets, so the current one may be up to 15 minutes
 *   younger than the previous one (its last bucket is still filling): at most 15 minutes of a day's
 *   comparison, 0.15 % of a week's.
 * - **Months are calendar months.** A range of whole calendar months (from the 1st of a month to the 1st
 *   of a later one, local midnights in its zone) is compared with as many calendar months before it: a
 *   whole month with the whole month before, however long each is (November's 30 days with October's 31);
 *   this month, not over yet (1 December to now, 4 December 14:15), with the same elapsed span from the 1st
 *   of last month (1 November to 4 November 14:15), never running into the current month (1 March to
 *   30 March 12:00 is compared with all of February).
 */

/** The range as answered: cut at the end of the bucket holding `now` (never before `from`). */
export function answeredRange(range: ResolvedRange, now: Date): ResolvedRange {
  const bucketEnd = Math.floor(now.getTime() / BUCKET_MS) * BUCKET_MS + BUCKET_MS
  const to = Math.max(range.from.getTime(), Math.min(range.to.getTime(), bucketEnd))
  return { from: range.from, to: new Date(to), timeZone: range.timeZone }
}

/** Whether the answered range stops short of the range asked for (the rest is still to come). */
export function isPartial(asked: ResolvedRange, answered: ResolvedRange): boolean {
  return answered.to.getTime() < asked.to.getTime()
}

/**
 * The previous period's span to compare `answered` with: one nominal length (`asked`) earlier, as long
 * as `answered`. Null when nothing of the range has happened yet. Ranges of whole local days (and months) are
 * shifted by calendar days in their zone, so a comparison across a daylight-saving change runs from local
 * midnight to local midnight, and one not over yet is cut at the same wall-clock time.
 */
export function previousRange(asked: ResolvedRange, answered: ResolvedRange): ResolvedRange | null {
  const elapsed = answered.to.getTime() - answered.from.getTime()
  if (elapsed <= 0) return null
  const start = monthOf(asked.from, asked.timeZone)
  const end = monthOf(asked.to, asked.timeZone)
  if (start.first && end.first) {
    // Whole calendar months: as many months earlier, whole when the range is over, else cut at the same elapsed span.
    const months = (end.year - start.year) * 12 + (end.month - start.month)
    const from = monthStart(start.year, start.month - months, asked.timeZone)
    return { from, to: new Date(cutAt(asked, answered, from, (wall) => shiftMonths(wall, -months))), timeZone: asked.timeZone }
  }
  if (start.midnight && end.midnight) {
    // Whole local days: as many calendar days earlier (a day of 23 or 25 hours is still a day).
    const days = Math.round((wallOf(asked.to, asked.timeZone) - wallOf(asked.from, asked.timeZone)) / DAY_MS)
    const from = daysBefore(asked.from, days, asked.timeZone)
    return { from, to: new Date(cutAt(asked, answered, from, (wall) => wall - days * DAY_MS)), timeZone: asked.timeZone }
  }
  const length = asked.to.getTime() - asked.from.getTime()
  const from = asked.from.getTime() - length
  return { from: new Date(from), to: new Date(from + elapsed), timeZone: asked.timeZone }
}

const DAY_MS = 86_400_000

/** An instant's wall-clock time in a zone, written as UTC milliseconds. */
function wallOf(instant: Date, timeZone: string): number {
  return instant.getTime() + zoneOffsetMs(instant, timeZone)
}

/** The instant `days` calendar days before `instant` in a zone: the same wall-clock time (a day of 23 or 25 hours is a day). */
export function daysBefore(instant: Date, days: number, timeZone: string): Date {
  return zonedInstant(wallOf(instant, timeZone) - days * DAY_MS, timeZone)
}

/**
 * A wall-clock time `months` calendar months later (earlier when negative), same day and time; a day the month
 * does not have rolls into the next (30 March back one month is 2 March: cut at the range's start, all of February).
 */
function shiftMonths(wall: number, months: number): number {
  const d = new Date(wall)
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + months, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds())
}

/**
 * The end of the previous span that starts at `from`: the start of the range when the range is over (the whole
 * period before), else the same wall-clock time as the answer's end, shifted by `back`, never past the range's start.
 */
function cutAt(asked: ResolvedRange, answered: ResolvedRange, from: Date, back: (wall: number) => number): number {
  if (answered.to.getTime() === asked.to.getTime()) return asked.from.getTime()
  const to = zonedInstant(back(wallOf(answered.to, asked.timeZone)), asked.timeZone).getTime()
  return Math.max(from.getTime(), Math.min(to, asked.from.getTime()))
}

/**
 * The local year and month (0-based) of an instant in a zone; whether it is a local midnight, and the one
 * starting the 1st.
 */
function monthOf(instant: Date, timeZone: string): { year: number; month: number; first: boolean; midnight: boolean } {
  const wall = new Date(wallOf(instant, timeZone))
  const midnight = wall.getUTCHours() === 0 && wall.getUTCMinutes() === 0 && wall.getUTCSeconds() === 0
  return { year: wall.getUTCFullYear(), month: wall.getUTCMonth(), first: midnight && wall.getUTCDate() === 1, midnight }
}

/** Local midnight starting the 1st of a month (0-based, may be out of 0–11: it rolls over years). */
function monthStart(year: number, month: number, timeZone: string): Date {
  const d = new Date(Date.UTC(year, month, 1))
  return zonedMidnight(d.toISOString().slice(0, 10), timeZone)
}
