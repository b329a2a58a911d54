/**
 * Debian's Chromium as the bench, the screenshots and the browser tests launch it: nothing downloaded, and without the
 * browser's own window UI that a new window builds, so that what is measured is the page.
 */
import fs from 'node:fs'
import { chromium, type Browser, type BrowserContext } from 'playwright-core'
import { processes } from './proc'

const BASE_ARGS = ['--no-sandbox', '--disable-dev-shm-usage']

/**
 * Features of the browser's window, not of pages, turned off: the omnibox popup's WebUI (chrome://omnibox-popup.top-chrome/
 * and its AI-mode page), which Chromium 156 in headless mode builds for every new window in a renderer of its own.
 * bench:pages opens a window per first visit (a fresh context, nothing cached), so each load paid for it: 1.1-1.5 s of
 * CPU in that renderer and ~0.3 s in the browser process, beside the page's own ~1.1-1.4 s, on the two cores ccscope
 * shares (docs/benchmarks.md, "The browser's own window"). A person opening the dashboard in a window they have does
 * not build one.
 */
const WINDOW_UI_FEATURES = ['WebUIOmniboxPopup', 'WebUIOmniboxAimPopup', 'OmniboxAimPopup']

export function chromiumPath(): string {
  const path = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
  if (!fs.existsSync(path)) throw new Error(`Chromium not found at ${path}: apt-get install -y chromium, or set CHROMIUM_PATH`)
  return path
}

/** The arguments of a browser this process launched (its child with a debugging pipe); none where /proc is not. */
function launchedBrowserArgs(): string[] {
  const browser = processes().find((p) => Number(p.stat[1]) === process.pid && p.args.includes('--remote-debugging-pipe'))
  return browser?.args ?? []
}

let args: Promise<string[]> | undefined

/**
 * BASE_ARGS and one --disable-features: Playwright's own list and WINDOW_UI_FEATURES. Chromium keeps only the last
 * --disable-features it is given, so Playwright's (read from a browser launched once with its defaults) is repeated.
 */
export function chromiumArgs(): Promise<string[]> {
  args ??= (async () => {
    const probe = await chromium.launch({ executablePath: chromiumPath(), args: BASE_ARGS })
    const playwright = launchedBrowserArgs().find((a) => a.startsWith('--disable-features='))
    await probe.close()
    const features = [...(playwright?.slice('--disable-features='.length).split(',') ?? []), ...WINDOW_UI_FEATURES]
    return [...BASE_ARGS, `--disable-features=${features.join(',')}`]
  })()
  return args
}

/** Chromium from /usr/bin/chromium (or CHROMIUM_PATH). Its contexts are off the record: no disk cache, no compiled-code cache. */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath(), args: await chromiumArgs() })
}

/**
 * Chromium with a real profile in `profileDir`, as a person's browser has: a disk HTTP cache and V8's cache of
 * compiled scripts, which an off-the-record context (launchChromium's) never keeps.
 */
export async function launchChromiumProfile(profileDir: string, viewport: { width: number; height: number }): Promise<BrowserContext> {
  return chromium.launchPersistentContext(profileDir, { executablePath: chromiumPath(), args: await chromiumArgs(), viewport })
}
