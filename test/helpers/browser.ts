import fs from 'node:fs'
import path from 'node:path'
import type { Browser, Locator, Page } from 'playwright-core'
import { launchChromium } from '../../bench/chromium'
import { settled as settledPage } from '../../bench/page-load'
import { startTestCcscope, type TestCcscope } from './ccscope'
import { generateFleet, sendFleet } from './fleet'

/** Screenshots of every page land here (kept as test artifacts; gitignored). */
export const ARTIFACTS = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..', 'test-results', 'screenshots')

export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(ARTIFACTS, { recursive: true })
  const file = path.join(ARTIFACTS, `${name}.png`)
  await page.screenshot({ path: file, fullPage: true })
  return file
}

/**
 * The element's text as the page shows it: Playwright's Locator.innerText(), the rendered text (hidden
 * parts left out, line breaks as laid out), which is what a person reads and what the tests compare with
 * the API's figures. Not the DOM property Biome's useDomNodeTextContent is about: textContent would also
 * read hidden elements.
 */
export function shownText(locator: Locator): Promise<string> {
  // biome-ignore lint/performance/useDomNodeTextContent: Playwright's Locator.innerText() is the rendered text; textContent would read hidden elements too
  return locator.innerText()
}

/** Waits until every panel has its data or its error, and the filter bar its option lists, on the page of the address bar (bench/page-load.ts). */
export function settled(page: Page): Promise<void> {
  return settledPage(page, { options: true, timeoutMs: 20_000 })
}

/**
 * ccscope with a generated fleet ending today (so the dashboard's default range shows it), Chromium, and
 * a laptop-sized page that fails the test on any page error. `env` adds to the test configuration.
 */
export async function startDashboard(
  seed: number,
  env: Record<string, string> = {},
): Promise<{ cc: TestCcscope; browser: Browser; page: Page; stop(): Promise<void> }> {
  const today = new Date()
  const start = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() - 20))
  const cc = await startTestCcscope(env)
  await sendFleet(cc.otlpUrl, generateFleet({ seed, users: 12, days: 20, start }))
  const browser = await launchChromium()
  const page = await browser.newPage({ viewport: { width: 1366, height: 900 }, acceptDownloads: true })
  page.on('pageerror', (error) => {
    throw error
  })
  return {
    cc,
    browser,
    page,
    async stop() {
      await browser.close()
      await cc.stop()
    },
  }
}
