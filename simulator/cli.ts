/**
 * npm run simulate -- --users 200 --days 30 --seed 1 --protocol http/protobuf --temporality delta
 *                     --endpoint http://127.0.0.1:4318 [--grpc-endpoint http://127.0.0.1:4317] [--token T]
 *                     [--end 2026-11-29T12:00:00Z] [--summary-json truths.json] [--dry-run] …
 *
 * Sends a simulated Claude Code fleet's history to an OTLP collector through the real OpenTelemetry
 * exporters; a progress bar goes to stderr, the closing summary of what was sent to stdout.
 */
import fs from 'node:fs'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { pathToFileURL } from 'node:url'
import { PROTOCOLS, type Protocol } from './exporters'
import type { Temporality } from './metrics'
import { simulate, type SimulateOptions, type SimulateResult } from './run'
import { formatTruths } from './truths'

export const USAGE = `Usage: npm run simulate -- [options]

Simulates a fleet of Claude Code users and sends their telemetry history to an OTLP collector
through the real OpenTelemetry exporters. Deterministic for a given --seed and --end.

  --users N             developers in the fleet (default 200)
  --days N              days of history ending at --end (default 30)
  --seed N              seed of every random choice (default 1)
  --end ISO             end of the period, exclusive (default: now, rounded down to the minute)
  --protocol P          http/protobuf | http/json | grpc (default http/protobuf)
  --temporality T       delta | cumulative (default delta, as Claude Code)
  --endpoint URL        OTLP/HTTP base URL (default http://127.0.0.1:4318)
  --grpc-endpoint URL   OTLP/gRPC URL (default the --endpoint host on port 4317)
  --token T             bearer token (Authorization header / gRPC metadata)
  --compression C       none | gzip (default none)
  --metric-interval S   simulated OTEL_METRIC_EXPORT_INTERVAL in seconds (default 60)
  --batch N             log records per logs export (default 4000)
  --concurrency N       exports in flight (default 8)
  --summary-json FILE   also write the truths (what was sent) as JSON
  --dry-run             generate and summarise, send nothing
  --traces              also send the beta traces (interaction → llm_request / tool spans) of users who send events
  --quiet               no progress bar
  -h, --help            this text
`

export class UsageError extends Error {}

export interface CliOptions extends SimulateOptions {
  summaryJson?: string
  quiet: boolean
}

function positiveInt(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback
  const n = Number(value)
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} must be a positive integer (got ${JSON.stringify(value)})`)
  return n
}

function url(name: string, value: string): string {
  try {
    const u = new URL(value)
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('not http')
    return value
  } catch {
    throw new UsageError(`--${name} must be an http:// or https:// URL (got ${JSON.stringify(value)})`)
  }
}

/** argv (without node and the script) → options; throws UsageError on bad input, returns undefined for --help. */
export function parseCli(argv: string[]): CliOptions | undefined {
  const parsed = (() => {
    try {
      return parseArgs({
        args: argv,
        allowPositionals: false,
        options: {
          users: { type: 'string' },
          days: { type: 'string' },
          seed: { type: 'string' },
          end: { type: 'string' },
          protocol: { type: 'string' },
          temporality: { type: 'string' },
          endpoint: { type: 'string' },
          'grpc-endpoint': { type: 'string' },
          token: { type: 'string' },
          compression: { type: 'string' },
          'metric-interval': { type: 'string' },
          batch: { type: 'string' },
          concurrency: { type: 'string' },
          'summary-json': { type: 'string' },
          'dry-run': { type: 'boolean' },
          traces: { type: 'boolean' },
          quiet: { type: 'boolean' },
          help: { type: 'boolean', short: 'h' },
        },
      })
    } catch (error) {
      throw new UsageError(error instanceof Error ? error.message : String(error))
    }
  })()
  const v = parsed.values
  if (v.help) return undefined
  const protocol = v.protocol ?? 'http/protobuf'
  if (!(PROTOCOLS as readonly string[]).includes(protocol))
    throw new UsageError(`--protocol must be one of ${PROTOCOLS.join(', ')} (got ${JSON.stringify(protocol)})`)
  const temporality = v.temporality ?? 'delta'
  if (temporality !== 'delta' && temporality !== 'cumulative')
    throw new UsageError(`--temporality must be delta or cumulative (got ${JSON.stringify(temporality)})`)
  const compression = v.compression ?? 'none'
  if (compression !== 'none' && compression !== 'gzip') throw new UsageError(`--compression must be none or gzip (got ${JSON.stringify(compression)})`)
  let end: Date | undefined
  if (v.end !== undefined) {
    end = new Date(v.end)
    if (Number.isNaN(end.getTime())) throw new UsageError(`--end must be an ISO date-time such as 2026-11-29T12:00:00Z (got ${JSON.stringify(v.end)})`)
  }
  const seed = v.seed === undefined ? 1 : Number(v.seed)
  if (!Number.isInteger(seed) || seed < 0) throw new UsageError(`--seed must be a non-negative integer (got ${JSON.stringify(v.seed)})`)
  const endpoint = url('endpoint', v.endpoint ?? 'http://127.0.0.1:4318')
  return {
    users: positiveInt('users', v.users, 200),
    days: positiveInt('days', v.days, 30),
    seed,
    ...(end ? { end } : {}),
    protocol: protocol as Protocol,
    temporality: temporality as Temporality,
    endpoint,
    ...(v['grpc-endpoint'] !== undefined ? { grpcEndpoint: url('grpc-endpoint', v['grpc-endpoint']) } : {}),
    ...(v.token !== undefined ? { token: v.token } : {}),
    compression,
    metricIntervalSeconds: positiveInt('metric-interval', v['metric-interval'], 60),
    batchSize: positiveInt('batch', v.batch, 4000),
    concurrency: positiveInt('concurrency', v.concurrency, 8),
    ...(v['summary-json'] !== undefined ? { summaryJson: v['summary-json'] } : {}),
    dryRun: v['dry-run'] === true,
    traces: v.traces === true,
    quiet: v.quiet === true,
  }
}

/** The closing report: the truths, then how the sending went. */
export function formatResult(result: SimulateResult, dryRun: boolean): string {
  const lines = [formatTruths(result.truths), '']
  if (dryRun) {
    lines.push(`Dry run: ${result.truths.logRecords + result.truths.metricPoints} records generated in ${result.countSeconds.toFixed(1)} s, nothing sent.`)
  } else {
    lines.push(
      `Sent ${result.records.toLocaleString('en-US')} records over ${result.protocol} (${result.temporality}) in ${result.seconds.toFixed(1)} s: ` +
        `${Math.round(result.recordsPerSecond).toLocaleString('en-US')} records/s, ${result.stats.exports.toLocaleString('en-US')} exports, ` +
        `${result.stats.retries} retried` +
        (result.stats.retries > 0 ? ` (concurrency went down to ${result.stats.minConcurrency})` : '') +
        `; seed ${result.seed}.`,
    )
    if (result.partialSuccess.length > 0)
      lines.push(`WARNING: the collector refused records in ${result.partialSuccess.length} export(s); the truths above overstate what it stored.`)
  }
  return lines.join('\n')
}

export async function main(argv: string[]): Promise<number> {
  let options: CliOptions | undefined
  try {
    options = parseCli(argv)
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`simulate: ${error.message}\n\n${USAGE}`)
      return 2
    }
    throw error
  }
  if (!options) {
    process.stdout.write(USAGE)
    return 0
  }
  const target = options.protocol === 'grpc' ? (options.grpcEndpoint ?? `grpc on ${new URL(options.endpoint).hostname}:4317`) : options.endpoint
  process.stderr.write(
    `simulate: ${options.users} users × ${options.days} days, seed ${options.seed}, ${options.protocol} (${options.temporality})` +
      `${options.dryRun ? ', dry run' : ` → ${target}`}\n`,
  )
  const result = await simulate({ ...options, progress: options.quiet ? false : process.stderr })
  process.stdout.write(`${formatResult(result, options.dryRun === true)}\n`)
  if (options.summaryJson) {
    const file = path.resolve(options.summaryJson)
    fs.mkdirSync(path.dirname(file), { recursive: true })
    const { truths, seconds, records, recordsPerSecond, stats, protocol, temporality, seed, partialSuccess } = result
    fs.writeFileSync(
      file,
      `${JSON.stringify({ seed, users: options.users, days: options.days, protocol, temporality, truths, run: { seconds, records, recordsPerSecond, stats, partialSuccess } }, null, 2)}\n`,
    )
    process.stderr.write(`simulate: truths written to ${file}\n`)
  }
  return result.partialSuccess.length > 0 ? 1 : 0
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`\nsimulate failed: ${error instanceof Error ? error.message : String(error)}\n`)
      process.exit(1)
    },
  )
}
