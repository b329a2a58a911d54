import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { z } from 'zod'

/**
 * ccscope's configuration: read once from the environment, validated here and nowhere else.
 * Every knob is documented in README.md ("Configuration").
 */

/** dist/dashboard beside this repository's package.json, wherever ccscope is started from. */
export const DEFAULT_DASHBOARD_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'dashboard')

const port = z.coerce.number().int().min(0).max(65535)
const positiveInt = z.coerce.number().int().positive()

/** Empty strings in the environment mean "not set", so that `FOO= npm start` falls back to the default. */
const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()))

const tokenList = z
  .string()
  .optional()
  .transform((v) =>
    (v ?? '')
      .split(',')
      .map((t) => t.trim())
      .filter((t) => t.length > 0),
  )

const envSchema = z.object({
  CCSCOPE_DATA_DIR: z.string().default('./data'),
  // A ClickHouse server instead of the embedded engine; unset = embedded chDB under CCSCOPE_DATA_DIR.
  CLICKHOUSE_URL: optionalString.pipe(z.url({ message: 'must be a URL such as http://localhost:8123' }).optional()),
  CLICKHOUSE_USER: z.string().default('default'),
  CLICKHOUSE_PASSWORD: z.string().default(''),
  CLICKHOUSE_DATABASE: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a plain identifier (letters, digits, underscore)')
    .default('ccscope'),
  OTLP_HTTP_PORT: port.default(4318),
  OTLP_GRPC_PORT: port.default(4317),
  PORT: port.default(3000),
  CCSCOPE_INGEST_TOKENS: tokenList,
  CCSCOPE_BIND: optionalString,
  // The built dashboard (npm start builds it when its sources changed); unset = dist/dashboard in the repository.
  CCSCOPE_DASHBOARD_DIR: z.string().optional(),
  CCSCOPE_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  // Rows wait at most this long in the buffer before they are written (and the request acknowledged).
  CCSCOPE_FLUSH_INTERVAL_MS: positiveInt.default(500),
  // A flush writes at most this many rows per table in one INSERT.
  CCSCOPE_BATCH_MAX_ROWS: positiveInt.default(50_000),
  // Rows buffered or being written, all tables together; past it requests get 429 + Retry-After.
  CCSCOPE_BUFFER_MAX_ROWS: positiveInt.default(200_000),
  // Largest request body accepted as sent on the wire (compressed or not).
  CCSCOPE_MAX_BODY_BYTES: positiveInt.default(16 * 1024 * 1024),
  // Largest body after gzip decompression: guards against gzip bombs.
  CCSCOPE_MAX_DECOMPRESSED_BYTES: positiveInt.default(64 * 1024 * 1024),
  // Records whose time is further in the past than this are rejected (they would open old partitions).
  CCSCOPE_MAX_RECORD_AGE_DAYS: positiveInt.default(400),
  // Records stamped further in the future than this are rejected (clock skew allowance).
  CCSCOPE_MAX_CLOCK_SKEW_MINUTES: positiveInt.default(24 * 60),
})

export type Env = z.input<typeof envSchema>

export interface Config {
  dataDir: string
  clickhouse:
    | { mode: 'embedded'; path: string; database: string }
    | { mode: 'server'; url: string; user: string; password: string; database: string }
  ports: { otlpHttp: number; otlpGrpc: number; api: number }
  /** Host the listeners bind to. Forced to 127.0.0.1 when no ingest token is configured. */
  bindHost: string
  /** Why bindHost is what it is, for the start-up log. */
  bindReason: string
  ingestTokens: string[]
  logLevel: z.infer<typeof envSchema>['CCSCOPE_LOG_LEVEL']
  /** Where the built dashboard is served from. */
  dashboardDir: string
  writer: { flushIntervalMs: number; batchMaxRows: number; bufferMaxRows: number }
  limits: {
    maxBodyBytes: number
    maxDecompressedBytes: number
    maxRecordAgeMs: number
    maxClockSkewMs: number
  }
}

export class ConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(`Invalid configuration:\n${issues.map((i) => `  - ${i}`).join('\n')}`)
    this.name = 'ConfigError'
  }
}

/** Parses the environment into a Config, or throws a ConfigError naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv | Record<string, string | undefined> = process.env): Config {
  const parsed = envSchema.safeParse(env)
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const name = String(issue.path[0] ?? '(environment)')
        const got = env[name]
        return `${name}: ${issue.message}${got === undefined ? '' : ` (got ${JSON.stringify(got)})`}`
      }),
    )
  }
  const e = parsed.data
  const dataDir = path.resolve(e.CCSCOPE_DATA_DIR)
  const open = e.CCSCOPE_INGEST_TOKENS.length === 0
  const wanted = e.CCSCOPE_BIND ?? (open ? '127.0.0.1' : '0.0.0.0')
  const bindHost = open ? '127.0.0.1' : wanted
  const bindReason = open
    ? `no CCSCOPE_INGEST_TOKENS configured, so ccscope accepts unauthenticated telemetry and listens on 127.0.0.1 only${
        wanted !== '127.0.0.1' ? ` (CCSCOPE_BIND=${wanted} ignored)` : ''
      }; set CCSCOPE_INGEST_TOKENS to accept telemetry from other machines`
    : `ingest requires a bearer token (${e.CCSCOPE_INGEST_TOKENS.length} configured)`

  return {
    dataDir,
    clickhouse: e.CLICKHOUSE_URL
      ? {
          mode: 'server',
          url: e.CLICKHOUSE_URL,
          user: e.CLICKHOUSE_USER,
          password: e.CLICKHOUSE_PASSWORD,
          database: e.CLICKHOUSE_DATABASE,
        }
      : { mode: 'embedded', path: path.join(dataDir, 'chdb'), database: e.CLICKHOUSE_DATABASE },
    ports: { otlpHttp: e.OTLP_HTTP_PORT, otlpGrpc: e.OTLP_GRPC_PORT, api: e.PORT },
    bindHost,
    bindReason,
    ingestTokens: e.CCSCOPE_INGEST_TOKENS,
    logLevel: e.CCSCOPE_LOG_LEVEL,
    dashboardDir: path.resolve(e.CCSCOPE_DASHBOARD_DIR ?? DEFAULT_DASHBOARD_DIR),
    writer: {
      flushIntervalMs: e.CCSCOPE_FLUSH_INTERVAL_MS,
      batchMaxRows: e.CCSCOPE_BATCH_MAX_ROWS,
      bufferMaxRows: e.CCSCOPE_BUFFER_MAX_ROWS,
    },
    limits: {
      maxBodyBytes: e.CCSCOPE_MAX_BODY_BYTES,
      maxDecompressedBytes: e.CCSCOPE_MAX_DECOMPRESSED_BYTES,
      maxRecordAgeMs: e.CCSCOPE_MAX_RECORD_AGE_DAYS * 86_400_000,
      maxClockSkewMs: e.CCSCOPE_MAX_CLOCK_SKEW_MINUTES * 60_000,
    },
  }
}
