/**
 * What the local tools share (bench:api, bench:pages, npm run screenshots): ccscope on a data directory,
 * ports chosen by the system, warnings only, the API open to this machine (Chromium: bench/chromium.ts).
 */
import { startCcscope, type Ccscope } from '../server/ccscope'
import { loadConfig, type Config } from '../server/config'
import { createLogger } from '../runtime/logger'
import { selectRows, type Warehouse } from '../warehouse/client'

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
  const cc = await startCcscope(config, createLogger(config.logLevel))
  await settled(cc.client)
  return { cc, config }
}

/**
 * Resolves once the embedded engine has let go of the data directory a stopped ccscope had open. The engine binds
 * one directory per process, and a session closed while an operation was still running in it (a read whose caller
 * had gone) is released only when that operation ends: opening another directory before then fails.
 */
export async function releaseEngine(): Promise<void> {
  const { drainPending } = await import('chdb')
  await drainPending()
}

/**
 * Waits until the engine has no mutation or merge running. Start-up may have changed a table's TTL (the
 * retention), which recomputes every part in the background: on 10 M events about half a minute in which
 * every query is slower. Timing before it ends measures the mutation, not the queries.
 */
async function settled(client: Warehouse): Promise<void> {
  const began = Date.now()
  for (;;) {
    const [busy] = await selectRows<{ mutations: string; parts: string; merges: string }>(
      client,
      `SELECT (SELECT count() FROM system.mutations WHERE NOT is_done) AS mutations,
        (SELECT sum(parts_to_do) FROM system.mutations WHERE NOT is_done) AS parts, (SELECT count() FROM system.merges) AS merges`,
    )
    if (!busy || (busy.mutations === '0' && busy.merges === '0')) break
    if (Date.now() - began > 600_000) {
      console.error('the engine is still busy after 10 minutes: measuring anyway (figures will be slower)')
      break
    }
    console.error(`waiting for the engine's background work: ${busy.mutations} mutation(s), ${busy.parts} part(s) to do, ${busy.merges} merge(s)`)
    await new Promise((resolve) => setTimeout(resolve, 5_000))
  }
  if (Date.now() - began > 1_000) console.error(`engine settled after ${Math.round((Date.now() - began) / 1000)} s`)
}
