import { selectRows, type Warehouse } from '../../warehouse/client'
import { FOREGROUND } from '../../warehouse/columns'
import type { EventRow, MetricPointRow } from '../../warehouse/rows'
import { utcDay } from './journal'

/** The metrics the cost dataset reads (usage_metric_candidates_15m's view). */
const USAGE_METRICS: ReadonlySet<string> = new Set(['claude_code.cost.usage', 'claude_code.token.usage'])

/**
 * What has an api_request event stored now, among the keys asked (keyParams): sessions by usage_event_coverage's
 * primary key; user-days by the days' 1-day usage rows (a user-day has one when usage_by_model_1d has a row of
 * it, as the queries decide). The marking and the note both ask it.
 */
const COVERED_SESSIONS = 'SELECT session_id FROM usage_event_coverage WHERE session_id IN {sessions:Array(String)}'
const COVERED_USER_DAYS =
  'SELECT user_key, toDate(bucket) AS day FROM usage_by_model_1d WHERE bucket IN {days:Array(Date)} AND user_key IN {users:Array(String)}'

/**
 * Marks the cost/token points whose session no stored api_request event covers yet (usage_candidate = 1), or,
 * without session.id, whose user-day has none: the only points whose cost may count (warehouse/RULES.md,
 * "Cost and tokens"; migrations 0010 and 0023 roll them up), as COVERED_SESSIONS / COVERED_USER_DAYS say. A point marked whose session turns out covered
 * later is noted then (noteLateCoverage) and subtracted by the queries; missing one would drop its cost. The
 * mark is stored with the point, so a rebuild of the rollups from the raw rows repeats it.
 */
export async function markUncoveredUsage(client: Warehouse, rows: MetricPointRow[]): Promise<number> {
  const usage = rows.filter((r) => USAGE_METRICS.has(r.metric_name))
  if (usage.length === 0) return 0
  const found = await selectRows<{ session_id: string; user_key: string; day: string }>(
    client,
    `SELECT DISTINCT session_id, '' AS user_key, toDate(0) AS day FROM (${COVERED_SESSIONS})
     UNION ALL
     SELECT DISTINCT '' AS session_id, user_key, day FROM (${COVERED_USER_DAYS})`,
    keyParams(coverageKeys(usage)),
  )
  const covered: CoverageKeys = { sessions: new Set(), userDays: new Map() }
  for (const r of found) {
    if (r.session_id !== '') covered.sessions.add(r.session_id)
    else addUserDay(covered, r.user_key, r.day)
  }
  return markUncovered(usage, covered)
}

/** The marking rule itself: each cost/token point whose session (or, without one, user-day) is not in `covered` is marked. */
export function markUncovered(rows: readonly MetricPointRow[], covered: CoverageKeys): number {
  let marked = 0
  for (const r of rows) {
    if (!USAGE_METRICS.has(r.metric_name)) continue
    if (r.session_id !== '' ? covered.sessions.has(r.session_id) : covered.userDays.get(r.user_key)?.has(utcDay(r.timestamp))) continue
    r.usage_candidate = 1
    marked++
  }
  return marked
}

/** What a flush stored that could pair a candidate with an api_request event: sessions, and user-days. */
export interface CoverageKeys {
  sessions: Set<string>
  /** `user_key` → UTC days ('YYYY-MM-DD'): of api_request events, and of cost/token points without session.id. */
  userDays: Map<string, Set<string>>
}

/** What the keys are read from: an event's or a metric point's own columns. */
type KeyedRow =
  | Pick<EventRow, 'event_name' | 'session_id' | 'user_key' | 'timestamp'>
  | Pick<MetricPointRow, 'metric_name' | 'session_id' | 'user_key' | 'timestamp'>

/** The keys of a flush's rows: the sessions and user-days of its api_request events and cost/token points. */
export function coverageKeys(rows: readonly KeyedRow[]): CoverageKeys {
  const keys: CoverageKeys = { sessions: new Set(), userDays: new Map() }
  for (const r of rows) {
    const request = 'event_name' in r && r.event_name === 'api_request'
    const usage = 'metric_name' in r && USAGE_METRICS.has(r.metric_name)
    if (!request && !usage) continue
    if (r.session_id !== '') keys.sessions.add(r.session_id)
    if (request || r.session_id === '') addUserDay(keys, r.user_key, utcDay(r.timestamp))
  }
  return keys
}

/** No keys: a flush of events adds no candidate to what was noted before. */
export const NO_KEYS: CoverageKeys = { sessions: new Set(), userDays: new Map() }

/**
 * The keys of a points flush whose candidates it may have added to: the cost/token points it inserted marked as
 * candidates, and every one it did not insert itself (a resend, or another instance's), whose marks it does not know.
 */
export function candidateKeys(
  rows: readonly (KeyedRow & { id: string })[],
  inserted: readonly (KeyedRow & Pick<MetricPointRow, 'id' | 'usage_candidate'>)[],
): CoverageKeys {
  const ids = new Set(inserted.map((r) => r.id))
  return coverageKeys([...inserted.filter((r) => r.usage_candidate === 1), ...rows.filter((r) => !ids.has(r.id))])
}

/** The keys as query parameters: sessions, users and days (every user with every day: queries match the pairs). */
function keyParams(keys: CoverageKeys): { sessions: string[]; users: string[]; days: string[] } {
  return { sessions: [...keys.sessions], users: [...keys.userDays.keys()], days: [...new Set([...keys.userDays.values()].flatMap((d) => [...d]))] }
}

function addUserDay(keys: CoverageKeys, user: string, day: string): void {
  const days = keys.userDays.get(user) ?? new Set<string>()
  days.add(day)
  keys.userDays.set(user, days)
}

/**
 * After a flush's rows are stored: notes, in usage_candidate_coverage, what has both candidate points and an
 * api_request event stored now (migration 0023): a session, or for points without session.id a user-day; and
 * copies its candidates into usage_noted_candidates_15m (0030), which queries subtract, so its cost counts from
 * the events alone, as if the metrics had arrived last.
 *
 * Called by each side that stored something that could pair up: the events of a flush and its metric points.
 * Each side inserts first and looks afterwards, so whichever of a pair is stored last sees the other: no pair
 * is missed, whatever the order or overlap of the two inserts. Called with every row of the batch, not only
 * the fresh ones, so that an exporter's resend of a batch whose note failed notes it then.
 *
 * The copy is read after the flush's insert, so it holds every candidate stored until then. It is made for what is
 * noted now, and again for what was noted before where `changed` names it: the sessions and user-days whose
 * candidates this flush may have added to (a candidate whose lookup ran before its session's events were stored,
 * inserted after the session was noted). Each copy replaces the last, so copies never add up. Idempotent: the
 * copy goes first, so a failure between the two leaves the session to be noted (and copied) again by the resend.
 * Returns how many rows it noted.
 */
export async function noteLateCoverage(client: Warehouse, keys: CoverageKeys, changed: CoverageKeys = keys): Promise<number> {
  if (keys.sessions.size === 0 && keys.userDays.size === 0) return 0
  // Candidates by primary key, covered as the marking decides; then exactly the user-day pairs asked (users × days is wider).
  const found = await selectRows<{ session_id: string; user_key: string; day: string; noted: number }>(
    client,
    `SELECT session_id, user_key, day,
       (session_id, user_key, day) IN (SELECT session_id, user_key, day FROM usage_candidate_coverage WHERE session_id IN {sessions:Array(String)}) AS noted
     FROM usage_candidate_sessions
     WHERE session_id IN {sessions:Array(String)} AND session_id != ''
       AND session_id IN (${COVERED_SESSIONS})
     UNION ALL
     SELECT session_id, user_key, day,
       (user_key, day) IN (SELECT user_key, day FROM usage_candidate_coverage WHERE session_id = '' AND user_key IN {users:Array(String)}) AS noted
     FROM usage_candidate_sessions
     WHERE session_id = '' AND user_key IN {users:Array(String)} AND day IN {days:Array(Date)}
       AND (user_key, day) IN (${COVERED_USER_DAYS})`,
    keyParams(keys),
  )
  const asked = found.filter((r) => r.session_id !== '' || keys.userDays.get(r.user_key)?.has(r.day))
  const fresh = asked.filter((r) => Number(r.noted) === 0)
  // Copied: what is noted now or changed. A session whole (every day of its candidates), as the queries subtract it.
  const sessions = new Set([...fresh.map((r) => r.session_id), ...changed.sessions].filter((id) => id !== ''))
  const copied = asked.filter((r) =>
    r.session_id !== '' ? sessions.has(r.session_id) : Number(r.noted) === 0 || changed.userDays.get(r.user_key)?.has(r.day) === true,
  )
  await copyNotedCandidates(client, copied)
  await recordCoverage(client, fresh)
  return fresh.length
}

/** A usage_candidate_sessions row: a session (or, with session_id empty, a user) and a UTC day of its candidates. */
type CandidateDay = { session_id: string; user_key: string; day: string }

/** Notes these candidate days as covered (usage_candidate_coverage), after their candidates are copied. */
export async function recordCoverage(client: Warehouse, rows: readonly CandidateDay[]): Promise<void> {
  if (rows.length === 0) return
  await client.insert({
    table: 'usage_candidate_coverage',
    values: rows.map(({ session_id, user_key, day }) => ({ session_id, user_key, day })),
    format: 'JSONEachRow',
    clickhouse_settings: FOREGROUND,
  })
}

/**
 * The candidate rows of these sessions (whole) and user-days, as a condition on usage_metric_candidates_15m's or
 * usage_noted_candidates_15m's columns, and its parameters.
 */
const NOTED_ROWS = `((session_id != '' AND session_id IN {sessions:Array(String)})
  OR (session_id = '' AND concat(toString(toDate(bucket)), ' ', user_key) IN {userDays:Array(String)}))`

function notedParams(rows: readonly CandidateDay[]): { sessions: string[]; userDays: string[] } {
  return {
    sessions: [...new Set(rows.filter((r) => r.session_id !== '').map((r) => r.session_id))],
    userDays: rows.filter((r) => r.session_id === '').map((r) => `${r.day} ${r.user_key}`),
  }
}

/**
 * Copies the candidates of noted sessions and user-days into usage_noted_candidates_15m (migration 0030): their
 * rows' sums as stored now, stamped with the time of the read, so that the newest copy of a row replaces the older
 * ones. `rows` are usage_candidate_sessions rows: a session's give the days its candidates are on.
 */
export async function copyNotedCandidates(client: Warehouse, rows: readonly CandidateDay[]): Promise<void> {
  if (rows.length === 0) return
  const days = rows.map((r) => r.day).sort()
  const last = new Date(`${days[days.length - 1]}T00:00:00Z`)
  last.setUTCDate(last.getUTCDate() + 1)
  await client.command({
    query: `INSERT INTO usage_noted_candidates_15m
      SELECT ${CANDIDATE_KEY}, sum(cost_usd), sum(input_tokens), sum(output_tokens), sum(cache_read_tokens),
        sum(cache_creation_tokens), toUInt64(toUnixTimestamp64Micro(now64(6)))
      FROM usage_metric_candidates_15m
      WHERE bucket >= {from:DateTime('UTC')} AND bucket < {to:DateTime('UTC')} AND ${NOTED_ROWS}
      GROUP BY ${CANDIDATE_KEY}`,
    clickhouse_settings: FOREGROUND,
    query_params: { from: `${days[0]} 00:00:00`, to: last.toISOString().slice(0, 19).replace('T', ' '), ...notedParams(rows) },
  })
}

/**
 * After the writer's rebuild of some days (rebuild.ts): the noted sessions and user-days with candidates on those days
 * are copied again, whole, their old copies deleted first. The rebuild derives the candidates from the raw rows
 * again, and it can drop some a copy holds (a view's part stored by an insert whose raw part was not); a copy left
 * as it was would subtract them still.
 */
export async function copyNotedCandidatesAgain(client: Warehouse, days: readonly string[]): Promise<number> {
  if (days.length === 0) return 0
  const rows = await selectRows<CandidateDay>(
    client,
    `SELECT session_id, user_key, toString(day) AS day FROM usage_candidate_sessions
     WHERE session_id != '' AND session_id IN (
       SELECT session_id FROM usage_candidate_sessions WHERE day IN {days:Array(Date)} AND session_id != ''
         AND session_id IN (SELECT session_id FROM usage_candidate_coverage WHERE session_id != ''))
     UNION ALL
     SELECT session_id, user_key, toString(day) AS day FROM usage_candidate_sessions
     WHERE session_id = '' AND day IN {days:Array(Date)}
       AND (user_key, day) IN (SELECT user_key, day FROM usage_candidate_coverage WHERE session_id = '')`,
    { days },
  )
  if (rows.length === 0) return 0
  const params = notedParams(rows)
  await client.command({ query: `DELETE FROM usage_noted_candidates_15m WHERE ${NOTED_ROWS}`, query_params: params })
  await copyNotedCandidates(client, rows)
  return params.sessions.length + params.userDays.length
}

/** usage_metric_candidates_15m's key: a copy sums its rows by it. */
const CANDIDATE_KEY =
  'bucket, team_id, user_key, session_id, model, query_source, agent_name, skill_name, plugin_name, mcp_server_name, department, cost_center'
