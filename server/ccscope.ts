import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import type * as grpc from '@grpc/grpc-js'
import { Admission, RECEIVER_RESERVE } from '../collector/admission'
import { TokenSet } from '../collector/auth'
import { createGrpcReceiver } from '../collector/grpc'
import { GrpcListener } from '../collector/grpc-listener'
import { createHttpReceiver } from '../collector/http'
import { createIngestor, type Ingestor } from '../collector/ingest'
import { PrivacyFilter } from '../collector/privacy'
import { InsertJournal } from '../collector/writer/journal'
import { WarehouseUnavailableError, Writer } from '../collector/writer/writer'
import { startNotifier } from '../dashboard/api/budgets/notifier'
import { createMailer } from '../dashboard/api/reports/mail'
import { BillingPoller } from '../dashboard/api/billing/poller'
import { createApi } from '../dashboard/api/server'
import type { MetaLoading } from '../schemas/meta'
import { createDatabase, openReadSessions, openWarehouse, serverClient, type Warehouse } from '../warehouse/client'
import { ReadPool, type Reader } from '../warehouse/pool'
import { openDirectoryNow, type DirectoryNow } from '../warehouse/directory-now'
import { migrate } from '../warehouse/migrate'
import { applyRetention } from '../warehouse/retention'
import type { Config } from './config'
import { createLogger, type Logger } from '../runtime/logger'
import { SelfMetrics } from '../runtime/self-metrics'
import { startSelfTracing } from './tracing'

/** A running ccscope: collector (OTLP/HTTP + OTLP/gRPC) and API, on one warehouse. */
export interface Ccscope {
  ports: { otlpHttp: number; otlpGrpc: number; api: number }
  client: Warehouse
  /** Where the API's queries run (a pool of engine sessions in embedded mode). */
  reader: Reader
  writer: Writer
  metrics: SelfMetrics
  log: Logger
  /** Polls Anthropic's usage report; null unless CCSCOPE_ANTHROPIC_ADMIN_KEY is configured. */
  billingPoller: BillingPoller | null
  /** Makes a directory load just stored the one the reads join (another API on the same warehouse needs it too). */
  reloadDirectory(): Promise<void>
  stop(): Promise<void>
}

export interface StartOptions {
  /** The clock the API answers by (ranges stop at the bucket holding it); tests set one. */
  now?: () => Date
  /** A history loading in this process (the demo's backfill), reported by /api/v1/meta. */
  loading?: () => MetaLoading | null
  /** How the billing poller reaches Anthropic (tests hand it recorded pages); default the global fetch. */
  billingFetch?: typeof fetch
}

export async function startCcscope(config: Config, log: Logger = createLogger(config.logLevel), options: StartOptions = {}): Promise<Ccscope> {
  const where = config.clickhouse.mode === 'embedded' ? `embedded engine at ${config.clickhouse.path}` : `ClickHouse server ${config.clickhouse.url}`
  log.info({ mode: config.clickhouse.mode }, `opening the warehouse: ${where}`)
  const selfTracing = startSelfTracing(config.selfTracesEndpoint)
  if (config.selfTracesEndpoint) log.info(`ccscope's own traces go to ${config.selfTracesEndpoint}`)
  const ch = config.clickhouse
  // Embedded: opened, migrated, or start-up fails. Server: the client connects lazily, and migrations are
  // retried with backoff while the server is unreachable (see below).
  const client = ch.mode === 'embedded' ? await openWarehouse(ch) : serverClient(ch, config.warehouseRequestTimeoutMs)
  // A cluster's migrations and retention name its local tables ON CLUSTER (warehouse/ddl.ts).
  const cluster = ch.mode === 'server' && ch.cluster ? { cluster: ch.cluster } : null
  // The directory's newest load as the reads join it (warehouse/directory-now.ts), made once the schema is.
  let directoryNow: DirectoryNow | undefined
  const reloadDirectory = async () => {
    await directoryNow?.reload()
  }
  const prepare = async () => {
    if (ch.mode === 'server') await createDatabase(ch, config.warehouseRequestTimeoutMs)
    const report = await migrate(client, undefined, cluster)
    log.info(
      { applied: report.applied, alreadyApplied: report.alreadyApplied },
      report.applied.length > 0 ? `applied ${report.applied.length} migration(s)` : 'schema up to date',
    )
    directoryNow = await openDirectoryNow(client, ch, log)
    if (report.changed.length > 0) log.warn({ changed: report.changed }, 'applied migrations have changed on disk since; they are not re-run')
    const retention = await applyRetention(client, config.retention, cluster)
    if (retention.changed.length > 0) log.info({ tables: retention.changed, ...config.retention }, `retention set: ${retention.summary}`)
    log.info(
      { storeContent: config.privacy.storeContent, pseudonymize: config.privacy.pseudonymizeKey !== undefined },
      `privacy: ${config.privacy.storeContent ? 'prompt text, responses and tool inputs are STORED (CCSCOPE_STORE_CONTENT=true)' : 'prompt text, responses and tool inputs are dropped at the collector'}; emails ${config.privacy.pseudonymizeKey ? 'pseudonymised with a keyed hash' : 'stored as sent'}`,
    )
  }
  const stopped = new AbortController()
  let prepared = false
  let preparing: Promise<void> = Promise.resolve()
  if (ch.mode === 'embedded') {
    await prepare()
    prepared = true
  } else {
    try {
      await prepare()
      prepared = true
    } catch (error) {
      // Exiting would only restart into the same wall: listen, answer 503 (exporters retry), and keep trying.
      log.error(
        { err: error, url: ch.url },
        `the ClickHouse server is unreachable or failed the schema set-up: ${(error as Error).message}. ccscope listens anyway: ingest answers 503 and /readyz 503 until it succeeds (retrying with backoff)`,
      )
      preparing = retryUntilDone(prepare, log, stopped.signal).then((done) => {
        if (!done) return
        prepared = true
        log.info({ url: ch.url }, 'the ClickHouse server is reachable and the schema is ready: accepting telemetry')
      })
    }
  }

  const metrics = new SelfMetrics()
  // The insert journal lets the writer repair rollups after an insert stopped half-way (collector/writer/journal.ts).
  const journal = new InsertJournal(path.join(config.dataDir, 'insert-journal.json'))
  // Embedded: the writer inserts the metric points on an engine session of their own, beside the events'.
  const pointsSession = ch.mode === 'embedded' ? await openWarehouse(ch) : undefined
  const writer = new Writer(
    client,
    config.writer,
    log.child({ component: 'writer' }),
    metrics,
    { journal, rawRetentionDays: config.retention.rawDays },
    pointsSession,
  )
  // One budget of bytes for the requests in flight on both receivers (collector/admission.ts); when it is
  // full the writer flushes at once, since the rows it holds are what keeps the budget full.
  // Each receiver keeps a quarter of it that the other cannot take, and one client address at most its share.
  const admission = new Admission(config.limits.maxInflightBytes, metrics, () => void writer.flush(), {
    receiverReserve: RECEIVER_RESERVE,
    perAddressBytes: config.limits.maxInflightBytesPerAddress,
  })
  const privacy = new PrivacyFilter(config.privacy)
  const ingestor = untilPrepared(
    () => prepared,
    createIngestor(
      writer,
      metrics,
      log.child({ component: 'ingest' }),
      () => ({
        nowMs: Date.now(),
        maxRecordAgeMs: config.limits.maxRecordAgeMs,
        maxClockSkewMs: config.limits.maxClockSkewMs,
      }),
      privacy,
    ),
  )
  const tokens = new TokenSet(config.ingestTokens)
  const http = await createHttpReceiver({
    ingestor,
    tokens,
    metrics,
    log,
    maxBodyBytes: config.limits.maxBodyBytes,
    maxDecompressedBytes: config.limits.maxDecompressedBytes,
    requestLimits: config.limits.request,
    timeouts: config.network.timeouts,
    connections: config.network.connections,
    admission,
  })
  const grpcServer: grpc.Server = createGrpcReceiver({
    ingestor,
    tokens,
    metrics,
    log: log.child({ component: 'otlp-grpc' }),
    maxMessageBytes: config.limits.maxDecompressedBytes,
    requestLimits: config.limits.request,
    admission,
    requestTimeoutMs: config.network.timeouts.requestMs,
    idleTimeoutMs: config.network.timeouts.idleMs,
  })
  const grpcListener = new GrpcListener({ server: grpcServer, admission, metrics, ...config.network })
  const otlp = { httpPort: 0, grpcPort: 0, authRequired: config.ingestTokens.length > 0 }
  // Embedded: the API's queries spread over a few engine sessions of their own (a page's panels run side by
  // side); a server client keeps several connections already.
  const readSessions = ch.mode === 'embedded' ? await openReadSessions(ch, config.readSessions) : []
  const reader: Reader = readSessions.length > 0 ? new ReadPool(readSessions) : client
  const notifier = config.alerts.enabled
    ? startNotifier({
        client,
        reader,
        log: log.child({ component: 'alerts' }),
        ready: () => prepared,
        evaluateEveryMs: config.alerts.evaluateMs,
        reportsDir: config.alerts.reportsDir,
        ...(config.alerts.smtp ? { sendMail: createMailer(config.alerts.smtp.url, config.alerts.smtp.from) } : {}),
        ...(options.now ? { now: options.now } : {}),
      })
    : undefined
  const api = await createApi({
    client,
    reader,
    reloadDirectory,
    ...(notifier ? { notifier } : {}),
    email: config.alerts.smtp !== undefined,
    ...(options.now ? { now: options.now } : {}),
    metrics,
    log,
    otlp,
    dashboardDir: config.dashboardDir,
    auth: config.auth,
    started: () => prepared,
    network: config.network,
    ...(options.loading ? { loading: options.loading } : {}),
    ...(config.privacy.pseudonymizeKey ? { pseudonymize: (user: string) => privacy.pseudonymize(user) } : {}),
  })

  // What Anthropic bills, polled only when an admin key is configured (off by default; uploads work either way).
  const billingPoller = config.billing.adminKey
    ? new BillingPoller({
        client,
        adminKey: config.billing.adminKey,
        apiUrl: config.billing.apiUrl,
        days: config.billing.pollDays,
        intervalMs: config.billing.pollIntervalMs,
        now: options.now ?? (() => new Date()),
        log: log.child({ component: 'billing' }),
        fetch: options.billingFetch ?? fetch,
        userAgent: 'ccscope (billing reconciliation)',
        pseudonymize: config.privacy.pseudonymizeKey ? (user: string) => privacy.pseudonymize(user) : undefined,
      })
    : null

  // A deep accept queue: a burst of new connections waits for admission (and a 429) instead of being reset,
  // which an OpenTelemetry JS exporter would not retry. Linux caps it at net.core.somaxconn.
  await http.listen({ host: config.bindHost, port: config.ports.otlpHttp, backlog: 4096 })
  const grpcPort = await grpcListener.listen(config.bindHost, config.ports.otlpGrpc)
  await api.listen({ host: config.bindHost, port: config.ports.api })
  const ports = {
    otlpHttp: (http.server.address() as AddressInfo).port,
    otlpGrpc: grpcPort,
    api: (api.server.address() as AddressInfo).port,
  }
  otlp.httpPort = ports.otlpHttp
  otlp.grpcPort = ports.otlpGrpc
  if (config.ingestTokens.length === 0) log.warn(config.bindReason)
  else log.info(config.bindReason)
  if (billingPoller) {
    log.info(
      { every: `${config.billing.pollIntervalMs / 60_000} min`, days: config.billing.pollDays },
      `billing: polling Anthropic's Claude Code usage report at ${config.billing.apiUrl}`,
    )
    billingPoller.start()
  }
  if (!prepared)
    log.warn({ ...ports, host: config.bindHost }, 'ccscope is listening, waiting for the ClickHouse server: ingest answers 503 until it is reachable')
  else
    log.info(
      { ...ports, host: config.bindHost },
      `ccscope is ready: OTLP/HTTP on ${config.bindHost}:${ports.otlpHttp}, OTLP/gRPC on ${config.bindHost}:${ports.otlpGrpc}, API on http://${config.bindHost}:${ports.api}`,
    )

  let stopping: Promise<void> | undefined
  return {
    ports,
    client,
    reader,
    writer,
    metrics,
    log,
    billingPoller,
    reloadDirectory,
    stop() {
      stopping ??= (async () => {
        stopped.abort()
        await billingPoller?.stop()
        await preparing
        await grpcListener.close()
        await http.close()
        await writer.close()
        await api.close()
        await notifier?.stop()
        await selfTracing.shutdown()
        for (const session of readSessions) await session.close()
        await pointsSession?.close()
        await client.close()
      })()
      return stopping
    },
  }
}

/** Refuses ingest (503, retryable) until the warehouse's schema is ready: no row may precede the migrations. */
function untilPrepared(isPrepared: () => boolean, ingestor: Ingestor): Ingestor {
  return {
    async ingest(...args) {
      if (!isPrepared()) throw new WarehouseUnavailableError(new Error('ccscope is still waiting for the ClickHouse server'))
      return ingestor.ingest(...args)
    },
  }
}

/** Runs `attempt` until it succeeds, waiting 1 s, 2 s, 4 s … up to 30 s between tries; false if stopped first. */
async function retryUntilDone(attempt: () => Promise<void>, log: Logger, signal: AbortSignal): Promise<boolean> {
  let delayMs = 1000
  for (;;) {
    try {
      await sleep(delayMs, undefined, { signal })
    } catch {
      return false
    }
    try {
      await attempt()
      return true
    } catch (error) {
      delayMs = Math.min(delayMs * 2, 30_000)
      log.warn({ err: error, retryInMs: delayMs }, `the ClickHouse server is still unavailable: ${(error as Error).message}`)
    }
  }
}
