/**
 * A row source (bench/seed-source.ts) from given users and sessions: who works when is decided outside
 * (the demo takes it from the simulator's fleet plan, simulator/history.ts); the engine makes each
 * session's events and metric points. Users and sessions reach the engine as typed query parameters.
 *
 * A session's events follow each other every `eventGapMs` (plus up to one gap of hashed jitter); its
 * metric points are exported `pointsPerMinute` at a time, one minute apart, from a minute after its
 * start, as a CLI's periodic metric reader does. Rows are numbered across all the sessions (a session's
 * first event and point numbers are the counts before it), so ids stay unique whichever part of the
 * period is written, and a time window picks exactly the rows that fall in it: a period written window
 * by window holds every row once.
 */
import { makeHash, salt, uuidOf } from './seed-sql'
import type { RowSource } from './seed-source'
import type { HostSpec, TeamNames } from './seed-vocabulary'

export interface SeedUser {
  /** user_key as ccscope resolves it. */
  key: string
  /** user.email ('' when not sent), enduser.id, user.account_uuid, organization.id (likewise), user.id. */
  email: string
  enduserId: string
  accountUuid: string
  organizationId: string
  userId: string
  team: TeamNames
  version: string
  host: HostSpec
  terminal: string
  /** Main model of the user's sessions. */
  model: string
  /** false: the user's install sends metrics only, no events. */
  eventsOn: boolean
}

export interface SeedSession {
  /** Index into the users. */
  user: number
  startMs: number
  /** Events the session holds (none is written when its user sends metrics only). */
  events: number
  /** Metric points; the first is session.count. */
  points: number
}

export interface SessionsPlan {
  seed: number
  users: readonly SeedUser[]
  /** In start order. */
  sessions: readonly SeedSession[]
  eventGapMs: number
  pointsPerMinute: number
  /** Rows at or after this time are left out (the end of the history). */
  endMs: number
}

const MINUTE = 60_000

/** When the session's last event and last point can be, at the latest. */
export function sessionEndMs(plan: SessionsPlan, s: SeedSession): number {
  const events = s.startMs + (s.events + 1) * plan.eventGapMs
  const points = s.startMs + (Math.ceil(s.points / plan.pointsPerMinute) + 1) * MINUTE
  return Math.max(events, points)
}

/** Each session's first event and point numbers (the counts before it). */
function firsts(plan: SessionsPlan): { events: number[]; points: number[] } {
  const events: number[] = []
  const points: number[] = []
  let e = 0
  let p = 0
  for (const s of plan.sessions) {
    events.push(e)
    points.push(p)
    e += s.events
    p += s.points
  }
  return { events, points }
}

const numbering = new WeakMap<SessionsPlan, { events: number[]; points: number[] }>()

/** The sessions with rows in [fromMs, toMs), as query parameters, and the users' columns. */
function windowParams(plan: SessionsPlan, fromMs: number, toMs: number): { params: Record<string, unknown>; count: number } {
  let first = numbering.get(plan)
  if (!first) {
    first = firsts(plan)
    numbering.set(plan, first)
  }
  const picked: number[] = []
  plan.sessions.forEach((s, i) => {
    if (s.startMs < toMs && sessionEndMs(plan, s) >= fromMs) picked.push(i)
  })
  const sessions = picked.map((i) => plan.sessions[i] as SeedSession)
  const users = plan.users
  return {
    count: picked.length,
    params: {
      s_index: picked,
      s_user: sessions.map((s) => s.user),
      s_start: sessions.map((s) => s.startMs),
      s_events: sessions.map((s) => s.events),
      s_points: sessions.map((s) => s.points),
      s_first_event: picked.map((i) => first.events[i] ?? 0),
      s_first_point: picked.map((i) => first.points[i] ?? 0),
      u_key: users.map((u) => u.key),
      u_email: users.map((u) => u.email),
      u_enduser: users.map((u) => u.enduserId),
      u_account: users.map((u) => u.accountUuid),
      u_org: users.map((u) => u.organizationId),
      u_id: users.map((u) => u.userId),
      u_team: users.map((u) => u.team.id),
      u_dept: users.map((u) => u.team.department),
      u_cc: users.map((u) => u.team.costCenter),
      u_version: users.map((u) => u.version),
      u_os_type: users.map((u) => u.host.type),
      u_os_version: users.map((u) => u.host.version),
      u_arch: users.map((u) => u.host.arch),
      u_terminal: users.map((u) => u.terminal),
      u_model: users.map((u) => u.model),
      u_events_on: users.map((u) => (u.eventsOn ? 1 : 0)),
      w_from: fromMs,
      w_to: Math.min(toMs, plan.endMs),
    },
  }
}

const WITH = `WITH
    {s_index:Array(UInt64)} AS s_index_a, {s_user:Array(UInt32)} AS s_user_a, {s_start:Array(Int64)} AS s_start_a,
    {s_events:Array(UInt32)} AS s_events_a, {s_points:Array(UInt32)} AS s_points_a,
    {s_first_event:Array(UInt64)} AS s_first_event_a, {s_first_point:Array(UInt64)} AS s_first_point_a,
    {u_key:Array(String)} AS u_key_a, {u_email:Array(String)} AS u_email_a, {u_enduser:Array(String)} AS u_enduser_a,
    {u_account:Array(String)} AS u_account_a, {u_org:Array(String)} AS u_org_a, {u_id:Array(String)} AS u_id_a,
    {u_team:Array(String)} AS u_team_a, {u_dept:Array(String)} AS u_dept_a, {u_cc:Array(String)} AS u_cc_a,
    {u_version:Array(String)} AS u_version_a, {u_os_type:Array(String)} AS u_os_type_a,
    {u_os_version:Array(String)} AS u_os_version_a, {u_arch:Array(String)} AS u_arch_a,
    {u_terminal:Array(String)} AS u_terminal_a, {u_model:Array(String)} AS u_model_a, {u_events_on:Array(UInt8)} AS u_events_on_a`

/** The session's and its user's columns, for the picked session `si` (0-based). */
function sessionColumns(plan: SessionsPlan): string {
  const h = makeHash(plan.seed)
  return `
    s_index_a[si + 1] AS sess,
    s_start_a[si + 1] AS sess_ms,
    s_user_a[si + 1] + 1 AS ui,
    u_key_a[ui] AS u_key,
    u_email_a[ui] AS u_email,
    u_enduser_a[ui] AS u_enduser,
    u_account_a[ui] AS u_account,
    u_org_a[ui] AS org,
    u_id_a[ui] AS user_id,
    u_team_a[ui] AS team,
    u_dept_a[ui] AS dept,
    u_cc_a[ui] AS cost_center,
    u_version_a[ui] AS version,
    u_terminal_a[ui] AS terminal,
    u_model_a[ui] AS sess_model,
    u_events_on_a[ui] = 1 AS events_on,
    toString(${uuidOf(h('sess', salt('sid1')), h('sess', salt('sid2')))}) AS session_id,
    mapFilter((mk, mv) -> mv != '', map(
      'department', dept, 'team.id', team, 'cost_center', cost_center, 'enduser.id', u_enduser,
      'host.arch', u_arch_a[ui], 'os.type', u_os_type_a[ui], 'os.version', u_os_version_a[ui],
      'service.name', 'claude-code', 'service.version', version)) AS resource,
    mapFilter((mk, mv) -> mv != '', map(
      'department', dept, 'team.id', team, 'cost_center', cost_center, 'enduser.id', u_enduser,
      'user.id', user_id, 'session.id', session_id, 'organization.id', org, 'user.email', u_email,
      'user.account_uuid', u_account, 'terminal.type', terminal)) AS identity_attrs`
}

/** The events of the plan's sessions that fall in [fromMs, toMs) (and before the plan's end); undefined when none can. */
export function sessionEvents(plan: SessionsPlan, fromMs: number, toMs: number): RowSource | undefined {
  const { params, count } = windowParams(plan, fromMs, toMs)
  if (count === 0) return undefined
  const h = makeHash(plan.seed)
  return {
    with: WITH,
    columns: `number AS si,
      ${sessionColumns(plan)},
      toInt64(seq_u) AS seq,
      s_first_event_a[si + 1] + seq_u AS n,
      sess_ms + seq * ${plan.eventGapMs} + toInt64(${h('n', salt('t'))} % ${plan.eventGapMs}) AS ms`,
    from: `FROM numbers(${count}) ARRAY JOIN range(toUInt64(s_events_a[number + 1])) AS seq_u`,
    where: 'events_on AND ms >= {w_from:Int64} AND ms < {w_to:Int64}',
    params,
  }
}

/** The metric points of the plan's sessions that fall in [fromMs, toMs) (and before the plan's end); undefined when none can. */
export function sessionMetrics(plan: SessionsPlan, fromMs: number, toMs: number): RowSource | undefined {
  const { params, count } = windowParams(plan, fromMs, toMs)
  if (count === 0) return undefined
  return {
    with: WITH,
    columns: `number AS si,
      ${sessionColumns(plan)},
      toInt64(k_u) AS k,
      s_first_point_a[si + 1] + k_u AS m,
      sess_ms + (intDiv(k, ${plan.pointsPerMinute}) + 1) * ${MINUTE} AS ts_ms`,
    from: `FROM numbers(${count}) ARRAY JOIN range(toUInt64(s_points_a[number + 1])) AS k_u`,
    where: 'ts_ms >= {w_from:Int64} AND ts_ms < {w_to:Int64}',
    params,
    sessionsWithoutEvents: 'NOT events_on',
  }
}

/** Events and points the plan holds (events of metrics-only users not counted), before the end. An upper bound: rows past the end are left out. */
export function plannedRows(plan: SessionsPlan): { events: number; points: number } {
  let events = 0
  let points = 0
  for (const s of plan.sessions) {
    if (plan.users[s.user]?.eventsOn) events += s.events
    points += s.points
  }
  return { events, points }
}
