import type { AddressInfo } from 'node:net'
import type * as grpc from '@grpc/grpc-js'
import { TokenSet } from '../collector/auth'
import { bindGrpc, createGrpcReceiver } from '../collector/grpc'
import { createHttpReceiver } from '../collector/http'
import { createIngestor } from '../collector/ingest'
import { Writer } from '../collector/writer/writer'
import { createApi } from '../dashboard/api/server'
import { openWarehouse, type Warehouse } from '../warehouse/client'
import { migrate } from '../warehouse/migrate'
import type { Config } from './config'
import { createLogger, type Logger } from './logger'
import { SelfMetrics } from './self-metrics'

/** A running ccscope: collector (OTLP/HTTP + OTLP/gRPC) and API, on one warehouse. */
export interface Ccscope {
  ports: { otlpHttp: number; otlpGrpc: number; api: number }
  client: Warehouse
  writer: Writer
  metrics: SelfMetrics
  log: Logger
  stop(): Promise<void>
}

export async function startCcscope(config: Config, log: Logger = createLogger(config.logLevel)): Promise<Ccscope> {
  const where = config.clickhouse.mode === 'embedded' ? `embedded engine at ${config.clickhouse.path}` : `ClickHouse server ${config.clickhouse.url}`
  log.info({ mode: config.clickhouse.mode }, `opening the warehouse: ${where}`)
  const client = await openWarehouse(config.clickhouse)
  const report = await migrate(client)
  log.info(
    { applied: report.applied, alreadyApplied: report.alreadyApplied },
    report.applied.length > 0 ? `applied ${report.applied.length} migration(s)` : 'schema up to date',
  )
  if (report.changed.length > 0)
    log.warn({ changed: report.changed }, 'applied migrations have changed on disk since; they are not re-run')

  const metrics = new SelfMetrics()
  const writer = new Writer(client, config.writer, log.child({ component: 'writer' }), metrics)
  const ingestor = createIngestor(writer, metrics, log.child({ component: 'ingest' }), () => ({
    nowMs: Date.now(),
    maxRecordAgeMs: config.limits.maxRecordAgeMs,
    maxClockSkewMs: config.limits.maxClockSkewMs,
  }))
  const tokens = new TokenSet(config.ingestTokens)
  const http = await createHttpReceiver({
    ingestor,
    tokens,
    metrics,
    log,
    maxBodyBytes: config.limits.maxBodyBytes,
    maxDecompressedBytes: config.limits.maxDecompressedBytes,
  })
  const grpcServer: grpc.Server = createGrpcReceiver({
    ingestor,
    tokens,
    metrics,
    log: log.child({ component: 'otlp-grpc' }),
    maxMessageBytes: config.limits.maxDecompressedBytes,
  })
  const otlp = { httpPort: 0, grpcPort: 0, authRequired: config.ingestTokens.length > 0 }
  const api = await createApi({ client, metrics, log, otlp, dashboardDir: config.dashboardDir })

  await http.listen({ host: config.bindHost, port: config.ports.otlpHttp })
  const grpcPort = await bindGrpc(grpcServer, config.bindHost, config.ports.otlpGrpc)
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
  log.info(
    { ...ports, host: config.bindHost },
    `ccscope is ready: OTLP/HTTP on ${config.bindHost}:${ports.otlpHttp}, OTLP/gRPC on ${config.bindHost}:${ports.otlpGrpc}, API on http://${config.bindHost}:${ports.api}`,
  )

  let stopping: Promise<void> | undefined
  return {
    ports,
    client,
    writer,
    metrics,
    log,
    stop() {
      stopping ??= (async () => {
        await new Promise<void>((resolve) => grpcServer.tryShutdown(() => resolve()))
        await http.close()
        await writer.close()
        await api.close()
        await client.close()
      })()
      return stopping
    },
  }
}
