import fs from 'node:fs'
import { createClient, type ClickHouseClient, type ClickHouseClientConfigOptions, type ClickHouseSettings } from '@clickhouse/client'

export type Warehouse = ClickHouseClient

type Connection = NonNullable<ClickHouseClientConfigOptions['connection']>

/**
 * chDB implements the Connection contract of @clickhouse/client-common 1.23.0; @clickhouse/client
 * 1.23.1 bundles its own copy of the same interface whose settings list has grown since, so the
 * compiler sees two types. They are the same contract: this is the one cast that bridges the copies.
 */
async function chdbConnection(path: string): Promise<Connection> {
  // Loaded on demand: a server deployment may install without chDB's native engine.
  const { createChdbConnection } = await import('chdb/connection')
  return createChdbConnection({ path }) as unknown as Connection
}

/** chDB's raw insert: the payload's bytes go to the engine's parser as they are (no SQL string is built). */
export type RawInsert = (params: {
  table: string
  values: Buffer
  format: 'JSONCompactEachRow'
  columns: readonly string[]
  settings: Record<string, string | number>
}) => Promise<unknown>

const rawInserts = new WeakMap<Warehouse, RawInsert>()

/** The embedded engine's raw insert for a client opened by openWarehouse, or undefined (a server). */
export function rawInsertOf(client: Warehouse): RawInsert | undefined {
  return rawInserts.get(client)
}

function hasRawInsert(connection: unknown): connection is { chdb: { rawInsert: RawInsert } } {
  const chdb = (connection as { chdb?: { rawInsert?: unknown } }).chdb
  return typeof chdb?.rawInsert === 'function'
}

/** Where the warehouse is: the embedded engine's data directory, or a ClickHouse server (and its cluster). */
export type WarehouseConfig =
  | { mode: 'embedded'; path: string; database: string }
  | { mode: 'server'; url: string; user: string; password: string; database: string; cluster?: string }

/**
 * The one place that knows whether ccscope runs on the embedded engine (chDB, in-process, data on
 * local disk) or on a ClickHouse server. Everything above gets the same @clickhouse/client API, and
 * unqualified table names resolve to the configured database in both modes.
 */
export async function openWarehouse(ch: WarehouseConfig, requestTimeoutMs = 10_000): Promise<Warehouse> {
  // ch.database is configuration, validated as a plain identifier in server/config.ts: never a request value.
  if (ch.mode === 'embedded') {
    fs.mkdirSync(ch.path, { recursive: true })
    const connection = await chdbConnection(ch.path)
    const client = createClient({ connection })
    // @clickhouse/client's insert stringifies every row into a stream that chDB joins into one SQL string;
    // the raw insert hands the engine the bytes (about a third less time per batch, measured in bench/ingest).
    if (hasRawInsert(connection)) {
      const { rawInsert } = connection.chdb
      rawInserts.set(client, (params) => rawInsert(params))
    }
    // chDB keeps one session per process: USE sticks to it, like `database` does for a server client.
    await client.command({ query: `CREATE DATABASE IF NOT EXISTS ${ch.database}` })
    await client.command({ query: `USE ${ch.database}` })
    return client
  }
  await createDatabase(ch, requestTimeoutMs)
  return serverClient(ch, requestTimeoutMs)
}

/**
 * Read sessions on the embedded engine's data directory, beside the client's own: the API's queries spread
 * over them (warehouse/pool.ts) instead of queueing on one session. Each session is USE'd to the database.
 */
export async function openReadSessions(ch: Extract<WarehouseConfig, { mode: 'embedded' }>, count: number): Promise<Warehouse[]> {
  const sessions: Warehouse[] = []
  for (let i = 0; i < count; i++) {
    const client = createClient({ connection: await chdbConnection(ch.path) })
    await client.command({ query: `USE ${ch.database}` })
    sessions.push(client)
  }
  return sessions
}

type ServerConfig = Extract<WarehouseConfig, { mode: 'server' }>

/** Creates the configured database on the server if it is missing (the one statement run outside it). */
export async function createDatabase(ch: ServerConfig, requestTimeoutMs = 10_000): Promise<void> {
  const bootstrap = createClient({ url: ch.url, username: ch.user, password: ch.password, request_timeout: requestTimeoutMs })
  try {
    await bootstrap.command({ query: `CREATE DATABASE IF NOT EXISTS ${ch.database}` })
  } finally {
    await bootstrap.close()
  }
}

/** A client for the server's database. Connects lazily: nothing is sent until the first query. */
export function serverClient(ch: ServerConfig, requestTimeoutMs = 10_000): Warehouse {
  return createClient({
    url: ch.url,
    username: ch.user,
    password: ch.password,
    database: ch.database,
    // A server silent this long counts as unavailable: ingest answers 503 and the exporters retry.
    request_timeout: requestTimeoutMs,
    clickhouse_settings: serverSettings(ch),
  })
}

/**
 * What every query to a server runs with. On a cluster, IN subqueries over Distributed tables read each
 * shard's own rows (`distributed_product_mode = 'local'`; the default, deny, refuses them): right because
 * the rows a query relates (a session's, a person's) share a shard (warehouse/RULES.md, "Cluster"). Without
 * it the cost queries' covered-session subtraction and the writer's coverage lookups fail on a cluster.
 */
export function serverSettings(ch: ServerConfig): ClickHouseSettings {
  return { output_format_json_quote_64bit_integers: 1, ...(ch.cluster ? { distributed_product_mode: 'local' } : {}) }
}

/** Reads a query's rows as JSON objects. */
export async function selectRows<T>(client: Warehouse, query: string, params: Record<string, unknown> = {}): Promise<T[]> {
  const result = await client.query({
    query,
    query_params: params,
    format: 'JSONEachRow',
    // 64-bit integers as strings, on both engines, so that no count loses precision in JSON.
    clickhouse_settings: { output_format_json_quote_64bit_integers: 1 },
  })
  return result.json<T>()
}
