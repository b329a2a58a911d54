/**
 * Development: ccscope (collector + API) as `npm start` runs it, and Vite's dev server with hot reload
 * on http://localhost:5173, proxying /api to the API.
 */
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { createServer } from 'vite'
import { startCcscope } from '../server/ccscope'
import { loadConfig } from '../server/config'
import { createLogger } from '../runtime/logger'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const config = loadConfig(process.env)
const log = createLogger(config.logLevel)
const cc = await startCcscope(config, log)
process.env.PORT = String(cc.ports.api)
const vite = await createServer({ configFile: path.join(root, 'dashboard', 'vite.config.ts') })
await vite.listen()
vite.printUrls()
const stop = async () => {
  await vite.close()
  await cc.stop()
  process.exit(0)
}
process.on('SIGINT', () => void stop())
process.on('SIGTERM', () => void stop())
