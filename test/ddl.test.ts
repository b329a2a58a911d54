import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openWarehouse, selectRows, type Warehouse } from '../warehouse/client'
import { renderMigrations, renderStatement, schemaMigrationsTable } from '../warehouse/ddl'
import { loadMigrations, splitStatements } from '../warehouse/migrate'
import { RETENTION_TABLES, retentionStatements } from '../warehouse/retention'

/**
 * One migration source, two targets (warehouse/ddl.ts): the files as written for one node, and their cluster
 * form, which the real engine's parser accepts (chDB's formatQuery parses without needing a cluster) and
 * which is pinned by a snapshot a reviewer reads in full when it changes.
 */
const CLUSTER = { cluster: 'ccscope' }
const migrations = loadMigrations()
const rendered = renderMigrations(migrations, CLUSTER)
const all = [schemaMigrationsTable(CLUSTER), ...rendered.flatMap((m) => m.statements)]

let dir: string
let client: Warehouse
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ccscope-ddl-'))
  client = await openWarehouse({ mode: 'embedded', path: dir, database: 'ccscope' })
})
afterAll(async () => {
  await client?.close()
  fs.rmSync(dir, { recursive: true, force: true })
})

async function parses(statement: string): Promise<string> {
  const [row] = await selectRows<{ f: string }>(client, 'SELECT formatQuery({q:String}) AS f', { q: statement })
  return row?.f ?? ''
}

describe('cluster DDL', () => {
  it('leaves the single-node migrations as written', () => {
    for (const m of migrations) {
      const file = fs.readFileSync(path.join('warehouse/migrations', `${m.name}.sql`), 'utf8')
      expect(m.statements).toEqual(splitStatements(file))
    }
    expect(schemaMigrationsTable(null)).toContain('ENGINE = ReplacingMergeTree ORDER BY version')
  })

  it('parses in the engine, every statement', async () => {
    for (const statement of all) await expect(parses(statement), statement.split('\n')[0]).resolves.toMatch(/^(CREATE|ALTER|TRUNCATE|INSERT|DROP)/)
    // The check can fail: a statement the parser rejects.
    await expect(parses("CREATE TABLE x_local ON CLUSTER 'ccscope' (a UInt8 ENGINE = ReplicatedMergeTree")).rejects.toThrow(/Syntax error/)
  })

  it('matches the reviewed snapshot', async () => {
    await expect(`${all.join(';\n\n')};\n`).toMatchFileSnapshot('./__snapshots__/cluster-ddl.sql')
  })

  it('replicates every table, shards data tables behind Distributed ones, and keeps views on local tables', () => {
    const creates = all.filter((s) => s.startsWith('CREATE TABLE'))
    const locals = creates.map((s) => /^CREATE TABLE IF NOT EXISTS (\w+)_local /.exec(s)?.[1]).filter((t): t is string => t !== undefined)
    expect(locals).toContain('events')
    expect(locals).toContain('user_activity_1d')
    for (const s of all) if (/^(CREATE|ALTER|TRUNCATE|DROP)/.test(s)) expect(s, s.split('\n')[0]).toMatch(/ON CLUSTER 'ccscope'/)
    for (const s of creates) {
      if (/ENGINE = Distributed/.test(s)) continue
      expect(s, s.split('\n')[0]).toMatch(/ENGINE = Replicated\w*MergeTree\('\/clickhouse\/tables\/(\{shard\}|all)\/\{database\}\/\w+', '\{replica\}'/)
    }
    for (const table of locals) {
      expect(
        creates.some((s) =>
          s.startsWith(
            `CREATE TABLE IF NOT EXISTS ${table} ON CLUSTER 'ccscope' AS ${table}_local\nENGINE = Distributed('ccscope', currentDatabase(), '${table}_local', cityHash64(user_key))`,
          ),
        ),
        table,
      ).toBe(true)
    }
    // The directory is needed whole on every node: replicated everywhere, not sharded.
    expect(creates.find((s) => s.startsWith('CREATE TABLE IF NOT EXISTS directory '))).toMatch(/'\/clickhouse\/tables\/all\/\{database\}\/directory'/)
    for (const view of all.filter((s) => s.startsWith('CREATE MATERIALIZED VIEW'))) {
      expect(view, view.split('\n')[0]).toMatch(/ TO \w+_local AS\n/)
      for (const [, source] of view.matchAll(/\bFROM\s+(\w+)/g)) expect(source, view.split('\n')[0]).toMatch(/_local$/)
    }
  })

  it('sets retention on the local tables of every node, and those statements parse too', async () => {
    const statements = Object.entries({ ...RETENTION_TABLES.raw, ...RETENTION_TABLES.rollup, ...RETENTION_TABLES.noted }).flatMap(([table, column]) => [
      ...retentionStatements(table, column, 30, CLUSTER),
      ...retentionStatements(table, column, 0, CLUSTER),
    ])
    expect(statements[0]?.query).toBe("ALTER TABLE events_local ON CLUSTER 'ccscope' MODIFY TTL toDateTime(timestamp) + INTERVAL 30 DAY")
    expect(retentionStatements('events', 'timestamp', 0, null)).toEqual([{ query: 'ALTER TABLE events REMOVE TTL' }])
    for (const s of statements)
      await expect(parses(s.query), s.query).resolves.toMatch(/^ALTER TABLE \w+_local ON CLUSTER ccscope\s+\((MODIFY|REMOVE|MATERIALIZE) TTL/)
  })

  it('refuses a statement it has no cluster form for, instead of passing it through', () => {
    expect(() => renderStatement('OPTIMIZE TABLE events FINAL', CLUSTER, new Map())).toThrow(/no cluster form/)
    expect(() => renderStatement('CREATE TABLE IF NOT EXISTS t (a UInt8) ENGINE = MergeTree ORDER BY a', CLUSTER, new Map())).toThrow(/user_key/)
    expect(() => renderStatement('CREATE TABLE IF NOT EXISTS b AS a', CLUSTER, new Map())).toThrow(/AS a/)
  })
})
