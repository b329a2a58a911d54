import { DATASETS, type DatasetName } from '../../schemas/datasets'
import { addDays, daysBetween } from '../../schemas/days'

/**
 * The global filters, kept in the URL so that a view can be shared: range (a preset or custom dates),
 * time zone, team, user, model. Pure: parsing, serializing and turning filters into API parameters.
 */
/** Ranges ending today, as days; and calendar months: this month (to date) and last month. */
export const PRESETS = { '7d': 7, '30d': 30, '90d': 90, mtd: 'this month', lastMonth: 'last month' } as const
export type Preset = keyof typeof PRESETS | 'custom'

export interface Filters {
  preset: Preset
  /** Custom range, inclusive dates (YYYY-MM-DD) in tz. */
  from: string
  to: string
  tz: string
  teams: string[]
  user: string
  model: string
}

export const DEFAULT_FILTERS: Filters = { preset: '30d', from: '', to: '', tz: 'UTC', teams: [], user: '', model: '' }

const DATE = /^\d{4}-\d{2}-\d{2}$/

export function parseFilters(search: URLSearchParams): Filters {
  const preset = search.get('range') ?? ''
  const from = search.get('from') ?? ''
  const to = search.get('to') ?? ''
  const custom = DATE.test(from) && DATE.test(to) && from <= to
  return {
    preset: custom ? 'custom' : preset in PRESETS ? (preset as Preset) : DEFAULT_FILTERS.preset,
    from: custom ? from : '',
    to: custom ? to : '',
    tz: search.get('tz') || 'UTC',
    teams: search.getAll('team').filter((t) => t.length > 0),
    user: search.get('user') ?? '',
    model: search.get('model') ?? '',
  }
}

/** Filters → URL search, leaving defaults out so links stay short. Other parameters in `base` are kept. */
export function filtersToSearch(filters: Filters, base = new URLSearchParams()): URLSearchParams {
  const out = new URLSearchParams(base)
  for (const key of ['range', 'from', 'to', 'tz', 'team', 'user', 'model']) out.delete(key)
  if (filters.preset === 'custom') {
    out.set('from', filters.from)
    out.set('to', filters.to)
  } else if (filters.preset !== DEFAULT_FILTERS.preset) out.set('range', filters.preset)
  if (filters.tz !== 'UTC') out.set('tz', filters.tz)
  for (const team of filters.teams) out.append('team', team)
  if (filters.user) out.set('user', filters.user)
  if (filters.model) out.set('model', filters.model)
  return out
}

const dayFormats = new Map<string, Intl.DateTimeFormat>()

/** Today's date (YYYY-MM-DD) in a zone. */
export function todayIn(tz: string, now = new Date()): string {
  let f = dayFormats.get(tz)
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' })
    dayFormats.set(tz, f)
  }
  return f.format(now)
}

/** The local date (YYYY-MM-DD) of an instant in a zone; null for none (no data yet). */
export function dayIn(iso: string | null | undefined, tz: string): string | null {
  return iso ? todayIn(tz, new Date(iso)) : null
}

export { addDays, daysBetween }

export interface DateRange {
  /** First day, inclusive. */
  from: string
  /** Day after the last: the API's exclusive `to`. */
  to: string
  days: number
  /** Day after the last day a chart draws: `to`, or tomorrow when the range reaches past today (this month). */
  drawnTo: string
}

/** The first day of the month `months` after the one holding `date` (YYYY-MM-DD). */
function monthStart(date: string, months = 0): string {
  const d = new Date(`${date.slice(0, 8)}01T00:00:00Z`)
  d.setUTCMonth(d.getUTCMonth() + months)
  return d.toISOString().slice(0, 10)
}

/**
 * The whole days the filters cover: a day preset ends today (included); "this month" is the whole calendar
 * month, which the API answers up to now and compares with the same span of last month (schemas/periods.ts);
 * "last month" the whole month before.
 */
export function dateRange(filters: Filters, now = new Date()): DateRange {
  const today = todayIn(filters.tz, now)
  const tomorrow = addDays(today, 1)
  const range = (from: string, to: string): DateRange => ({ from, to, days: daysBetween(from, to), drawnTo: to < tomorrow ? to : tomorrow })
  if (filters.preset === 'custom') return range(filters.from, addDays(filters.to, 1))
  if (filters.preset === 'mtd') return range(monthStart(today), monthStart(today, 1))
  if (filters.preset === 'lastMonth') return range(monthStart(today, -1), monthStart(today))
  return range(addDays(tomorrow, -PRESETS[filters.preset]), tomorrow)
}

export type Params = Record<string, string | number | string[] | undefined>

/**
 * API parameters for a dataset: the range, the zone and the filters the dataset knows (model only
 * applies to cost), plus extras.
 */
export function datasetParams(filters: Filters, dataset: DatasetName | 'summary', range: DateRange, extra: Params = {}): Params {
  const dims: readonly string[] = dataset === 'summary' ? ['user', 'team'] : DATASETS[dataset].dimensions
  return {
    from: range.from,
    to: range.to,
    tz: filters.tz,
    ...(dims.includes('team') && filters.teams.length ? { team: filters.teams } : {}),
    ...(dims.includes('user') && filters.user ? { user: filters.user } : {}),
    ...(dims.includes('model') && filters.model ? { model: filters.model } : {}),
    ...extra,
  }
}

export function toQueryString(params: Params): string {
  const search = new URLSearchParams()
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === '') continue
    if (Array.isArray(value)) for (const v of value) search.append(key, v)
    else search.set(key, String(value))
  }
  return search.toString()
}
