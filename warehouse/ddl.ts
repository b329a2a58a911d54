import type { ClickHouseSettings } from '@clickhouse/client'

/**
 * One migration source, two targets (warehouse/RULES.md, "Cluster"). The numbered migrations are written
 * for one node (the embedded engine, or one ClickHouse server) and run as written there. For a cluster they
 * are rendered statement by statement:
 *
 * - a data table `t` becomes `t_local` on every node (`Replicated*MergeTree` under
 *   /clickhouse/tables/{shard}/{database}/t_local, replica {replica}) and `t` a `Distributed` table over it,
 *   sharded by cityHash64(user_key): a person's rows, so their sessions, live on one shard, and the same
 *   record resent lands where its first copy is (ReplacingMergeTree removes duplicates per shard). Code reads
 *   and inserts by the public names, unchanged;
 * - a table every node needs whole (the directory, the imported bill) is replicated to every node, not sharded;
 * - a materialized view reads the local source and writes the local target on each node, as ClickHouse
 *   advises for replicated rollups (an insert through `t` reaches `t_local` on one shard, whose views fire
 *   there);
 * - every DDL statement runs ON CLUSTER; backfills insert through the Distributed tables; mutations run on
 *   the local tables. Every statement runs with CLUSTER_SETTINGS.
 
 *
 * Only the statement shapes the migrations use are rendered; anything else throws, so a new migration with
 * a new shape fails `test/ddl.test.ts` instead of reaching a cluster half-rendered.
 */

/**
 * The settings every rendered statement runs with: backfills insert synchronously and their IN subqueries
 * read each shard's own rows (right because related rows share a shard); mutations with such subqueries are
 * allowed (each replica runs them on the same replicated parts) and waited for on every replica.
 */
export const CLUSTER_SETTINGS: ClickHouseSettings = {
  distributed_foreground_insert: 1,
  // Replicated tables drop an insert block identical to one seen before: a backfill repeated after a TRUNCATE
  // (a migration re-run after a crash) would then be silently lost.
  insert_deduplicate: 0,
  distributed_product_mode: 'local',
  allow_nondeterministic_mutations: 1,
  mutations_sync: '2',
}

export interface ClusterTarget {
  /** The cluster's name in the servers' remote_servers configuration. */
  cluster: string
}

/**
 * Tables every node keeps whole (small; joined by every query, or read by any instance): replicated to all nodes,
 * never sharded. billed_usage too: a read needs every row of a day to find that day's newest import (0016). Budgets,
 * alerts, report schedules and sign-in attempts: small, and read whole by whichever instance serves a request.
 * Not `claims` (0022, warehouse/claims.ts): in shared mode a row per record inserted, so sharded like the records.
 */
const EVERYWHERE: ReadonlySet<string> = new Set([
  'directory',
  'dashboard_sessions',
  'schema_migrations',
  'billed_usage',
  'budget_changes',
  'budget_alerts',
  'alert_deliveries',
  'report_schedule_changes',
  'report_runs',
  'login_attempts',
])

const SHARDING_KEY = 'cityHash64(user_key)'

interface TableDef {
  engine: string
  args: string
  /** What follows the engine: PARTITION BY, ORDER BY, SETTINGS. */
  tail: string
}

/** What the renderer knows of the tables created by earlier statements (for `CREATE TABLE b AS a`). */
export type Schema = Map<string, TableDef>

/** A string literal for ClickHouse DDL: backslashes and quotes escaped. */
export const sqlString = (text: string) => `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`
const q = sqlString

function replicated(table: string, def: TableDef, everywhere: boolean): string {
  const path = everywhere ? `/clickhouse/tables/all/{database}/${table}` : `/clickhouse/tables/{shard}/{database}/${table}`
  const args = [q(path), q('{replica}'), ...(def.args.trim() ? [def.args.trim()] : [])].join(', ')
  return `ENGINE = Replicated${def.engine}(${args})`
}

function distributed(c: ClusterTarget, table: string): string {
  return `CREATE TABLE IF NOT EXISTS ${table} ON CLUSTER ${q(c.cluster)} AS ${table}_local\nENGINE = Distributed(${q(c.cluster)}, currentDatabase(), ${q(`${table}_local`)}, ${SHARDING_KEY})`
}

/** Table names after FROM or JOIN that are sharded: read their local part instead. */
function toLocal(sql: string, schema: Schema): string {
  return sql.replace(/\b(FROM|JOIN)(\s+)(\w+)\b/g, (all, keyword: string, space: string, name: string) =>
    schema.has(name) && !EVERYWHERE.has(name) ? `${keyword}${space}${name}_local` : all,
  )
}

const CREATE_TABLE = /^CREATE TABLE IF NOT EXISTS (\w+)\s*\(([\s\S]*)\)\s*ENGINE\s*=\s*(\w*MergeTree)(?:\(([^)]*)\))?\s*([\s\S]*)$/
const CREATE_AS = /^CREATE TABLE IF NOT EXISTS (\w+) AS (\w+)$/
const CREATE_MV = /^CREATE MATERIALIZED VIEW IF NOT EXISTS (\w+) TO (\w+) AS\s([\s\S]*)$/
const CREATE_VIEW = /^CREATE VIEW IF NOT EXISTS (\w+) AS\s([\s\S]*)$/
const ALTER = /^ALTER TABLE (\w+) (ADD COLUMN|MATERIALIZE COLUMN|UPDATE|DELETE)\b([\s\S]*)$/
const TRUNCATE = /^TRUNCATE TABLE (\w+)$/
const INSERT = /^INSERT INTO (\w+)\b([\s\S]*)$/
const DROP = /^DROP (TABLE|VIEW) IF EXISTS (\w+)$/

/**
 * Notes what a single-node statement creates (for later `CREATE TABLE b AS a`), and returns its cluster form:
 * one statement or more. `schema` is updated in place, so render a migration's statements in order.
 */
export function renderStatement(sql: string, c: ClusterTarget, schema: Schema): string[] {
  const on = `ON CLUSTER ${q(c.cluster)}`
  const createTable = CREATE_TABLE.exec(sql)
  if (createTable) {
    const [, name = '', columns = '', engine = '', args = '', tail = ''] = createTable
    const def = { engine, args, tail: tail.trim() }
    schema.set(name, def)
    if (EVERYWHERE.has(name)) return [`CREATE TABLE IF NOT EXISTS ${name} ${on}\n(${columns})\n${replicated(name, def, true)}\n${def.tail}`]
    if (!/\buser_key\b/.test(columns)) throw new Error(`${name}: a sharded table needs a user_key column (the sharding key)`)
    return [`CREATE TABLE IF NOT EXISTS ${name}_local ${on}\n(${columns})\n${replicated(`${name}_local`, def, false)}\n${def.tail}`, distributed(c, name)]
  }
  const createAs = CREATE_AS.exec(sql)
  if (createAs) {
    const [, name = '', source = ''] = createAs
    const def = schema.get(source)
    if (!def || EVERYWHERE.has(source)) throw new Error(`${name}: AS ${source}, a table this renderer has not seen created as a sharded table`)
    schema.set(name, def)
    return [`CREATE TABLE IF NOT EXISTS ${name}_local ${on} AS ${source}_local\n${replicated(`${name}_local`, def, false)}\n${def.tail}`, distributed(c, name)]
  }
  const createMv = CREATE_MV.exec(sql)
  if (createMv) {
    const [, view = '', target = '', select = ''] = createMv
    if (!schema.has(target) || EVERYWHERE.has(target)) throw new Error(`${view}: writes ${target}, not a sharded table`)
    return [`CREATE MATERIALIZED VIEW IF NOT EXISTS ${view} ${on} TO ${target}_local AS\n${toLocal(select, schema)}`]
  }
  const createView = CREATE_VIEW.exec(sql)
  if (createView) {
    const [, view = '', select = ''] = createView
    return [`CREATE VIEW IF NOT EXISTS ${view} ${on} AS\n${select}`]
  }
  const alter = ALTER.exec(sql)
  if (alter) {
    const [, table = '', action = '', rest = ''] = alter
    if (EVERYWHERE.has(table)) return [`ALTER TABLE ${table} ${on} ${action}${rest}`]
    if (action === 'ADD COLUMN') return [`ALTER TABLE ${table}_local ${on} ${action}${rest}`, `ALTER TABLE ${table} ${on} ${action}${rest}`]
    // A mutation runs where the rows are, on every replica; its subqueries read the same shard's rows.
    return [`ALTER TABLE ${table}_local ${on} ${action}${toLocal(rest, schema)}`]
  }
  const truncate = TRUNCATE.exec(sql)
  if (truncate) {
    const [, table = ''] = truncate
    return [`TRUNCATE TABLE IF EXISTS ${EVERYWHERE.has(table) ? table : `${table}_local`} ${on}`]
  }
  // A backfill inserts through the Distributed table, as written (CLUSTER_SETTINGS make it synchronous).
  if (INSERT.test(sql)) return [sql]
  const drop = DROP.exec(sql)
  if (drop) {
    const [, kind = '', name = ''] = drop
    if (kind === 'VIEW') return [`DROP VIEW IF EXISTS ${name} ${on} SYNC`]
    schema.delete(name)
    if (EVERYWHERE.has(name)) return [`DROP TABLE IF EXISTS ${name} ${on} SYNC`]
    return [`DROP TABLE IF EXISTS ${name} ${on} SYNC`, `DROP TABLE IF EXISTS ${name}_local ${on} SYNC`]
  }
  throw new Error(`no cluster form for: ${sql.split('\n')[0]?.slice(0, 120)}`)
}

/** Every migration's statements rendered for the cluster, in order (the schema carried from one to the next). */
export function renderMigrations<M extends { statements: string[] }>(migrations: M[], c: ClusterTarget): M[] {
  const schema: Schema = new Map()
  return migrations.map((migration) => ({ ...migration, statements: migration.statements.flatMap((s) => renderStatement(s, c, schema)) }))
}

/**
 * The table a statement that changes stored parts (ALTER … TTL, a mutation) names: itself on one node; on a
 * cluster, its local part on every node (`t_local ON CLUSTER 'c'`), or itself on every node when it is kept whole.
 */
export function partsOf(table: string, c: ClusterTarget | null): string {
  if (!c) return table
  return `${EVERYWHERE.has(table) ? table : `${table}_local`} ON CLUSTER ${q(c.cluster)}`
}

/** The name under which a table's parts are listed in system.tables: `t`, or `t_local` on a cluster. */
export function partsTableName(table: string, c: ClusterTarget | null): string {
  return c && !EVERYWHERE.has(table) ? `${table}_local` : table
}

/** The migrations' own bookkeeping table, for one node or, replicated to every node, for a cluster. */
export function schemaMigrationsTable(c: ClusterTarget | null): string {
  const columns = '(version UInt32, name String, checksum String, applied_at DateTime64(3) DEFAULT now64(3))'
  if (!c) return `CREATE TABLE IF NOT EXISTS schema_migrations\n      ${columns}\n      ENGINE = ReplacingMergeTree ORDER BY version`
  return `CREATE TABLE IF NOT EXISTS schema_migrations ON CLUSTER ${q(c.cluster)}\n${columns}\n${replicated('schema_migrations', { engine: 'ReplacingMergeTree', args: '', tail: '' }, true)}\nORDER BY version`
}
