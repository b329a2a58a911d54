import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { z } from 'zod'
import { DEFAULT_REQUEST_LIMITS, type RequestLimits } from '../collector/limits'
import type { ConnectionLimits } from '../runtime/connections'
import type { Timeouts } from '../runtime/timeouts'
import { LOG_LEVELS } from '../runtime/logger'
import type { IngestToken } from '../collector/auth'
import type { WarehouseConfig } from '../warehouse/client'
import { isAddressOrCidr } from '../dashboard/api/auth/addresses'
import { roleSchema } from '../schemas/auth'

/**
 * ccscope's configuration: read once from the environment, validated here and nowhere else.
 * Every knob is documented in docs/configuration.md.
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

const TOKEN_LABEL = /^([A-Za-z0-9][A-Za-z0-9_.-]{0,63}):(.+)$/
const ingestTokenList = tokenList.transform((entries): IngestToken[] =>
  entries.map((entry) => {
    const match = TOKEN_LABEL.exec(entry)
    return match?.[1] && match[2] ? { label: match[1], token: match[2] } : { label: '', token: entry }
  }),
)

/** "true"/"false"/"1"/"0"/"yes"/"no"; empty = the default. */
const flag = (fallback: boolean) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      const s = (v ?? '').trim().toLowerCase()
      if (s === '') return fallback
      if (['1', 'true', 'yes', 'on'].includes(s)) return true
      if (['0', 'false', 'no', 'off'].includes(s)) return false
      ctx.addIssue({ code: 'custom', message: 'must be true or false' })
      return z.NEVER
    })

const days = z.coerce.number().int().min(0).max(36_500)

const envSchema = z
  .object({
    CCSCOPE_DATA_DIR: z.string().default('./data'),
    // A ClickHouse server instead of the embedded engine; unset = embedded chDB under CCSCOPE_DATA_DIR.
    CLICKHOUSE_URL: optionalString.pipe(z.url({ message: 'must be a URL such as http://localhost:8123' }).optional()),
    CLICKHOUSE_USER: z.string().default('default'),
    CLICKHOUSE_PASSWORD: z.string().default(''),
    CLICKHOUSE_DATABASE: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a plain identifier (letters, digits, underscore)')
      .default('ccscope'),
    // A ClickHouse cluster (its name in remote_servers): the migrations are rendered for it (warehouse/ddl.ts).
    CLICKHOUSE_CLUSTER: optionalString.pipe(
      z
        .string()
        .regex(/^[A-Za-z_][A-Za-z0-9_-]*$/, 'must be a cluster name from remote_servers (letters, digits, _ and -)')
        .optional(),
    ),
    OTLP_HTTP_PORT: port.default(4318),
    OTLP_GRPC_PORT: port.default(4317),
    PORT: port.default(3000),
    CCSCOPE_INGEST_TOKENS: ingestTokenList,
    CCSCOPE_BIND: optionalString,
    // The built dashboard (npm start builds it when its sources changed); unset = dist/dashboard in the repository.
    CCSCOPE_DASHBOARD_DIR: z.string().optional(),
    // ccscope's own traces (ingest, writes, warehouse reads), exported over OTLP/HTTP to this base URL; unset = none.
    CCSCOPE_SELF_TRACES_ENDPOINT: optionalString.pipe(z.url({ message: 'must be an OTLP/HTTP base URL such as http://localhost:4318' }).optional()),
    CCSCOPE_LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
    // Rows wait at most this long in the buffer before they are written (and the request acknowledged).
    CCSCOPE_FLUSH_INTERVAL_MS: positiveInt.default(500),
    // A flush writes at most this many rows per table in one INSERT.
    CCSCOPE_BATCH_MAX_ROWS: positiveInt.default(50_000),
    // Rows buffered or being written, all tables together; past it requests get 429 + Retry-After.
    CCSCOPE_BUFFER_MAX_ROWS: positiveInt.default(200_000),
    // Bytes all export requests in flight may hold together (bodies received, decompressed, decoded, and their
    // rows until committed, estimated); past it requests get 429 / UNAVAILABLE + Retry-After. With 64 MiB, ccscope
    // on the embedded engine peaks at ~1.2 GB RSS under a 10× flood (2.8 GB without a budget; docs/benchmarks.md).
    CCSCOPE_MAX_INFLIGHT_BYTES: positiveInt.default(64 * 1024 * 1024),
    // Longest a ClickHouse server may stay silent on a query or insert before it counts as unavailable (503).
    CLICKHOUSE_REQUEST_TIMEOUT_MS: positiveInt.default(10_000),
    // Largest request body accepted as sent on the wire (compressed or not).
    CCSCOPE_MAX_BODY_BYTES: positiveInt.default(16 * 1024 * 1024),
    // Largest body after gzip decompression: guards against gzip bombs.
    CCSCOPE_MAX_DECOMPRESSED_BYTES: positiveInt.default(16 * 1024 * 1024),
    // Records whose time is further in the past than this are rejected (they would open old partitions).
    CCSCOPE_MAX_RECORD_AGE_DAYS: positiveInt.default(400),
    // Records stamped further in the future than this are rejected (clock skew allowance).
    CCSCOPE_MAX_CLOCK_SKEW_MINUTES: positiveInt.default(24 * 60),
    // Privacy: keep prompt text, responses, tool inputs and raw bodies when a fleet sends them (off = dropped, counted).
    CCSCOPE_STORE_CONTENT: flag(false),
    // Privacy: a secret; when set, user.email and enduser.id are replaced by a keyed hash (HMAC-SHA256) before storage.
    CCSCOPE_PSEUDONYMIZE_KEY: optionalString.pipe(z.string().min(16, 'must be at least 16 characters (use openssl rand -hex 32)').optional()),
    // Retention in days (0 = keep forever): raw tables (events, metric points, spans) and the rollups the dashboard reads.
    CCSCOPE_RETENTION_RAW_DAYS: days.default(400),
    CCSCOPE_RETENTION_ROLLUP_DAYS: days.default(1825),
    // A request with more records (log records + data points + spans) is refused whole with 413.
    CCSCOPE_MAX_RECORDS_PER_REQUEST: positiveInt.default(DEFAULT_REQUEST_LIMITS.maxRecordsPerRequest),
    // A request with more attributes (all lists' elements, before any is dropped) is refused whole with 413:
    // it bounds the event-loop time one request costs (about a microsecond per attribute).
    CCSCOPE_MAX_ATTRIBUTES_PER_REQUEST: positiveInt.default(DEFAULT_REQUEST_LIMITS.maxAttributesPerRequest),
    // Attributes past this many per record (resource, scope) are dropped; OpenTelemetry's default count limit.
    CCSCOPE_MAX_ATTRIBUTES_PER_RECORD: positiveInt.default(DEFAULT_REQUEST_LIMITS.maxAttributesPerRecord),
    // Longer strings (attribute keys and values, bodies) are cut to this many UTF-8 bytes.
    CCSCOPE_MAX_ATTRIBUTE_VALUE_BYTES: positiveInt.default(DEFAULT_REQUEST_LIMITS.maxStringBytes),
    // Arrays and maps nested deeper inside one value are replaced by an empty value.
    CCSCOPE_MAX_VALUE_DEPTH: positiveInt.max(256).default(DEFAULT_REQUEST_LIMITS.maxValueDepth),
    // Longest time a client may take to send a whole request (headers and body; a gRPC call's message), on every port.
    CCSCOPE_REQUEST_TIMEOUT_MS: positiveInt.default(30_000),
    // Longest time a client may take to send a request's headers (a gRPC connection: its preface and first call).
    CCSCOPE_HEADERS_TIMEOUT_MS: positiveInt.default(10_000),
    // A connection with no request under way (nothing sent either way) is closed after this long, on every port.
    CCSCOPE_IDLE_TIMEOUT_MS: positiveInt.default(30_000),
    // Open connections per listening port; more are closed on arrival (keep the three ports' total under `ulimit -n`).
    CCSCOPE_MAX_CONNECTIONS: positiveInt.default(4096),
    // Open connections per client address, per port (0 = no limit); a NAT in front of many laptops counts as one address.
    CCSCOPE_MAX_CONNECTIONS_PER_ADDRESS: z.coerce.number().int().min(0).default(1024),
    // In-flight bytes one client address may hold (0 = no limit): one sender cannot take the whole budget.
    CCSCOPE_MAX_INFLIGHT_BYTES_PER_ADDRESS: z.coerce
      .number()
      .int()
      .min(0)
      .default(16 * 1024 * 1024),
    // Dashboard/API users and tokens (written by `npm run users`); unset = <data dir>/users.json.
    CCSCOPE_USERS_FILE: optionalString,
    // SSO: the header a trusted proxy (oauth2-proxy, …) names the signed-in user in, e.g. X-Forwarded-Email.
    CCSCOPE_AUTH_PROXY_HEADER: optionalString.pipe(
      z
        .string()
        .regex(/^[A-Za-z0-9-]+$/, 'must be an HTTP header name')
        .optional(),
    ),
    // The proxies' addresses (IPs or CIDRs); the header is ignored on requests from anywhere else.
    CCSCOPE_AUTH_PROXY_TRUSTED: tokenList.pipe(
      z.array(z.string().refine(isAddressOrCidr, 'each entry must be an IP address or a CIDR block such as 10.0.0.0/8')),
    ),
    // Role of a proxy-named user who is not in the users file; unset = such users are refused.
    CCSCOPE_AUTH_PROXY_DEFAULT_ROLE: optionalString.pipe(roleSchema.optional()),
    // A browser session lasts this long after sign-in.
    CCSCOPE_SESSION_HOURS: positiveInt.default(12),
    // Embedded engine: sessions the API's queries spread over (one runs one query at a time; a page asks for ~10).
    CCSCOPE_READ_SESSIONS: positiveInt.max(16).default(3),
    // Budget alerts (docs/finance.md): evaluate every budget this often, and deliver webhooks. false = this
    // instance neither evaluates nor delivers. Several instances on one warehouse may all keep it on: each
    // delivery and report is claimed in the warehouse and sent by one of them (warehouse/claims.ts).
    CCSCOPE_ALERTS: flag(true),
    CCSCOPE_ALERT_EVALUATE_SECONDS: positiveInt.default(300),
    // Scheduled reports with a folder destination are written here (default <data dir>/reports).
    CCSCOPE_REPORTS_DIR: optionalString,
    // Reports by e-mail: smtp://user:password@host:587 (STARTTLS when offered) or smtps://…:465; unset = no e-mail.
    CCSCOPE_SMTP_URL: optionalString.pipe(z.url({ protocol: /^smtps?$/, message: 'must be an smtp:// or smtps:// URL' }).optional()),
    CCSCOPE_SMTP_FROM: z.string().trim().min(3).default('ccscope <ccscope@localhost>'),
    // With no dashboard user, API token or SSO proxy configured: true = requests from this machine act as
    // admin; false = the API refuses everything; auto (default) = open to this machine until a users file has
    // been configured once (a marker in the data directory remembers it), closed after: a first start works
    // at once, and a users file deleted or emptied later never opens the dashboard.
    // Other ccscope instances write the same warehouse (several behind a load balancer): no instance may
    // trust what it remembers of a metric stream (collector/writer/writer.ts). auto = yes on a cluster.
    CCSCOPE_SHARED_WAREHOUSE: z
      .string()
      .optional()
      .transform((v, ctx) => {
        const s = (v ?? '').trim().toLowerCase()
        if (s === '' || s === 'auto') return 'auto' as const
        if (['1', 'true', 'yes', 'on'].includes(s)) return true
        if (['0', 'false', 'no', 'off'].includes(s)) return false
        ctx.addIssue({ code: 'custom', message: 'must be auto, true or false' })
        return z.NEVER
      }),
    CCSCOPE_OPEN_MODE: z
      .string()
      .optional()
      .transform((v, ctx) => {
        const s = (v ?? '').trim().toLowerCase()
        if (s === '' || s === 'auto') return 'auto' as const
        if (['1', 'true', 'yes', 'on'].includes(s)) return 'on' as const
        if (['0', 'false', 'no', 'off'].includes(s)) return 'off' as const
        ctx.addIssue({ code: 'custom', message: 'must be auto, true or false' })
        return z.NEVER
      }),
    // Billing reconciliation: an Anthropic Admin API key (sk-ant-admin…); when set, ccscope polls the Claude Code
    // Analytics Admin API for what is billed (dashboard/api/billing/poller.ts). Unset = no polling (uploads still work).
    CCSCOPE_ANTHROPIC_ADMIN_KEY: optionalString.pipe(
      z
        .string()
        .startsWith('sk-ant-admin', 'must be an Admin API key (sk-ant-admin…), not an ordinary API key: the usage report is part of the Admin API')
        .optional(),
    ),
    // Where the Admin API is (a proxy in front of api.anthropic.com, say).
    CCSCOPE_ANTHROPIC_API_URL: z.url({ message: 'must be a URL such as https://api.anthropic.com' }).default('https://api.anthropic.com'),
    // Minutes between polls; each poll re-fetches the last CCSCOPE_ANTHROPIC_POLL_DAYS complete UTC days (the report of a
    // day can still change after it ends, and a re-fetched day replaces the stored one).
    CCSCOPE_ANTHROPIC_POLL_MINUTES: positiveInt.max(7 * 24 * 60).default(360),
    CCSCOPE_ANTHROPIC_POLL_DAYS: positiveInt.max(366).default(7),
    // `npm start -- --demo`: its own data directory (never the real one), and the simulated fleet it fills it with the first time.
    CCSCOPE_DEMO_DATA_DIR: z.string().trim().min(1).default('./data-demo'),
    CCSCOPE_DEMO_USERS: positiveInt.max(100_000).default(200),
    CCSCOPE_DEMO_DAYS: positiveInt.max(365).default(30),
  })
  .superRefine((e, ctx) => {
    if (e.CCSCOPE_AUTH_PROXY_HEADER && e.CCSCOPE_AUTH_PROXY_TRUSTED.length === 0)
      ctx.addIssue({ code: 'custom', path: ['CCSCOPE_AUTH_PROXY_TRUSTED'], message: 'must list the proxy addresses when CCSCOPE_AUTH_PROXY_HEADER is set' })
  })

export type Env = z.input<typeof envSchema>

export interface Config {
  dataDir: string
  clickhouse: WarehouseConfig
  /** Server mode: longest silence from ClickHouse on one request before it counts as unavailable. */
  warehouseRequestTimeoutMs: number
  ports: { otlpHttp: number; otlpGrpc: number; api: number }
  /** Host the listeners bind to. Forced to 127.0.0.1 when no ingest token is configured. */
  bindHost: string
  /** Why bindHost is what it is, for the start-up log. */
  bindReason: string
  ingestTokens: IngestToken[]
  logLevel: z.infer<typeof envSchema>['CCSCOPE_LOG_LEVEL']
  /** Where ccscope's own spans go (server/tracing.ts); undefined = nowhere. */
  selfTracesEndpoint: string | undefined
  /** Where the built dashboard is served from. */
  dashboardDir: string
  writer: { flushIntervalMs: number; batchMaxRows: number; bufferMaxRows: number; sharedWarehouse: boolean }
  /** Embedded mode: engine sessions for the API's reads (warehouse/pool.ts). */
  readSessions: number
  /** Budget alerts: off, or evaluated every evaluateMs (dashboard/api/budgets/notifier.ts). */
  alerts: { enabled: boolean; evaluateMs: number; reportsDir: string; smtp: { url: string; from: string } | undefined }
  /** Dashboard and API access control (dashboard/api/auth). */
  auth: {
    usersFile: string
    /** Trusted SSO proxy: the header naming the user, the addresses allowed to set it, the role of users not in the file. */
    proxy: { header: string; trusted: string[]; defaultRole: z.infer<typeof roleSchema> | undefined } | undefined
    sessionTtlMs: number
    /** No user, token or proxy configured: this machine acts as admin (true), or nobody gets in (false). */
    /** CCSCOPE_OPEN_MODE, and the marker that remembers a users file was configured once (auto). */
    openMode: 'auto' | 'on' | 'off'
    configuredMarker: string
  }
  privacy: { storeContent: boolean; pseudonymizeKey: string | undefined }
  /** Timeouts and connection limits of every listening port (server/timeouts.ts, server/connections.ts). */
  network: { timeouts: Timeouts; connections: ConnectionLimits }
  retention: { rawDays: number; rollupDays: number }
  /** Polling the Claude Code Analytics Admin API for billed usage; off (adminKey undefined) unless a key is configured. */
  billing: { adminKey: string | undefined; apiUrl: string; pollIntervalMs: number; pollDays: number }
  /** `npm start -- --demo` (simulator/demo.ts): where its data lives and the fleet it simulates there. */
  demo: { dataDir: string; users: number; days: number }
  limits: {
    maxInflightBytes: number
    /** In-flight bytes one client address may hold; Infinity = no limit. */
    maxInflightBytesPerAddress: number
    maxBodyBytes: number
    maxDecompressedBytes: number
    maxRecordAgeMs: number
    maxClockSkewMs: number
    /** Records per request, attributes per record, string bytes, value depth (collector/limits.ts). */
    request: RequestLimits
  }
}

/** Variables whose values are credentials: a message about them never repeats the value. */
const SECRET_VARIABLES: ReadonlySet<string> = new Set(['CCSCOPE_ANTHROPIC_ADMIN_KEY', 'CCSCOPE_PSEUDONYMIZE_KEY', 'CLICKHOUSE_PASSWORD'])

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
        // A secret is never echoed into a log, even a wrong one (it may be a real key pasted in the wrong place).
        const shown = SECRET_VARIABLES.has(name) ? ' (value not shown)' : ` (got ${JSON.stringify(got)})`
        return `${name}: ${issue.message}${got === undefined ? '' : shown}`
      }),
    )
  }
  const e = parsed.data
  const retentionIssue =
    e.CCSCOPE_RETENTION_ROLLUP_DAYS !== 0 && (e.CCSCOPE_RETENTION_RAW_DAYS === 0 || e.CCSCOPE_RETENTION_ROLLUP_DAYS < e.CCSCOPE_RETENTION_RAW_DAYS)
  if (retentionIssue)
    throw new ConfigError([
      `CCSCOPE_RETENTION_ROLLUP_DAYS: must be 0 (keep forever) or at least CCSCOPE_RETENTION_RAW_DAYS (got ${e.CCSCOPE_RETENTION_ROLLUP_DAYS} and ${e.CCSCOPE_RETENTION_RAW_DAYS}): the dashboard's totals come from the rollups`,
    ])
  if (e.CLICKHOUSE_CLUSTER && !e.CLICKHOUSE_URL)
    throw new ConfigError([`CLICKHOUSE_CLUSTER: needs CLICKHOUSE_URL (got ${JSON.stringify(e.CLICKHOUSE_CLUSTER)}): the embedded engine is one node`])
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
          ...(e.CLICKHOUSE_CLUSTER ? { cluster: e.CLICKHOUSE_CLUSTER } : {}),
        }
      : { mode: 'embedded', path: path.join(dataDir, 'chdb'), database: e.CLICKHOUSE_DATABASE },
    warehouseRequestTimeoutMs: e.CLICKHOUSE_REQUEST_TIMEOUT_MS,
    ports: { otlpHttp: e.OTLP_HTTP_PORT, otlpGrpc: e.OTLP_GRPC_PORT, api: e.PORT },
    bindHost,
    bindReason,
    ingestTokens: e.CCSCOPE_INGEST_TOKENS,
    privacy: { storeContent: e.CCSCOPE_STORE_CONTENT, pseudonymizeKey: e.CCSCOPE_PSEUDONYMIZE_KEY },
    retention: { rawDays: e.CCSCOPE_RETENTION_RAW_DAYS, rollupDays: e.CCSCOPE_RETENTION_ROLLUP_DAYS },
    demo: { dataDir: path.resolve(e.CCSCOPE_DEMO_DATA_DIR), users: e.CCSCOPE_DEMO_USERS, days: e.CCSCOPE_DEMO_DAYS },
    billing: {
      adminKey: e.CCSCOPE_ANTHROPIC_ADMIN_KEY,
      apiUrl: e.CCSCOPE_ANTHROPIC_API_URL,
      pollIntervalMs: e.CCSCOPE_ANTHROPIC_POLL_MINUTES * 60_000,
      pollDays: e.CCSCOPE_ANTHROPIC_POLL_DAYS,
    },
    selfTracesEndpoint: e.CCSCOPE_SELF_TRACES_ENDPOINT,
    logLevel: e.CCSCOPE_LOG_LEVEL,
    dashboardDir: path.resolve(e.CCSCOPE_DASHBOARD_DIR ?? DEFAULT_DASHBOARD_DIR),
    auth: {
      usersFile: path.resolve(e.CCSCOPE_USERS_FILE ?? path.join(dataDir, 'users.json')),
      proxy: e.CCSCOPE_AUTH_PROXY_HEADER
        ? { header: e.CCSCOPE_AUTH_PROXY_HEADER.toLowerCase(), trusted: e.CCSCOPE_AUTH_PROXY_TRUSTED, defaultRole: e.CCSCOPE_AUTH_PROXY_DEFAULT_ROLE }
        : undefined,
      sessionTtlMs: e.CCSCOPE_SESSION_HOURS * 3_600_000,
      openMode: e.CCSCOPE_OPEN_MODE,
      configuredMarker: path.join(dataDir, 'auth-configured'),
    },
    readSessions: e.CCSCOPE_READ_SESSIONS,
    alerts: {
      enabled: e.CCSCOPE_ALERTS,
      evaluateMs: e.CCSCOPE_ALERT_EVALUATE_SECONDS * 1000,
      reportsDir: path.resolve(e.CCSCOPE_REPORTS_DIR ?? path.join(dataDir, 'reports')),
      smtp: e.CCSCOPE_SMTP_URL ? { url: e.CCSCOPE_SMTP_URL, from: e.CCSCOPE_SMTP_FROM } : undefined,
    },
    writer: {
      flushIntervalMs: e.CCSCOPE_FLUSH_INTERVAL_MS,
      batchMaxRows: e.CCSCOPE_BATCH_MAX_ROWS,
      bufferMaxRows: e.CCSCOPE_BUFFER_MAX_ROWS,
      sharedWarehouse: e.CCSCOPE_SHARED_WAREHOUSE === 'auto' ? e.CLICKHOUSE_CLUSTER !== undefined : e.CCSCOPE_SHARED_WAREHOUSE,
    },
    limits: {
      maxInflightBytes: e.CCSCOPE_MAX_INFLIGHT_BYTES,
      maxInflightBytesPerAddress: e.CCSCOPE_MAX_INFLIGHT_BYTES_PER_ADDRESS === 0 ? Number.POSITIVE_INFINITY : e.CCSCOPE_MAX_INFLIGHT_BYTES_PER_ADDRESS,
      maxBodyBytes: e.CCSCOPE_MAX_BODY_BYTES,
      maxDecompressedBytes: e.CCSCOPE_MAX_DECOMPRESSED_BYTES,
      maxRecordAgeMs: e.CCSCOPE_MAX_RECORD_AGE_DAYS * 86_400_000,
      maxClockSkewMs: e.CCSCOPE_MAX_CLOCK_SKEW_MINUTES * 60_000,
      request: {
        maxRecordsPerRequest: e.CCSCOPE_MAX_RECORDS_PER_REQUEST,
        maxAttributesPerRequest: e.CCSCOPE_MAX_ATTRIBUTES_PER_REQUEST,
        maxAttributesPerRecord: e.CCSCOPE_MAX_ATTRIBUTES_PER_RECORD,
        maxStringBytes: e.CCSCOPE_MAX_ATTRIBUTE_VALUE_BYTES,
        maxValueDepth: e.CCSCOPE_MAX_VALUE_DEPTH,
      },
    },
    network: {
      timeouts: { headersMs: e.CCSCOPE_HEADERS_TIMEOUT_MS, requestMs: e.CCSCOPE_REQUEST_TIMEOUT_MS, idleMs: e.CCSCOPE_IDLE_TIMEOUT_MS },
      connections: { maxTotal: e.CCSCOPE_MAX_CONNECTIONS, maxPerAddress: e.CCSCOPE_MAX_CONNECTIONS_PER_ADDRESS },
    },
  }
}
