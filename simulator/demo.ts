/**
 * `npm start -- --demo`: ccscope on its own data directory (./data-demo, never the real ./data), with
 * a month of a simulated 200-developer fleet loaded through its own OTLP/HTTP port the first time, so
 * that a newcomer sees a full dashboard. Later starts reuse the data. A backfill that was interrupted
 * is resumed with the same period and seed: records already stored are recognised by their content
 * id and not written twice.
 */
import fs from 'node:fs'
import path from 'node:path'
import type { Ccscope } from '../server/ccscope'
import type { Config } from '../server/config'
import type { Logger } from '../server/logger'
import { selectRows } from '../warehouse/client'
import { simulate } from './run'

export const DEMO_DATA_DIR = './data-demo'
export const DEMO_FLEET = { users: 200, days: 30, seed: 1 } as const

interface Marker {
  users: number
  days: number
  seed: number
  end: string
  state: 'loading' | 'complete'
  loadedAt?: string
  summary?: { users: number; sessions: number; apiRequests: number; costUsd: number; records: number; seconds: number }
}

/** The environment for a demo start: the demo data directory and the embedded engine, whatever else is set. */
export function demoEnvironment(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  // A demo on this machine: open to it as admin unless the environment says otherwise.
  return { CCSCOPE_OPEN_MODE: 'true', ...env, CCSCOPE_DATA_DIR: DEMO_DATA_DIR, CLICKHOUSE_URL: '' }
}

function dashboardUrl(config: Config, port: number): string {
  const host = config.bindHost === '0.0.0.0' || config.bindHost === '::' ? 'localhost' : config.bindHost
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}/`
}

function readMarker(file: string): Marker | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as Marker
  } catch {
    return undefined
  }
}

/** Loads the demo fleet unless the warehouse already holds data; logs where the dashboard is. */
export async function loadDemoData(ccscope: Ccscope, config: Config, log: Logger): Promise<void> {
  const url = dashboardUrl(config, ccscope.ports.api)
  const markerFile = path.join(config.dataDir, 'demo.json')
  const marker = readMarker(markerFile)
  const [row] = await selectRows<{ n: string }>(ccscope.client, 'SELECT count() AS n FROM events')
  const events = Number(row?.n ?? 0)

  if (marker?.state === 'complete' || (!marker && events > 0)) {
    const end = marker ? new Date(marker.end) : undefined
    log.info(
      { events, dataDir: config.dataDir },
      `demo: reusing the data in ${config.dataDir}${end ? ` (simulated up to ${end.toISOString()})` : ''}; dashboard at ${url}`,
    )
    if (end && Date.now() - end.getTime() > 7 * 86_400_000)
      log.warn(`demo: the simulated month ended ${end.toISOString().slice(0, 10)}; delete ${config.dataDir} and start again for a current one`)
    return
  }

  const resuming = marker?.state === 'loading'
  const next: Marker = resuming
    ? marker
    : { ...DEMO_FLEET, end: new Date(Math.floor(Date.now() / 60_000) * 60_000).toISOString(), state: 'loading' }
  fs.mkdirSync(config.dataDir, { recursive: true })
  fs.writeFileSync(markerFile, `${JSON.stringify(next, null, 2)}\n`)
  log.info(
    `demo: ${resuming ? 'resuming the load of' : 'loading'} ${next.days} days of ${next.users} simulated developers (seed ${next.seed}) through OTLP/HTTP; ` +
      `the dashboard at ${url} fills in as it arrives (oldest first)`,
  )
  const host = config.bindHost === '0.0.0.0' || config.bindHost === '::' ? '127.0.0.1' : config.bindHost
  const result = await simulate({
    users: next.users,
    days: next.days,
    seed: next.seed,
    end: new Date(next.end),
    protocol: 'http/protobuf',
    temporality: 'delta',
    endpoint: `http://${host.includes(':') ? `[${host}]` : host}:${ccscope.ports.otlpHttp}`,
    ...(config.ingestTokens[0] ? { token: config.ingestTokens[0].token } : {}),
    concurrency: 16,
    progress: process.stderr,
  })
  const t = result.truths
  const done: Marker = {
    ...next,
    state: 'complete',
    loadedAt: new Date().toISOString(),
    summary: { users: t.users, sessions: t.sessions, apiRequests: t.apiRequests, costUsd: t.costUsd, records: result.records, seconds: Math.round(result.seconds) },
  }
  fs.writeFileSync(markerFile, `${JSON.stringify(done, null, 2)}\n`)
  log.info(
    { records: result.records, seconds: Math.round(result.seconds), recordsPerSecond: Math.round(result.recordsPerSecond) },
    `demo: loaded ${t.users} users, ${t.sessions.toLocaleString('en-US')} sessions, ${t.apiRequests.toLocaleString('en-US')} API requests, ` +
      `$${t.costUsd.toFixed(2)} (${t.range.from.slice(0, 10)} to ${t.range.to.slice(0, 10)}); dashboard at ${url}`,
  )
}
