import type { Logger } from '../runtime/logger'
import { selectRows, type Warehouse, type WarehouseConfig } from './client'
import { sqlString } from './ddl'

/**
 * The directory's newest load, as every attributed read joins it (warehouse/RULES.md, "Directory"): a ClickHouse
 * dictionary named `directory_now`, read like a table (`LEFT ANY JOIN directory_now AS d ON … = d.d_user`, or
 * `FROM directory_now`). The engine joins a dictionary by looking each key up in the hash table it keeps loaded,
 * where the same join on a subquery built that table again for every query and planned the subquery and its
 * scalar `max(load_id)` each time (docs/benchmarks.md, "The directory as a dictionary").
 *
 * Not a numbered migration: on a server the dictionary's source names the user and password it reads with (a
 * password rotates; the DDL is made again at every start from the configuration). Where the server refuses the
 * dictionary (no CREATE DICTIONARY grant, say), `directory_now` is a view of the same rows instead: the join as it
 * was, slower, never wrong.
 */

/** The name every read joins; its columns are d_user, d_name, d_team, d_dept, d_cc and d_seat. */
export const DIRECTORY_NOW = 'directory_now'

/**
 * The newest load's rows. Where it names a team, department or cost center, that wins over the telemetry; empty
 * fields fall back to it (dashboard/api/sources.ts attributedColumns).
 */
function newestLoad(database: string): string {
  return `SELECT user_key AS d_user, display_name AS d_name, team_id AS d_team, department AS d_dept, cost_center AS d_cc, seat AS d_seat
FROM ${database}.directory WHERE load_id = (SELECT max(load_id) FROM ${database}.directory)`
}

/**
 * After this long a server's dictionary asks whether a newer load exists (`max(load_id)`, a cheap read) and reloads
 * only if one does: other ccscope instances' loads reach this one's reads within it. A load made through this
 * instance reloads at once (DirectoryNow.reload).
 */
const LIFETIME = 'LIFETIME(MIN 5 MAX 10)'

/**
 * The statements that make, reload and drop `directory_now`. `database` and `cluster` are configuration, checked as
 * identifiers by server/config.ts; the user and password are quoted as literals (ClickHouse shows them as [HIDDEN] in
 * system tables and logs).
 */
export function directoryNowStatements(ch: WarehouseConfig): { dictionary: string; view: string; reload: string; dropView: string; dropDictionary: string } {
  const name = `${ch.database}.${DIRECTORY_NOW}`
  const on = ch.mode === 'server' && ch.cluster ? ` ON CLUSTER ${sqlString(ch.cluster)}` : ''
  const credentials = ch.mode === 'server' ? ` USER ${sqlString(ch.user)} PASSWORD ${sqlString(ch.password)}` : ''
  return {
    dictionary: `CREATE OR REPLACE DICTIONARY ${name}${on}
(d_user String, d_name String, d_team String, d_dept String, d_cc String, d_seat Bool)
PRIMARY KEY d_user
SOURCE(CLICKHOUSE(QUERY ${sqlString(newestLoad(ch.database))}${credentials} INVALIDATE_QUERY ${sqlString(`SELECT max(load_id) FROM ${ch.database}.directory`)}))
${LIFETIME}
LAYOUT(COMPLEX_KEY_HASHED())`,
    // The fallback: the same rows as a view (expanded into every query that reads it, as the subquery was).
    view: `CREATE OR REPLACE VIEW ${name}${on} AS ${newestLoad(ch.database)}`,
    reload: `SYSTEM RELOAD DICTIONARY${on} ${name}`,
    dropView: `DROP VIEW ${name}${on}`,
    dropDictionary: `DROP DICTIONARY ${name}${on}`,
  }
}

export interface DirectoryNow {
  kind: 'dictionary' | 'view'
  /** Makes a load just stored the one every read joins (on every node of a cluster). */
  reload(): Promise<void>
}

/**
 * Creates `directory_now` (after the migrations: it reads the directory table) and loads it once, so that a
 * dictionary that cannot read its source fails here, at start-up, rather than in every attributed read.
 */
export async function openDirectoryNow(client: Warehouse, ch: WarehouseConfig, log?: Logger): Promise<DirectoryNow> {
  const statements = directoryNowStatements(ch)
  const dictionary: DirectoryNow = {
    kind: 'dictionary',
    reload: async () => {
      await client.command({ query: statements.reload })
    },
  }
  try {
    // A view left by an earlier start that fell back is replaced by the dictionary (and the other way round).
    await dropOther(client, ch, statements, 'view')
    await client.command({ query: statements.dictionary })
    await dictionary.reload()
    return dictionary
  } catch (error) {
    log?.warn(
      { err: error },
      `the directory is joined through a view, not a dictionary (slower reads): creating or loading the dictionary ${DIRECTORY_NOW} failed: ${(error as Error).message}`,
    )
    await dropOther(client, ch, statements, 'dictionary')
    await client.command({ query: statements.view })
    return { kind: 'view', reload: async () => {} }
  }
}

/** Drops `directory_now` when it is of the other kind than the one about to be made. */
async function dropOther(
  client: Warehouse,
  ch: WarehouseConfig,
  statements: ReturnType<typeof directoryNowStatements>,
  kind: 'view' | 'dictionary',
): Promise<void> {
  const [found] = await selectRows<{ engine: string }>(client, 'SELECT engine FROM system.tables WHERE database = {db:String} AND name = {name:String}', {
    db: ch.database,
    name: DIRECTORY_NOW,
  })
  if (kind === 'view' && found?.engine === 'View') await client.command({ query: statements.dropView })
  if (kind === 'dictionary' && found?.engine === 'Dictionary') await client.command({ query: statements.dropDictionary })
}
