import type { MetaResponse } from '../../../schemas/meta'
import { formatCount, formatDuration } from '../format'

/**
 * While a history loads (the demo's backfill): what the banner says, how often the dashboard asks the
 * server again, and when the pages' figures are fetched anew. Pure, so that the rules are tested apart
 * from React.
 */

/** Meta is asked again this often while a history loads, and while nothing has arrived yet; never once data is there. */
export const LOADING_POLL_MS = 2000
export const EMPTY_POLL_MS = 5000
/** While a history loads, the pages' figures are fetched again at most this often (each page asks ~10 queries). */
export const REFRESH_WHILE_LOADING_MS = 5000

export function metaPollInterval(meta: MetaResponse | undefined): number | false {
  if (!meta) return false
  if (meta.loading?.state === 'loading') return LOADING_POLL_MS
  return meta.data.events === 0 ? EMPTY_POLL_MS : false
}

export interface LoadingBanner {
  tone: 'progress' | 'failed'
  title: string
  detail: string
  percent: number
}

const day = new Intl.DateTimeFormat('en-US', { month: 'short', day: 'numeric', timeZone: 'UTC' })

export function loadingBanner(meta: MetaResponse | undefined): LoadingBanner | null {
  const l = meta?.loading
  if (!l || l.state === 'complete') return null
  if (l.state === 'failed')
    return {
      tone: 'failed',
      title: `Loading ${l.what} stopped at ${Math.floor(l.percent)}%`,
      detail: `${l.message ?? 'unknown error'}. Start ccscope again to resume; the log says more.`,
      percent: l.percent,
    }
  const left = l.etaSeconds === null ? '' : `, about ${formatDuration(l.etaSeconds)} left`
  const complete = l.loadedFrom
    ? ` Figures are complete from ${day.format(new Date(l.loadedFrom))} on; older days fill in as they load.`
    : ' The newest day comes first.'
  return {
    tone: 'progress',
    title: `Loading ${l.what}: ${Math.floor(l.percent)}%`,
    detail: `${formatCount(l.records.loaded)} of ${formatCount(l.records.total)} records${left}.${complete}`,
    percent: l.percent,
  }
}

/** What of meta decides a refresh of the pages' figures. */
export interface LoadSnapshot {
  events: number
  state: 'loading' | 'complete' | 'failed' | null
  loaded: number
}

export function loadSnapshot(meta: MetaResponse): LoadSnapshot {
  return { events: meta.data.events, state: meta.loading?.state ?? null, loaded: meta.loading?.records.loaded ?? 0 }
}

/**
 * Whether the pages' figures should be fetched again, given meta when they last were (`before`) and
 * now: the first data arrived (they were fetched against an empty warehouse), a load finished or
 * failed, or more of it is in and the last refresh is older than REFRESH_WHILE_LOADING_MS.
 */
export function shouldRefresh(before: LoadSnapshot, now: LoadSnapshot, msSinceRefresh: number): boolean {
  if (before.events === 0 && now.events > 0) return true
  if (before.state === 'loading' && now.state !== 'loading') return true
  return now.state === 'loading' && now.loaded > before.loaded && msSinceRefresh >= REFRESH_WHILE_LOADING_MS
}
