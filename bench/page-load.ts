/**
 * One page load or interaction in Chromium, measured (bench/pages.ts): until the page has settled (no request in
 * flight, no skeleton left), with the renderer main thread's busy and script time (CDP Performance metrics) and the
 * CPU both sides spent (bench/cpu.ts); and the network a user would load it over.
 */
import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core'
import { cpuNow, cpuSince, type CpuTimes } from './cpu'

/**
 * Networks a page can be loaded over: none (the browser beside ccscope), or a user's office VPN to a ccscope in
 * a data centre (40 ms round trip, 20 Mbit/s down, 5 up), where the bytes a page downloads count.
 */
export const NETWORKS = {
  local: undefined,
  vpn: { offline: false, latency: 40, downloadThroughput: (20e6 / 8) | 0, uploadThroughput: (5e6 / 8) | 0 },
} as const
export type Network = (typeof NETWORKS)[keyof typeof NETWORKS]

/**
 * In the page: no request in flight (the dashboard counts them on [data-fetching]) and no skeleton left, on the page
 * of the address bar ([data-location] is the location rendered: a click changes the URL before the new page
 * renders, and the old page's 0 is not the new page settled). With `options`, the filter bar's option lists too
 * (they load after the page's own queries: [data-fetching-options], [data-options-ready]), which the tests wait
 * for before reading the bar; the bench times what the page shows. Passed to waitForFunction, so self-contained.
 */
export function pageSettled(options: boolean): boolean {
  const status = document.querySelector('[data-fetching]')
  const filters = document.querySelector('form.filters')
  const rendered = new URL(status?.getAttribute('data-location') ?? '', location.origin)
  return (
    status !== null &&
    `${rendered.pathname}${rendered.search}` === `${location.pathname}${location.search}` &&
    status.getAttribute('data-fetching') === '0' &&
    (!options || (status.getAttribute('data-fetching-options') === '0' && (filters === null || filters.hasAttribute('data-options-ready')))) &&
    document.querySelectorAll('[aria-busy="true"]').length === 0
  )
}

/**
 * Resolves once the page has settled (pageSettled; `options`: the filter bar's lists too), after two animation
 * frames, so that a URL change has started its requests. The tests wait through this too (test/helpers/browser.ts).
 */
export async function settled(page: Page, { options = false, timeoutMs = 60_000 } = {}): Promise<void> {
  await page.evaluate(() => new Promise<void>((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve()))))
  await page.waitForFunction(pageSettled, options, { timeout: timeoutMs, polling: 'raf' })
}

/**
 * The page's renderer main thread, busy and in script, since its CDP session enabled metrics (CDP
 * Performance.getMetrics: TaskDuration and ScriptDuration, in seconds): what the page itself cost, apart
 * from the wait for its data. Chromium and ccscope share the cores, so this is the client's share.
 */
async function rendererMs(cdp: CDPSession): Promise<{ busy: number; script: number }> {
  const { metrics } = (await cdp.send('Performance.getMetrics')) as { metrics: { name: string; value: number }[] }
  const of = (name: string) => (metrics.find((m) => m.name === name)?.value ?? 0) * 1000
  return { busy: of('TaskDuration'), script: of('ScriptDuration') }
}

/** The page's CDP session, with its renderer metrics on and `network` applied. */
async function instrument(cdp: CDPSession, network: Network): Promise<void> {
  await cdp.send('Performance.enable')
  if (network) {
    await cdp.send('Network.enable')
    await cdp.send('Network.emulateNetworkConditions', network)
  }
}

/** One load or change, measured: its settle time, the renderer's busy and script time, and the CPU each side spent. */
export interface Sample {
  ms: number
  renderer: { busy: number; script: number }
  cpu: CpuTimes
}

/** Times `act` (a navigation or an interaction) until the page has settled after it. */
export async function measure(page: Page, cdp: CDPSession, act: () => Promise<unknown>): Promise<Sample> {
  const from = await rendererMs(cdp)
  const cpu = cpuNow()
  const began = performance.now()
  await act()
  await settled(page)
  const ms = performance.now() - began
  const spent = cpuSince(cpu)
  const to = await rendererMs(cdp)
  return { ms, renderer: { busy: to.busy - from.busy, script: to.script - from.script }, cpu: spent }
}

/** A new page of `context`, with its CDP session instrumented. */
export async function instrumentedPage(context: BrowserContext, network: Network): Promise<{ page: Page; cdp: CDPSession }> {
  const page = await context.newPage()
  const cdp = await context.newCDPSession(page)
  await instrument(cdp, network)
  return { page, cdp }
}

/** A page in a fresh browser context (nothing cached: a first visit), with its CDP session instrumented. */
export async function freshPage(browser: Browser, network: Network): Promise<{ context: BrowserContext; page: Page; cdp: CDPSession }> {
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 } })
  return { context, ...(await instrumentedPage(context, network)) }
}
