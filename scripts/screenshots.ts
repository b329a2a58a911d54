/**
 * Screenshots of every dashboard page at a phone's width (390 px) and a desktop's (1440 px), each taken
 * once the page has settled (no request in flight, nothing busy), from a data directory that already
 * holds data (`npm start -- --demo`, or `npm run seed`). UI changes are judged by looking at these.
 *
 *   npm run screenshots -- --data-dir ./data [--out ./screenshots] [--pages overview,cost] [--widths 390,1440]
 *
 * The user and session pages show the user with the most API requests, and one of their sessions.
 * Needs Chromium at /usr/bin/chromium (or CHROMIUM_PATH); it does not download one.
 */
import { launchChromium } from '../bench/chromium'
import { startLocalCcscope } from '../bench/local'
import fs from 'node:fs'
import path from 'node:path'
import { parseArgs } from 'node:util'
import type { Page } from 'playwright-core'
import { selectRows } from '../warehouse/client'
import { buildDashboard } from './build-dashboard'

const { values } = parseArgs({
  options: {
    'data-dir': { type: 'string' },
    out: { type: 'string', default: 'screenshots' },
    pages: { type: 'string' },
    widths: { type: 'string', default: '390,1440' },
  },
})
const dataDir = values['data-dir']
if (!dataDir || !fs.existsSync(dataDir)) {
  process.stderr.write('usage: npm run screenshots -- --data-dir <a data directory with data> [--out dir] [--pages overview,cost] [--widths 390,1440]\n')
  process.exit(2)
}
const widths = values.widths.split(',').map(Number)
const only = values.pages ? new Set(values.pages.split(',')) : undefined
fs.mkdirSync(values.out, { recursive: true })

/** Settled: the app says no request is in flight and nothing on the page is busy. */
async function settled(page: Page): Promise<void> {
  await page.waitForFunction(
    () => document.querySelector('[data-fetching]')?.getAttribute('data-fetching') === '0' && document.querySelectorAll('[aria-busy="true"]').length === 0,
    undefined,
    { timeout: 60_000, polling: 100 },
  )
}

process.stdout.write(`dashboard: ${await buildDashboard()}\n`)
const { cc } = await startLocalCcscope(dataDir)
const browser = await launchChromium()
try {
  const [top] = await selectRows<{ u: string; s: string }>(
    cc.client,
    "SELECT user_key AS u, any(session_id) AS s FROM events WHERE event_name = 'api_request' GROUP BY u ORDER BY count() DESC LIMIT 1",
  )
  if (!top) process.stdout.write('no api_request events in this data directory: the user and session pages will be empty states\n')
  const pages: [string, string][] = [
    ['overview', '/'],
    ['adoption', '/adoption'],
    ['cost', '/cost'],
    ['budgets', '/budgets'],
    ['reconciliation', '/reconciliation'],
    ['policy', '/policy'],
    ['reliability', '/reliability'],
    ['users', '/users'],
    ['user', `/users/${encodeURIComponent(top?.u ?? 'nobody')}`],
    ['directory', '/directory'],
    ['session', `/sessions/${encodeURIComponent(top?.s ?? 'none')}`],
  ]
  const base = `http://127.0.0.1:${cc.ports.api}`
  for (const width of widths) {
    const page = await browser.newPage({ viewport: { width, height: width < 600 ? 844 : 900 } })
    for (const [name, route] of pages) {
      if (only && !only.has(name)) continue
      await page.goto(base + route)
      await settled(page)
      const file = path.join(values.out, `${name}-${width}.png`)
      await page.screenshot({ path: file, fullPage: true })
      process.stdout.write(`${file}\n`)
    }
    await page.close()
  }
} finally {
  await browser.close()
  await cc.stop()
}
