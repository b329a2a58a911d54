/**
 * What the local tools share (bench:api, bench:pages, npm run screenshots): ccscope on a data directory,
 * ports chosen by the system, warnings only, the API open to this machine; and Debian's Chromium.
 */
import fs from 'node:fs'
import { chromium, type Browser } from 'playwright-core'
import { startCcscope, type Ccscope } from '../server/ccscope'
import { loadConfig, type Config } from '../server/config'
import { createLogger } from '../runtime/logger'

export async function startLocalCcscope(dataDir: string, env: Record<string, string> = {}): Promise<{ cc: Ccscope; config: Config }> {
  const config = loadConfig({
    CCSCOPE_DATA_DIR: dataDir,
    OTLP_HTTP_PORT: '0',
    OTLP_GRPC_PORT: '0',
    PORT: '0',
    CCSCOPE_LOG_LEVEL: 'warn',
    CCSCOPE_OPEN_MODE: 'true',
    ...env,
  })
  return { cc: await startCcscope(config, createLogger(config.logLevel)), config }
}

/** Chromium from /usr/bin/chromium (or CHROMIUM_PATH): nothing is downloaded. */
export function launchChromium(): Promise<Browser> {
  const path = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
  if (!fs.existsSync(path)) throw new Error(`Chromium not found at ${path}: apt-get install -y chromium, or set CHROMIUM_PATH`)
  return chromium.launch({ executablePath: path, args: ['--no-sandbox', '--disable-dev-shm-usage'] })
}
