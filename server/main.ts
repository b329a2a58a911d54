import { ConfigError, loadConfig } from './config'
import { startCcscope } from './ccscope'
import { createLogger } from './logger'

/**
 * `npm start`: read the configuration, start ccscope, stop cleanly on SIGINT/SIGTERM.
 * `npm start -- --demo`: the same on ./data-demo, loaded with a simulated month the first time.
 */
async function main(): Promise<void> {
  const args = process.argv.slice(2)
  const unknown = args.filter((a) => a !== '--demo')
  if (unknown.length > 0) {
    process.stderr.write(`ccscope: unknown argument ${unknown.join(' ')}; the only option is --demo (configuration is read from the environment)\n`)
    process.exit(2)
  }
  // The simulator (and its OTel SDK) is loaded only for a demo.
  const demo = args.includes('--demo') ? await import('../simulator/demo') : undefined
  let config
  try {
    config = loadConfig(demo ? demo.demoEnvironment(process.env) : process.env)
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
  if (demo) {
    await demo.loadDemoData(ccscope, config, log).catch((error: unknown) => {
      log.error({ err: error }, 'demo: loading the simulated fleet failed; ccscope keeps running, and `npm start -- --demo` again resumes the load')
    })
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`ccscope failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
  process.exit(1)
})
