import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { launchChromium } from '../../bench/chromium'
import { screenshot, shownText } from '../helpers/browser'
import { startTestCcscope, type TestCcscope } from '../helpers/ccscope'

/** A fresh install with no data: the dashboard says how to send telemetry here, with this server's port. */
let cc: TestCcscope
let browser: Browser

beforeAll(async () => {
  cc = await startTestCcscope({ CCSCOPE_INGEST_TOKENS: 'secret-token' })
  browser = await launchChromium()
})
afterAll(async () => {
  await browser?.close()
  await cc?.stop()
})

it('tells a new install how to point Claude Code at it', async () => {
  const page = await browser.newPage()
  await page.goto(`${cc.apiUrl}/`)
  await page.getByText('No data yet — point Claude Code here').waitFor()
  const env = await shownText(page.locator('[data-panel="no-data"] pre'))
  expect(env).toContain(`OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:${cc.ports.otlpHttp}`)
  expect(env).toContain('CLAUDE_CODE_ENABLE_TELEMETRY=1')
  // Tokens are configured, so the block says to send one (never the token itself).
  expect(env).toContain('OTEL_EXPORTER_OTLP_HEADERS="Authorization=Bearer <your ingest token>"')
  expect(env).not.toContain('secret-token')
  await screenshot(page, 'empty-state')
})
