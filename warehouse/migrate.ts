import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { selectRows, type Warehouse } from './client'
import { CLUSTER_SETTINGS, renderMigrations, schemaMigrationsTable, type ClusterTarget } from './ddl'

const MIGRATIONS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations')

export interface Migration {
  version: number
  name: string
  checksum: string
  statements: string[]
}

/** Splits a migration file into statements: `;` at the end of a line ends one; `--` comments are dropped. */
export function splitStatements(sql: string): string[] {
  const statements: string[] = []
  let current: string[] = []
  for (const line of sql.split('\n')) {
    const trimmed = line.trim()
    if (trimmed.startsWith('--') || trimmed === '') continue
    current.push(line)
    if (trimmed.endsWith(';')) {
      statements.push(current.join('\n').trim().replace(/;$/, ''))
      current = []
    }
  }
  const rest = current.join('\n').trim()
  if (rest) statements.push(rest)
  return statements
}

export function loadMigrations(dir = MIGRATIONS_DIR): Migration[] {
  const files = fs
    .readdirSync(dir)
    .filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
  return files.map((file) => {
    const sql = fs.readFileSync(path.join(dir, file), 'utf8')
    return {
      version: Number(file.slice(0, 4)),
      name: file.replace(/\.sql$/, ''),
      checksum: crypto.createHash('sha256').update(sql).digest('hex'),
      statements: splitStatements(sql),
    }
  })
}

interface AppliedRow {
  version: number
  name: string
  checksum: string
}

export interface MigrationReport {
  applied: string[]
  alreadyApplied: number
  /** Applied migrations whose file changed since: a warning, never re-run. */
  changed: string[]
}

/**
 * Applies every migration not yet recorded in schema_migrations, in order. Statements are
 * idempotent, so a run interrupted half-way is simply repeated at the next start.
 */
export async function migrate(client: Warehouse, migrations = loadMigrations(), cluster: ClusterTarget | null = null): Promise<MigrationReport> {
  await client.command({ query: schemaMigrationsTable(cluster) })
  // The same migrations for a cluster, rendered (warehouse/ddl.ts); checksums stay those of the files.
  if (cluster) migrations = renderMigrations(migrations, cluster)
  const applied = await selectRows<AppliedRow>(client, 'SELECT version, any(name) AS name, any(checksum) AS checksum FROM schema_migrations GROUP BY version')
  const byVersion = new Map(applied.map((row) => [Number(row.version), row]))
  const report: MigrationReport = { applied: [], alreadyApplied: 0, changed: [] }
  for (const migration of migrations) {
    const done = byVersion.get(migration.version)
    if (done) {
      report.alreadyApplied++
      if (done.checksum !== migration.checksum) report.changed.push(migration.name)
      continue
    }
    for (const statement of migration.statements) {
      await client.command({ query: statement, ...(cluster ? { clickhouse_settings: CLUSTER_SETTINGS } : {}) })
    }
    await client.insert({
      table: 'schema_migrations',
      values: [{ version: migration.version, name: migration.name, checksum: migration.checksum }],
      format: 'JSONEachRow',
    })
    report.applied.push(migration.name)
  }
  return report
}

/** True when every known migration is recorded: the readiness check. */
export async function migrationsComplete(client: Warehouse, migrations = loadMigrations()): Promise<boolean> {
  const rows = await selectRows<{ n: string }>(client, 'SELECT uniqExact(version) AS n FROM schema_migrations')
  return Number(rows[0]?.n ?? 0) >= migrations.length
}
