import { ConfigError, loadConfig } from './config'
import { startCcscope } from './ccscope'
import { createLogger } from './logger'

/** `npm start`: read the configuration, start ccscope, stop cleanly on SIGINT/SIGTERM. */
async function main(): Promise<void> {
  let config
  try {
    config = loadConfig()
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`ccscope: ${error.message}\n`)
      process.exit(2)
    }
    throw error
  }
  const log = createLogger(config.logLevel)
  process.on('unhandledRejection', (reason) => log.error({ err: reason }, 'unhandled promise rejection'))
  const ccscope = await startCcscope(config, log)
  const shutdown = (signal: string) => {
    log.info(`${signal} received: writing buffered rows, then stopping`)
    ccscope.stop().then(
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
