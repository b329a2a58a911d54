import { zoneOffsetMs, type ResolvedRange } from '../../../schemas/analytics'

/** "2026-11-25T02:15:00.000Z" → "2026-11-25 02:15:00", the text form of a DateTime('UTC') placeholder. */
export function dateTimeParam(date: Date): string {
  return date.toISOString().slice(0, 19).replace('T', ' ')
}

export function rangeParams(range: Pick<ResolvedRange, 'from' | 'to'>): { from: string; to: string } {
  return { from: dateTimeParam(range.from), to: dateTimeParam(range.to) }
}

/** Unix seconds → ISO-8601 local time with the zone's offset: 2026-11-04T00:00:00+05:30 (Z for UTC). */
export function formatPeriodStart(unixSeconds: number, timeZone: string): string {
  const instant = new Date(unixSeconds * 1000)
  const offset = zoneOffsetMs(instant, timeZone)
  const local = new Date(instant.getTime() + offset).toISOString().slice(0, 19)
  if (offset === 0 && timeZone === 'UTC') return `${local}Z`
  const sign = offset < 0 ? '-' : '+'
  const minutes = Math.abs(offset) / 60_000
  return `${local}${sign}${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`
}

/** ClickHouse's "2026-11-25 02:27:33.667000000" (a UTC DateTime or DateTime64) → ISO-8601 with Z, to the millisecond. */
export function isoFromClickHouse(text: string): string {
  const [date, time = '00:00:00'] = text.split(' ')
  const [hms, fraction = ''] = time.split('.')
  return `${date}T${hms}.${fraction.padEnd(3, '0').slice(0, 3)}Z`
}
