import { pageRequestUrls } from './plans'

/**
 * The first load's requests, started before the app has loaded: who is signed in, the server facts and the
 * opened page's panels (plans.ts). The app takes each answer when its query first asks for that URL
 * (api.ts getJson), once; anything not taken within EARLY_TTL_MS is dropped, and signing in or out drops
 * everything (an answer fetched for nobody must not be shown to somebody).
 */
const EARLY_TTL_MS = 15_000
const early = new Map<string, Promise<Response>>()

export function startEarly(location: Pick<Location, 'pathname' | 'search'>): void {
  // When the first load's requests start, for `npm run bench:pages` and the browser's performance panel.
  performance.mark('ccscope:early')
  const urls = ['/api/v1/auth/me', '/api/v1/meta', ...pageRequestUrls(location.pathname, new URLSearchParams(location.search))]
  for (const url of urls) {
    const response = fetch(url, { headers: { accept: 'application/json' } })
    // A failure is the taker's to report; untaken, it is nobody's.
    response.catch(() => undefined)
    early.set(url, response)
  }
  setTimeout(dropEarly, EARLY_TTL_MS)
}

/** The early answer for `url`, if one was started and not yet taken. */
export function takeEarly(url: string): Promise<Response> | undefined {
  const response = early.get(url)
  early.delete(url)
  return response
}

export function dropEarly(): void {
  early.clear()
}
