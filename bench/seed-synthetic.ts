/**
 * The benchmarks' row source (see bench/seed-source.ts): made-up users and sessions cut from
 * numbers(), so that any number of events can be generated in chunks of consecutive event numbers.
 *
 * - Sessions: event numbers are cut into blocks of 64, each split in two sessions at a hashed point
 *   (8…56 events each, 32 on average).
 * - Users `user0001@example.com`…: a session's user is ⌊users·x²⌋ for a uniform x, so low numbers are
 *   heavy users. Team, department and cost center follow from the user; version and host too; terminal
 *   and main model from the session, all drawn from the vocabulary by weight.
 * - Time: session k of S starts at the (k + jitter)/S quantile of a weekday/working-hours activity
 *   curve (UTC) over the period; events follow every ~15 s. Sessions are in time order, so a chunk
 *   touches few daily partitions.
 * - Metric points: point m belongs to the session of event 4m, one a minute from the session's start.
 */
import { arr, makeHash, num, salt, strMap, total, uuidOf, weighted, weightedIndex } from './seed-sql'
import type { RowSource } from './seed-source'
import type { SeedVocabulary } from './seed-vocabulary'

const BLOCK = 64 // events per pair of sessions
const EVENT_GAP_MS = 15_000
const QUANTILES = 4096
/** Events per metric point. */
export const EVENTS_PER_POINT = 4

export interface SyntheticPlan {
  seed: number
  users: number
  sessions: number
  startMs: number
  endMs: number
  /** The activity curve's quantiles (activityQuantiles), as an SQL array. */
  quantiles: string
}

export function syntheticPlan(options: { seed: number; users: number; totalEvents: number; startMs: number; endMs: number }): SyntheticPlan {
  return {
    seed: options.seed,
    users: options.users,
    sessions: 2 * Math.ceil(options.totalEvents / BLOCK),
    startMs: options.startMs,
    endMs: options.endMs,
    quantiles: `[${activityQuantiles(options.startMs, options.endMs, options.seed)
      .map((x) => x.toFixed(5))
      .join(',')}]`,
  }
}

// ---------------------------------------------------------------------------------------------------
// Time: quantiles of a weekday / working-hours activity curve

const HOUR_MS = 3_600_000
/** Relative activity by UTC hour of day. */
const HOUR_WEIGHT = [0.05, 0.04, 0.04, 0.04, 0.05, 0.08, 0.15, 0.4, 0.8, 1, 1, 1, 0.7, 0.9, 1, 1, 0.9, 0.7, 0.4, 0.25, 0.2, 0.15, 0.1, 0.07]
/** Relative activity by UTC day of week (Sunday = 0). */
const DAY_WEIGHT = [0.1, 1, 1, 1, 1, 0.95, 0.15]

/** A number in [0, 1) from two integers (a 32-bit integer hash): for the few choices made here in JS. */
function unitHash(a: number, b: number): number {
  let x = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(b ^ 0xc2b2ae35, 0x27d4eb2f)
  x = Math.imul(x ^ (x >>> 15), 0x2c1b3c6d)
  x = Math.imul(x ^ (x >>> 12), 0x297a2d39)
  return ((x ^ (x >>> 15)) >>> 0) / 4294967296
}

/**
 * Hours after `startMs` at which the activity curve's cumulative share reaches 0, 1/K, …, 1: session
 * start k/S is interpolated in this table, which gives the rhythm without any per-row loop.
 */
function activityQuantiles(startMs: number, endMs: number, seed: number, k = QUANTILES): number[] {
  const segments: Array<{ t0: number; t1: number; mass: number }> = []
  for (let t = startMs; t < endMs; ) {
    const next = Math.min(endMs, (Math.floor(t / HOUR_MS) + 1) * HOUR_MS)
    const d = new Date(t)
    // ±20 % from day to day (a release day, a team offsite…), fixed by the seed and the calendar day.
    const dayNoise = 0.8 + 0.4 * unitHash(seed, Math.floor(t / 86_400_000))
    const weight = dayNoise * (DAY_WEIGHT[d.getUTCDay()] ?? 1) * (HOUR_WEIGHT[d.getUTCHours()] ?? 1)
    segments.push({ t0: t, t1: next, mass: weight * (next - t) })
    t = next
  }
  const totalMass = segments.reduce((sum, s) => sum + s.mass, 0)
  const out: number[] = []
  let acc = 0
  let i = 0
  for (let q = 0; q <= k; q++) {
    const target = (totalMass * q) / k
    while (i < segments.length - 1 && acc + (segments[i]?.mass ?? 0) < target) {
      acc += segments[i]?.mass ?? 0
      i++
    }
    const s = segments[i]
    if (!s) throw new Error('empty time range')
    const within = s.mass > 0 ? Math.min(1, Math.max(0, (target - acc) / s.mass)) : 0
    out.push((s.t0 + within * (s.t1 - s.t0) - startMs) / HOUR_MS)
  }
  return out
}

// ---------------------------------------------------------------------------------------------------
// The row sources

/**
 * Columns every row derives from its event number `n` (for a metric point, 4·m): session, user,
 * team, session start. Used by both sources, so that metric points share the events' sessions.
 */
function sessionColumns(plan: SyntheticPlan, v: SeedVocabulary, nExpr: string): string {
  const h = makeHash(plan.seed)
  const U = num(plan.users)
  const hostIndex = weightedIndex(
    v.hosts.map(([, w]) => w),
    `${h('u', salt('os'))} % ${total(v.hosts)}`,
  )
  return `
    ${nExpr} AS n,
    org_id AS org,
    intDiv(n, ${BLOCK}) AS blk,
    n % ${BLOCK} AS off,
    8 + ${h('blk', salt('split'))} % ${BLOCK - 16} AS split,
    off >= split AS second,
    blk * 2 + second AS sess,
    toInt64(if(second, off - split, off)) AS seq,
    blk * ${BLOCK} + if(second, split, 0) AS sess_first,
    least(${U} - 1, toUInt64(floor(${U} * pow(${h('sess', salt('user'))} / 18446744073709551616.0, 2)))) AS u,
    concat('user', leftPad(toString(u + 1), 4, '0'), '@example.com') AS email,
    email AS u_key,
    email AS u_email,
    email AS u_enduser,
    '' AS u_account,
    ${h('u', salt('team'))} % ${v.teams.length} AS team_i,
    ${arr(v.teams.map((t) => t.id))}[team_i + 1] AS team,
    ${arr(v.teams.map((t) => t.department))}[team_i + 1] AS dept,
    ${arr(v.teams.map((t) => t.costCenter))}[team_i + 1] AS cost_center,
    lower(concat(hex(${h('u', salt('uid1'))}), hex(${h('u', salt('uid2'))}), hex(${h('u', salt('uid3'))}), hex(${h('u', salt('uid4'))}))) AS user_id,
    toString(${uuidOf(h('sess', salt('sid1')), h('sess', salt('sid2')))}) AS session_id,
    ${weighted(v.versions, `${h('u', salt('ver'))} % ${total(v.versions)}`)} AS version,
    ${hostIndex} AS host_i,
    ${arr(v.hosts.map(([x]) => x.type))}[host_i] AS os_type,
    ${arr(v.hosts.map(([x]) => x.version))}[host_i] AS os_version,
    ${arr(v.hosts.map(([x]) => x.arch))}[host_i] AS host_arch,
    ${weighted(v.terminals, `${h('sess', salt('term'))} % ${total(v.terminals)}`)} AS terminal,
    ${weighted(v.sessionModels, `${h('sess', salt('model'))} % ${total(v.sessionModels)}`)} AS sess_model,
    (sess + (${h('sess', salt('jitter'))} % 1000000) / 1000000.0) / ${num(plan.sessions)} * ${QUANTILES} AS qpos,
    least(toUInt32(floor(qpos)), ${QUANTILES - 1}) AS qi,
    q[qi + 1] + (q[qi + 2] - q[qi + 1]) * (qpos - qi) AS start_h,
    ${num(plan.startMs)} + toInt64(start_h * ${HOUR_MS}) AS sess_ms,
    ${strMap([
      ['host.arch', 'host_arch'],
      ['os.type', 'os_type'],
      ['os.version', 'os_version'],
      ['service.name', "'claude-code'"],
      ['service.version', 'version'],
      ['department', 'dept'],
      ['team.id', 'team'],
      ['cost_center', 'cost_center'],
      ['enduser.id', 'email'],
    ])} AS resource,
    ${strMap([
      ['department', 'dept'],
      ['team.id', 'team'],
      ['cost_center', 'cost_center'],
      ['enduser.id', 'email'],
      ['user.email', 'email'],
      ['user.id', 'user_id'],
      ['session.id', 'session_id'],
      ['organization.id', 'org_id'],
      ['terminal.type', 'terminal'],
    ])} AS identity_attrs`
}

function withClause(plan: SyntheticPlan): string {
  const h = makeHash(plan.seed)
  return `WITH ${plan.quantiles} AS q, toString(${uuidOf(h(salt('org1')), h(salt('org2')))}) AS org_id`
}

/** Events `from` … `from + count - 1`. */
export function syntheticEvents(plan: SyntheticPlan, v: SeedVocabulary, from: number, count: number): RowSource {
  const h = makeHash(plan.seed)
  return {
    with: withClause(plan),
    columns: `${sessionColumns(plan, v, 'number')},
      toInt64(least(${num(plan.endMs)}, sess_ms + seq * ${EVENT_GAP_MS} + toInt64(${h('n', salt('t'))} % ${EVENT_GAP_MS}))) AS ms`,
    from: `FROM numbers(${num(from)}, ${num(count)})`,
    where: '',
  }
}

/** Metric points `from` … `from + count - 1` (point m belongs to the session of event 4m). */
export function syntheticMetrics(plan: SyntheticPlan, v: SeedVocabulary, from: number, count: number): RowSource {
  return {
    with: withClause(plan),
    columns: `number AS m,
      ${sessionColumns(plan, v, `number * ${EVENTS_PER_POINT}`)},
      toInt64(m) - toInt64(intDiv(sess_first + ${EVENTS_PER_POINT - 1}, ${EVENTS_PER_POINT})) AS k,
      toInt64(least(${num(plan.endMs)}, sess_ms + (k + 1) * 60000)) AS ts_ms`,
    from: `FROM numbers(${num(from)}, ${num(count)})`,
    where: '',
  }
}
