import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { launchChromium } from '../../bench/chromium'

/**
 * The Chromium the bench and the browser tests launch (bench/chromium.ts) builds no window UI of its own for a new
 * window, Playwright's own turned-off features kept: a first visit in bench:pages measures the page.
 */
let browser: Browser
beforeAll(async () => {
  browser = await launchChromium()
})
afterAll(async () => {
  await browser?.close()
})

it('opens a new window with the page only: no omnibox popup beside it', async () => {
  const context = await browser.newContext()
  const page = await context.newPage()
  await page.goto('data:text/html,<h1>ccscope</h1>')
  const cdp = await browser.newBrowserCDPSession()
  // Chromium 156 builds the popup's pages as the window opens; give it the time it took in the bench.
  await new Promise((resolve) => setTimeout(resolve, 1_000))
  const { targetInfos } = await cdp.send('Target.getTargets')
  expect(targetInfos.map((t) => t.url)).toEqual(['data:text/html,<h1>ccscope</h1>'])
  await context.close()
})
