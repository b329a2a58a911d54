import path from 'node:path'
import { TokenSet } from '../../collector/auth'
import { createHttpReceiver } from '../../collector/http'
import { createIngestor } from '../../collector/ingest'
import { PrivacyFilter } from '../../collector/privacy'
import { InsertJournal } from '../../collector/writer/journal'
import { Writer } from '../../collector/writer/writer'
import { SelfMetrics } from '../../runtime/self-metrics'
import type { Warehouse } from '../../warehouse/client'
import { startCcscope, type Ccscope, type StartOptions } from '../../server/ccscope'
import { loadConfig } from '../../server/config'
import { createLogger } from '../../runtime/logger'
import { tempDir } from './temp'
import type { SummaryResponse } from '../../schemas/analytics'

export { removeTempDirs, tempDir } from './temp'

/**
 * Settings every test run wants: ephemeral ports, a record-age window that lets old fixtures in, and
 * open mode (no users configured: the test, on this machine, acts as admin).
 */
export const TEST_ENV = {
  CCSCOPE_OPEN_MODE: 'true',
  // Test clients (a whole fleet sent at once) open far more connections from 127.0.0.1 than any real
  // sender: the connection limits are tested where a test sets them (test/hostile-*.test.ts).
  CCSCOPE_MAX_CONNECTIONS: '100000',
  CCSCOPE_MAX_CONNECTIONS_PER_ADDRESS: '0',
  OTLP_HTTP_PORT: '0',
  OTLP_GRPC_PORT: '0',
  PORT: '0',
  CCSCOPE_MAX_RECORD_AGE_DAYS: '36500',
  CCSCOPE_FLUSH_INTERVAL_MS: '50',
  CCSCOPE_LOG_LEVEL: 'silent',
}

export interface TestCcscope extends Ccscope {
  otlpUrl: string
  apiUrl: string
  dataDir: string
  /** GET /api/v1/summary; filters are the common ones (user, team, department, costCenter). */
  summary(range?: { from: Date | string; to: Date | string }, filters?: Record<string, string>): Promise<SummaryResponse>
}

/** ccscope in this process on the embedded engine, on a fresh data directory (one per test file). */
export async function startTestCcscope(env: Record<string, string> = {}, options: StartOptions = {}): Promise<TestCcscope> {
  const dataDir = tempDir()
  const config = loadConfig({ ...TEST_ENV, CCSCOPE_DATA_DIR: dataDir, ...env })
  const ccscope = await startCcscope(config, createLogger(config.logLevel), options)
  const apiUrl = `http://127.0.0.1:${ccscope.ports.api}`
  return Object.assign(ccscope, {
    otlpUrl: `http://127.0.0.1:${ccscope.ports.otlpHttp}`,
    apiUrl,
    dataDir,
    async summary(range: { from: Date | string; to: Date | string } = { from: '2000-01-01', to: '2100-01-01' }, filters: Record<string, string> = {}) {
      const iso = (d: Date | string) => (typeof d === 'string' ? d : d.toISOString())
      const query = new URLSearchParams({ from: iso(range.from), to: iso(range.to), ...filters })
      const res = await fetch(`${apiUrl}/api/v1/summary?${query}`)
      if (res.status !== 200) throw new Error(`summary answered ${res.status}: ${await res.text()}`)
      return (await res.json()) as SummaryResponse
    },
  })
}

/** A second ccscope's collector (OTLP/HTTP receiver and writer) on another instance's warehouse, as another process behind a load balancer would run it. */
export interface OtlpInstance {
  otlpUrl: string
  writer: Writer
  close(): Promise<void>
}

export async function startOtlpInstance(client: Warehouse, env: Record<string, string> = {}): Promise<OtlpInstance> {
  const config = loadConfig({ ...TEST_ENV, CCSCOPE_DATA_DIR: tempDir(), ...env })
  const log = createLogger('silent')
  const metrics = new SelfMetrics()
  const writer = new Writer(client, config.writer, log, metrics, {
    journal: new InsertJournal(path.join(config.dataDir, 'insert-journal.json')),
    rawRetentionDays: config.retention.rawDays,
  })
  const limits = () => ({ nowMs: Date.now(), maxRecordAgeMs: config.limits.maxRecordAgeMs, maxClockSkewMs: config.limits.maxClockSkewMs })
  const ingestor = createIngestor(writer, metrics, log, limits, new PrivacyFilter(config.privacy))
  const http = createHttpReceiver({
    ingestor,
    tokens: new TokenSet([]),
    metrics,
    log,
    maxBodyBytes: config.limits.maxBodyBytes,
    maxDecompressedBytes: config.limits.maxDecompressedBytes,
  })
  const { port } = await http.listen({ host: '127.0.0.1', port: 0 })
  return {
    otlpUrl: `http://127.0.0.1:${port}`,
    writer,
    async close() {
      await http.close()
      await writer.close()
    },
  }
}
