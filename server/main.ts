import { ConfigError, loadConfig, type Config } from './config'
import { startCcscope } from './ccscope'
import { createLogger } from '../runtime/logger'
import type { MetaLoading } from '../schemas/meta'

/**
 * `npm start`: read the configuration, start ccscope, stop cleanly on SIGINT/SIGTERM.
 * `npm start -- --demo`: the same on the demo's data directory (./data-demo) and the embedded engine,
 * whatever else is set, filled with a simulated fleet's month the first time (simulator/demo.ts), and
 * the fleet's live sessions streamed in.
 */
async function main(): Promise<void> {
  const args = process.argv.slice(2)
  const unknown = args.filter((a) => a !== '--demo')
  if (unknown.length > 0) {
    process.stderr.write(`ccscope: unknown argument ${unknown.join(' ')}; the only option is --demo (configuration is read from the environment)\n`)
    process.exit(2)
  }
  // The simulator (and its OTel SDK) is loaded only for a demo, while the warehouse opens.
  const demoModule = args.includes('--demo') ? import('../simulator/demo') : undefined
  let config: Config
  try {
    config = loadConfig(process.env)
    if (demoModule) config = loadConfig({ ...process.env, CCSCOPE_DATA_DIR: config.demo.dataDir, CLICKHOUSE_URL: '' })
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`ccscope: ${error.message}\n`)
      process.exit(2)
    }
    throw error
  }
  const log = createLogger(config.logLevel)
  process.on('unhandledRejection', (reason) => log.error({ err: reason }, 'unhandled promise rejection'))
  let loading: (() => MetaLoading) | undefined
  const ccscope = await startCcscope(config, log, { loading: () => loading?.() ?? null })
  const running = (await demoModule)?.startDemo(ccscope, config, log, {
    users: config.demo.users,
    days: config.demo.days,
    onProgress: (progress) => (loading = () => progress.meta()),
  })
  running?.history.catch((error: unknown) => {
    log.error({ err: error }, 'demo: loading the history failed; ccscope keeps running, and `npm start -- --demo` again resumes it')
  })
  const shutdown = (signal: string) => {
    log.info(`${signal} received: ${running ? 'finishing the demo day being written, then ' : ''}writing buffered rows, then stopping`)
    ;(running ? running.stop() : Promise.resolve())
      .then(() => ccscope.stop())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          log.error({ err: error }, 'error while stopping')
          process.exit(1)
        },
      )
  }
  process.once('SIGINT', () => shutdown('SIGINT'))
  process.once('SIGTERM', () => shutdown('SIGTERM'))
}

main().catch((error: unknown) => {
  process.stderr.write(`ccscope failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
  process.exit(1)
})
