/**
 * The seed's copies (bench/seed.ts): INSERT … SELECT statements that write copies of template rows (the
 * simulator's sessions as the collector stored them, in `seed_template_events` / `seed_template_points`)
 * into the raw tables, so that the materialized views fire as at ingest. Copy 0 is the template itself;
 * copy c > 0 gets new record ids, session, prompt and request ids (its sessions are other sessions), and
 * the identity of another user, `alias` = c mod the number of aliases (alias 0 keeps the template user's):
 * an e-mail gains `+alias` before its `@`, a UUID or hex id is hashed with the alias. Times, teams, models,
 * tools, amounts and marks are the template's (a copy's session is marked where its template was).
 *
 * Only numbers computed by the seeder and code-owned names are spliced into the SQL (no input text).
 */
import os from 'node:os'
import { INSERT_COLUMNS } from '../warehouse/columns'
import type { TableName } from '../warehouse/rows'

export const TEMPLATE_TABLES = { events: 'seed_template_events', metric_points: 'seed_template_points' } as const

/**
 * Settings of the copying INSERTs (scoped to the statement: chDB applies `clickhouse_settings` as
 * session-wide SETs, a SETTINGS clause is not).
 * - max_partitions_per_insert_block = 0: a copy spans every day of the period.
 * - optimize_on_insert = 0: ids are unique by construction, so ReplacingMergeTree's per-block
 *   de-duplication at insert finds nothing; skipping it saves about a third of the insert time.
 * - max_insert_threads: sort, compress and write (and run the materialized views) on every core.
 */
const INSERT_SETTINGS = `SETTINGS max_partitions_per_insert_block = 0, optimize_on_insert = 0, max_insert_threads = ${Math.max(2, os.availableParallelism())}`

/** A session-like id (UUID text) of copy `copy`. */
const rekeyId = (v: string) => `if(copy = 0 OR ${v} = '', ${v}, toString(reinterpretAsUUID(sipHash128(${v}, copy))))`

/** A record id (UUID) of copy `copy`. */
const rekeyUuid = (v: string) => `if(copy = 0, ${v}, reinterpretAsUUID(sipHash128(${v}, copy)))`

/** A request id of copy `copy` (Claude Code's `req_…`, kept recognisable). */
const rekeyRequest = (v: string) => `if(copy = 0 OR ${v} = '', ${v}, concat(${v}, '_', toString(copy)))`

/** An identity value (e-mail, pseudonym, UUID or hex id) as user alias `alias` has it. */
const rekeyIdentity = (v: string) => `if(alias = 0 OR ${v} = '', ${v}, multiIf(
    position(${v}, '@') > 0, replaceOne(${v}, '@', concat('+', toString(alias), '@')),
    startsWith(${v}, 'anon-'), concat('anon-', substring(lower(hex(SHA256(concat(${v}, '/', toString(alias))))), 1, 20)),
    length(${v}) = 36, toString(reinterpretAsUUID(sipHash128(${v}, alias))),
    lower(hex(SHA256(concat(${v}, '/', toString(alias)))))))`

const IDENTITY_KEYS = "('user.email', 'enduser.id', 'user.id', 'user.account_uuid')"

/** An attribute map with its session, prompt, request and identity values re-keyed. */
const rekeyAttributes = (m: string) =>
  `mapApply((k, v) -> (k, multiIf(k IN ('session.id', 'prompt.id'), ${rekeyId('v')}, k = 'request_id', ${rekeyRequest('v')}, k IN ${IDENTITY_KEYS}, ${rekeyIdentity('v')}, v)), ${m})`

const REKEYED: Partial<Record<string, (column: string) => string>> = {
  id: rekeyUuid,
  series_id: rekeyUuid,
  session_id: rekeyId,
  prompt_id: rekeyId,
  request_id: rekeyRequest,
  user_key: rekeyIdentity,
  user_email: rekeyIdentity,
  enduser_id: rekeyIdentity,
  user_account_uuid: rekeyIdentity,
  user_id: rekeyIdentity,
  attributes: rekeyAttributes,
  resource_attributes: rekeyAttributes,
}

/** INSERT INTO `table` SELECT: copies [fromCopy, fromCopy + copies) of its template, user aliases cycling over `aliases`. */
export function copiesInsert(table: TableName & keyof typeof TEMPLATE_TABLES, fromCopy: number, copies: number, aliases: number): string {
  const columns = INSERT_COLUMNS[table] as readonly string[]
  const values = columns.map((c) => REKEYED[c]?.(c) ?? c)
  return `INSERT INTO ${table} (${columns.join(', ')})
  ${INSERT_SETTINGS}
  SELECT ${values.join(',\n    ')}
  FROM (SELECT *, number AS copy, number % ${aliases} AS alias FROM ${TEMPLATE_TABLES[table]}, numbers(${fromCopy}, ${copies}) AS copies)`
}
