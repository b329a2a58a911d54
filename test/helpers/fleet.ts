import { TEAMS as CATALOG_TEAMS, HOSTS, type TeamSpec } from '../../simulator/catalog'
import { DAY, MINUTE, type SessionPlan, type SimUser } from '../../simulator/fleet'
import { exportPoints, type PointDraft } from '../../simulator/metrics'
import { logRecords, resourceMetrics } from '../../simulator/otlp'
import { logsJson, metricsJson } from '../../simulator/otlp-json'
import { deriveSeed, Rng } from '../../simulator/random'
import { type SessionRecords, SessionSim } from '../../simulator/session'
import { Tally, type Truths } from '../../simulator/truths'
import type { ExportLogsRequest, ExportMetricsRequest } from '../../schemas/otlp'

/**
 * A small, deterministic fleet of Claude Code users as OTLP/JSON requests, and the ground truth of
 * what it holds, so that analytics tests can compute expected figures in plain JS.
 *
 * The sessions are the simulator's (simulator/session.ts, the one generator of Claude Code telemetry),
 * encoded by the one encoder (simulator/otlp.ts → simulator/otlp-json.ts, the OTel SDK's serializers).
 * This file only chooses the world a test needs, and reads the truth back from the records:
 *
 * - Users user01@example.com…, in teams web / mobile / data / platform (the simulator catalog's teams;
 *   `data` is its data-eng team, renamed), the last user with no team, department or cost center.
 *   Team `data` sends metrics only (OTEL_LOGS_EXPORTER unset): its cost and tokens are known from
 *   cost.usage / token.usage alone (requests `fromMetricsOnly`).
 * - Users 4 and 9 stop half-way (gone quiet), users 10 and 11 arrive in the last days (newcomers).
 * - 1–3 sessions per active day; by ordinal some start late in the evening UTC, some straddle
 *   midnight, some start just after it, so that time zones move them to another day.
 * - Metrics are exported every 5 minutes and at exit, delta temporality (as the CLI's default reader).
 * All times fall inside [start, start + days).
 */

// ---- options, requests, truth ----------------------------------------------------------------

export interface FleetOptions {
  seed: number
  /** Default 12. */
  users?: number
  /** Default 10. */
  days?: number
  /** UTC midnight of the first day. */
  start: Date
}

export type FleetRequest = { signal: 'logs'; body: ExportLogsRequest } | { signal: 'metrics'; body: ExportMetricsRequest }

export interface Fleet {
  requests: FleetRequest[]
  truth: FleetTruth
  /** The simulator's own count of what it generated (simulator/truths.ts), to hold the two to each other. */
  simulated: Truths
}

/** Who and when, on every fact. `user` is enduser.id, the key ccscope resolves; '' when absent. */
export interface Fact {
  time: Date
  user: string
  team: string
  department: string
  costCenter: string
  session: string
}

export interface UserTruth {
  user: string
  /** user.id: the 64-hex per-installation id. */
  userId: string
  team: string
  department: string
  costCenter: string
  serviceVersion: string
}

export interface SessionTruth extends Omit<Fact, 'time'> {
  /** Time of the session's first record (event or metric point). */
  start: Date
  /** Time of its last record: the final metric export. */
  end: Date
  startType: 'fresh' | 'resume' | 'continue'
  /** false for the metrics-only team. */
  eventsOn: boolean
  /** Every record time of the session (events and metric points), sorted: exact range membership. */
  recordTimes: Date[]
}

export interface PromptTruth extends Fact {
  promptId: string
  length: number
}

export interface RequestTruth extends Fact {
  promptId: string
  model: string
  querySource: 'main' | 'subagent' | 'auxiliary'
  agent: string
  skill: string
  plugin: string
  mcpServer: string
  costMicros: number
  inputTokens: number
  outputTokens: number
  cacheReadTokens: number
  cacheCreationTokens: number
  requestId: string
  /** No api_request event was sent: the request is known from metric points (time = the point's). */
  fromMetricsOnly: boolean
}

export type DecisionSource = 'config' | 'hook' | 'user_permanent' | 'user_temporary' | 'user_reject' | 'user_abort'

export interface DecisionTruth extends Fact {
  promptId: string
  tool: string
  toolSource: 'builtin' | 'mcp'
  decision: 'accept' | 'reject'
  source: DecisionSource
  /** bash_command (the first word) for Bash, else ''. */
  command: string
  mcpServer: string
  mcpTool: string
}

export interface ToolResultTruth extends Fact {
  promptId: string
  tool: string
  success: boolean
  durationMs: number
}

export type MetricTruthName =
  | 'lines_added'
  | 'lines_removed'
  | 'commits'
  | 'prs'
  | 'active_user_s'
  | 'active_cli_s'
  | 'edit_accept'
  | 'edit_reject'
  | 'sessions'

/** One data point (time = its timeUnixNano). */
export interface MetricTruth extends Fact {
  name: MetricTruthName
  value: number
  tool?: string
  language?: string
}

export interface HookTruth extends Fact {
  hookEvent: string
  hookName: string
  numHooks: number
  numBlocking: number
  /** As the CLI sends it: 'policySettings' when only managed hooks may run, else 'merged'. */
  hookSource: string
}

export interface ModeChangeTruth extends Fact {
  fromMode: string
  toMode: string
  trigger: string
}

export interface ManagedSettingsTruth extends Fact {
  sources: string[]
}

export interface FleetTruth {
  /** [start, end): every record falls inside. */
  start: Date
  end: Date
  users: UserTruth[]
  sessions: SessionTruth[]
  prompts: PromptTruth[]
  requests: RequestTruth[]
  decisions: DecisionTruth[]
  toolResults: ToolResultTruth[]
  metrics: MetricTruth[]
  hooks: HookTruth[]
  modeChanges: ModeChangeTruth[]
  managedSettings: ManagedSettingsTruth[]
}

// ---- the fleet's world ------------------------------------------------------------------------

/** Metric export interval of the fleet's CLIs (OTEL_METRIC_EXPORT_INTERVAL). */
const EXPORT_INTERVAL_MS = 5 * MINUTE
/** How much work a session holds (the simulator's intensity; 1 is a full working session). */
const SESSION_INTENSITY = 0.15

type Team = 'web' | 'mobile' | 'platform' | 'data'
const TEAM_CYCLE: Team[] = ['web', 'mobile', 'data', 'platform', 'web', 'mobile', 'platform', 'data', 'web', 'mobile', 'web']
/** Users who stop (first half only) and users who arrive (last days only), by index. */
const GONE_QUIET = new Set([3, 8])
const NEWCOMERS = new Set([9, 10])
/** Users who start sessions in bypassPermissions now and then. */
const BYPASS_PRONE = new Set([1, 4, 8])

function catalogTeam(id: string): TeamSpec {
  const team = CATALOG_TEAMS.find((t) => t.id === id)
  if (!team) throw new Error(`the simulator catalog has no team ${id}`)
  return team
}

const TEAMS: Record<Team | 'none', TeamSpec> = {
  web: { ...catalogTeam('web'), mcpServers: [...catalogTeam('web').mcpServers, 'postgres-prod'] },
  mobile: catalogTeam('mobile'),
  platform: catalogTeam('platform'),
  data: { ...catalogTeam('data-eng'), id: 'data', metricsOnly: true },
  none: {
    ...catalogTeam('web'),
    id: '',
    department: '',
    costCenter: '',
    mcpServers: ['github', 'postgres-prod'],
    managedSources: [],
    policyHook: false,
    managedHooksOnly: false,
    metricsOnly: false,
  },
}

const TERMINALS = ['vscode', 'iTerm.app', 'tmux', 'cursor', 'Apple_Terminal', 'WindowsTerminal']
const VERSIONS = ['2.1.328', '2.1.328', '2.1.328', '2.1.319', '2.1.301']
const AGENTS = ['Explore', 'general-purpose', 'code-reviewer']
const SKILLS = ['frontend-design', 'pdf', 'xlsx', 'webapp-testing']
const PLUGINS = ['commit-commands', 'pr-review-toolkit', 'security-guidance']

interface FleetUser {
  sim: SimUser
  activeDays: number[]
}

function planUsers(seed: number, count: number, days: number, startMs: number): FleetUser[] {
  const users: FleetUser[] = []
  const organizationId = new Rng(deriveSeed(seed, 0)).uuid()
  for (let i = 0; i < count; i++) {
    const rng = new Rng(deriveSeed(seed, 1, i))
    const teamName: Team | 'none' = count > 1 && i === count - 1 ? 'none' : (TEAM_CYCLE[i % TEAM_CYCLE.length] ?? 'web')
    const team = TEAMS[teamName]
    const role = teamName === 'none' ? 'regular' : GONE_QUIET.has(i) ? 'quiet' : NEWCOMERS.has(i) ? 'new' : 'regular'
    const activeDays: number[] = []
    for (let d = 0; d < days; d++) {
      const weekday = new Date(startMs + d * DAY).getUTCDay()
      const weekend = weekday === 0 || weekday === 6
      const p =
        role === 'quiet'
          ? d < Math.ceil(days / 2)
            ? 0.85
            : 0
          : role === 'new'
            ? d >= days - Math.max(2, Math.ceil(days * 0.3))
              ? 0.9
              : 0
            : weekend
              ? 0.25
              : 0.8
      if (rng.chance(p)) activeDays.push(d)
    }
    if (activeDays.length === 0) activeDays.push(role === 'quiet' ? 0 : role === 'new' ? days - 1 : rng.int(0, days - 1))
    const email = `user${String(i + 1).padStart(2, '0')}@example.com`
    const version = rng.pick(VERSIONS)
    users.push({
      activeDays,
      sim: {
        index: i,
        key: email,
        email,
        userId: rng.hex(64),
        accountUuid: rng.uuid(),
        organizationId,
        signIn: rng.chance(0.5) ? 'oauth' : 'enduser',
        provider: 'firstParty',
        team,
        region: 'us-east',
        offsetMs: 0,
        version,
        host: rng.pick(HOSTS),
        terminal: rng.pick(TERMINALS),
        mainModel: rng.chance(0.75) ? 'claude-opus-5-5' : 'claude-sonnet-5',
        effort: rng.chance(0.7) ? 'medium' : 'high',
        intensity: SESSION_INTENSITY,
        lifecycle: role === 'quiet' ? 'quiet' : role === 'new' ? 'ramp' : 'steady',
        turningDay: 0,
        plugins: PLUGINS.filter(() => rng.chance(0.35)),
        skills: [...SKILLS.filter(() => rng.chance(0.5)), 'frontend-design'].filter((s, k, all) => all.indexOf(s) === k).slice(0, 3),
        agents: AGENTS.filter((a) => a === 'Explore' || rng.chance(0.5)),
        mcpServers: [...team.mcpServers],
        formatterHook: !team.managedHooksOnly && rng.chance(0.35),
        bypassProne: BYPASS_PRONE.has(i),
        eventsOn: !team.metricsOnly,
      },
    })
  }
  return users
}

interface FleetSession {
  plan: SessionPlan
  /** Starts so that its middle falls on midnight UTC. */
  straddle: boolean
}

/**
 * 1–3 sessions per active day. By their ordinal, every 8th starts between 22:00 and 23:59 UTC, every
 * 16th straddles midnight and every 11th starts just after midnight, so that time zones move them to
 * another day; the rest start in office hours.
 */
function planSessions(seed: number, users: FleetUser[], startMs: number, endMs: number): FleetSession[] {
  const plans: FleetSession[] = []
  let ordinal = 0
  for (const { sim: user, activeDays } of users) {
    const rng = new Rng(deriveSeed(seed, 2, user.index))
    for (const day of activeDays) {
      const dayMs = startMs + day * DAY
      const count = rng.weighted([
        [1, 5],
        [2, 4],
        [3, 2],
      ] as const)
      for (let j = 0; j < count; j++, ordinal++) {
        let at: number
        const straddle = ordinal % 16 === 11
        if (straddle)
          at = dayMs + DAY - 5 * MINUTE // moved once its length is known (generateFleet)
        else if (ordinal % 8 === 3) at = dayMs + 22 * 3_600_000 + rng.int(0, 107) * MINUTE
        else if (ordinal % 11 === 6) at = dayMs + rng.int(1, 25) * MINUTE
        else
          at =
            dayMs +
            rng.weighted([
              [7, 1],
              [8, 2],
              [9, 4],
              [10, 5],
              [11, 4],
              [13, 4],
              [14, 5],
              [15, 5],
              [16, 4],
              [17, 2],
              [19, 1],
              [20, 1],
            ] as const) *
              3_600_000 +
            rng.int(0, 59) * MINUTE
        at = Math.min(at + rng.int(0, 59_999), endMs - 40 * MINUTE)
        const startType =
          j === 0
            ? 'fresh'
            : rng.weighted([
                ['fresh', 6],
                ['continue', 2],
                ['resume', 2],
              ] as const)
        plans.push({
          plan: { user, day, ordinal, startMs: at, startType, seed: deriveSeed(seed, 3, ordinal), intensity: SESSION_INTENSITY },
          straddle,
        })
      }
    }
  }
  return plans.sort((a, b) => a.plan.startMs - b.plan.startMs || a.plan.ordinal - b.plan.ordinal)
}

// ---- the truth, read back from the records -------------------------------------------------------

const text = (v: unknown) => (v === undefined ? '' : String(v))
const num = (v: unknown) => Number(v ?? 0)

function whoOf(session: SessionRecords): Omit<Fact, 'time'> {
  const user = session.plan.user
  return { user: user.key, team: user.team.id, department: user.team.department, costCenter: user.team.costCenter, session: session.sessionId }
}

/** What tool_parameters names: the Bash command's first word, or the MCP server and tool. */
function toolParameters(value: unknown): { command: string; mcpServer: string; mcpTool: string } {
  const params = typeof value === 'string' ? (JSON.parse(value) as Record<string, string>) : {}
  return { command: params['bash_command'] ?? '', mcpServer: params['mcp_server_name'] ?? '', mcpTool: params['mcp_tool_name'] ?? '' }
}

/** The session's events as facts (only what was sent: nothing when its install sends metrics only). */
function eventTruth(session: SessionRecords, truth: FleetTruth): void {
  if (!session.plan.user.eventsOn) return
  const who = whoOf(session)
  for (const e of session.events) {
    const a = e.attrs
    const fact = { ...who, time: new Date(e.ms) }
    switch (e.name) {
      case 'user_prompt':
        truth.prompts.push({ ...fact, promptId: e.promptId, length: num(a['prompt_length']) })
        break
      case 'api_request':
        truth.requests.push({
          ...fact,
          promptId: e.promptId,
          model: text(a['model']),
          querySource: text(a['query_source']) as RequestTruth['querySource'],
          agent: text(a['agent.name']),
          skill: text(a['skill.name']),
          plugin: text(a['plugin.name']),
          mcpServer: text(a['mcp_server.name']),
          costMicros: Math.round(num(a['cost_usd']) * 1e6),
          inputTokens: num(a['input_tokens']),
          outputTokens: num(a['output_tokens']),
          cacheReadTokens: num(a['cache_read_tokens']),
          cacheCreationTokens: num(a['cache_creation_tokens']),
          requestId: text(a['request_id']),
          fromMetricsOnly: false,
        })
        break
      case 'tool_decision':
        truth.decisions.push({
          ...fact,
          promptId: e.promptId,
          tool: text(a['tool_name']),
          toolSource: text(a['tool_source']) as DecisionTruth['toolSource'],
          decision: text(a['decision']) as DecisionTruth['decision'],
          source: text(a['source']) as DecisionSource,
          ...toolParameters(a['tool_parameters']),
        })
        break
      case 'tool_result':
        truth.toolResults.push({
          ...fact,
          promptId: e.promptId,
          tool: text(a['tool_name']),
          success: a['success'] === 'true',
          durationMs: num(a['duration_ms']),
        })
        break
      case 'hook_execution_complete':
        truth.hooks.push({
          ...fact,
          hookEvent: text(a['hook_event']),
          hookName: text(a['hook_name']),
          numHooks: num(a['num_hooks']),
          numBlocking: num(a['num_blocking']),
          hookSource: text(a['hook_source']),
        })
        break
      case 'permission_mode_changed':
        truth.modeChanges.push({ ...fact, fromMode: text(a['from_mode']), toMode: text(a['to_mode']), trigger: text(a['trigger']) })
        break
      case 'managed_settings_resolved': {
        const sources = a['managed_settings.sources']
        truth.managedSettings.push({ ...fact, sources: Array.isArray(sources) ? [...sources] : [] })
        break
      }
      default:
        break
    }
  }
}

function metricTruthName(metric: string, attrs: Readonly<Record<string, string>>): MetricTruthName | undefined {
  switch (metric) {
    case 'claude_code.session.count':
      return 'sessions'
    case 'claude_code.lines_of_code.count':
      return attrs['type'] === 'removed' ? 'lines_removed' : 'lines_added'
    case 'claude_code.commit.count':
      return 'commits'
    case 'claude_code.pull_request.count':
      return 'prs'
    case 'claude_code.active_time.total':
      return attrs['type'] === 'user' ? 'active_user_s' : 'active_cli_s'
    case 'claude_code.code_edit_tool.decision':
      return attrs['decision'] === 'reject' ? 'edit_reject' : 'edit_accept'
    default:
      return undefined
  }
}

const TOKEN_FIELDS = { input: 'inputTokens', output: 'outputTokens', cacheRead: 'cacheReadTokens', cacheCreation: 'cacheCreationTokens' } as const

/**
 * The session's exported points as facts; for a session that sends no events, its requests as the
 * cost points say them: one per cost.usage point, with the token.usage points of the same series and
 * export.
 */
function pointTruth(session: SessionRecords, points: readonly PointDraft[], truth: FleetTruth): void {
  const who = whoOf(session)
  const fromPoints = new Map<string, RequestTruth>()
  const requestOf = (attrs: Readonly<Record<string, string>>, endMs: number): RequestTruth => {
    const { type: _type, ...series } = attrs
    const key = `${endMs} ${JSON.stringify(Object.entries(series).sort())}`
    let r = fromPoints.get(key)
    if (!r) {
      r = {
        ...who,
        time: new Date(endMs),
        promptId: '',
        model: series['model'] ?? '',
        querySource: (series['query_source'] ?? 'main') as RequestTruth['querySource'],
        agent: series['agent.name'] ?? '',
        skill: series['skill.name'] ?? '',
        plugin: series['plugin.name'] ?? '',
        mcpServer: series['mcp_server.name'] ?? '',
        costMicros: 0,
        inputTokens: 0,
        outputTokens: 0,
        cacheReadTokens: 0,
        cacheCreationTokens: 0,
        requestId: '',
        fromMetricsOnly: true,
      }
      fromPoints.set(key, r)
    }
    return r
  }
  for (const p of points) {
    const series = session.series[p.series]
    if (!series) continue
    const name = metricTruthName(series.metric, series.attrs)
    if (name !== undefined) {
      const { tool_name: tool, language } = series.attrs
      truth.metrics.push({
        ...who,
        time: new Date(p.endMs),
        name,
        value: p.value,
        ...(tool !== undefined ? { tool } : {}),
        ...(language !== undefined ? { language } : {}),
      })
    }
    if (session.plan.user.eventsOn) continue
    if (series.metric === 'claude_code.cost.usage') requestOf(series.attrs, p.endMs).costMicros += Math.round(p.value * 1e6)
    if (series.metric === 'claude_code.token.usage') {
      const field = TOKEN_FIELDS[series.attrs['type'] as keyof typeof TOKEN_FIELDS]
      if (field) requestOf(series.attrs, p.endMs)[field] += p.value
    }
  }
  truth.requests.push(...fromPoints.values())
}

function emptyTruth(start: Date, end: Date): FleetTruth {
  return {
    start,
    end,
    users: [],
    sessions: [],
    prompts: [],
    requests: [],
    decisions: [],
    toolResults: [],
    metrics: [],
    hooks: [],
    modeChanges: [],
    managedSettings: [],
  }
}

const byTime = <T extends { time: Date }>(facts: T[]) => facts.sort((a, b) => a.time.getTime() - b.time.getTime())

// ---- the API -----------------------------------------------------------------------------------

export function generateFleet(options: FleetOptions): Fleet {
  const days = options.days ?? 10
  const count = options.users ?? 12
  const startMs = options.start.getTime()
  if (startMs % DAY !== 0) throw new Error(`start must be a UTC midnight, got ${options.start.toISOString()}`)
  if (days < 1 || count < 1) throw new Error('a fleet needs at least one user and one day')
  const endMs = startMs + days * DAY
  const truth = emptyTruth(new Date(startMs), new Date(endMs))
  const users = planUsers(options.seed, count, days, startMs)
  const requests: FleetRequest[] = []
  // The simulator's own tally of what it generated; the fleet's truth is read from the records instead.
  const tally = new Tally({ from: truth.start, to: truth.end })
  const simulate = (plan: SessionPlan, into = tally) =>
    new SessionSim(new Rng(plan.seed), plan, into, Math.min(plan.startMs + 45 * MINUTE, endMs - 2 * MINUTE)).run()
  for (const { plan, straddle } of planSessions(options.seed, users, startMs, endMs)) {
    if (straddle) {
      // A dry run far from the fleet's end gives the session's length (it does not depend on when it starts).
      const midnight = plan.startMs + 5 * MINUTE
      const dry = simulate({ ...plan, startMs: midnight - DAY / 2 }, new Tally({ from: truth.start, to: truth.end }))
      const length = dry.exitMs - dry.startMs
      plan.startMs = Math.min(midnight - Math.floor(length / 2), endMs - 40 * MINUTE)
    }
    const session = simulate(plan)
    const { user } = plan
    const points = exportPoints(session, EXPORT_INTERVAL_MS, 'delta')
    if (user.eventsOn) requests.push({ signal: 'logs', body: logsJson(logRecords(session)) })
    requests.push({ signal: 'metrics', body: metricsJson(resourceMetrics(user, [{ session, points }], 'delta')) })
    eventTruth(session, truth)
    pointTruth(session, points, truth)
    const times = [...(user.eventsOn ? session.events.map((e) => e.ms) : []), ...points.map((p) => p.endMs)].sort((a, b) => a - b)
    const first = times[0]
    const last = times[times.length - 1]
    if (first === undefined || last === undefined) throw new Error('a session without records')
    if (first < startMs || last >= endMs) throw new Error(`session ${session.sessionId} has records outside the fleet's range`)
    truth.sessions.push({
      ...whoOf(session),
      start: new Date(first),
      end: new Date(last),
      startType: plan.startType,
      eventsOn: user.eventsOn,
      recordTimes: times.map((ms) => new Date(ms)),
    })
  }
  for (const { sim: user } of users)
    truth.users.push({
      user: user.key,
      userId: user.userId,
      team: user.team.id,
      department: user.team.department,
      costCenter: user.team.costCenter,
      serviceVersion: user.version,
    })
  truth.sessions.sort((a, b) => a.start.getTime() - b.start.getTime())
  for (const list of [truth.prompts, truth.requests, truth.decisions, truth.toolResults, truth.metrics, truth.hooks, truth.modeChanges, truth.managedSettings])
    byTime<Fact>(list)
  return { requests, truth, simulated: tally.snapshot() }
}

/**
 * POSTs every request as application/json, all of them in flight at once (the collector batches
 * concurrent requests into one write, so this is the fast way); retries 429/503 as an exporter would.
 * Throws on any other non-2xx answer or when the answer reports refused records (partialSuccess).
 */
export async function sendFleet(otlpHttpBaseUrl: string, fleet: Fleet, token?: string): Promise<void> {
  const base = otlpHttpBaseUrl.replace(/\/+$/, '')
  const headers: Record<string, string> = { 'content-type': 'application/json' }
  if (token) headers['authorization'] = `Bearer ${token}`
  const post = async (request: FleetRequest, i: number): Promise<void> => {
    const body = JSON.stringify(request.body)
    for (let attempt = 1; ; attempt++) {
      const res = await fetch(`${base}/v1/${request.signal}`, { method: 'POST', headers, body })
      const text = await res.text()
      if ((res.status === 429 || res.status === 503) && attempt < 5) {
        const wait = Math.min(Number(res.headers.get('retry-after') ?? '1') || 1, 5)
        await new Promise((resolve) => setTimeout(resolve, wait * 1000))
        continue
      }
      if (!res.ok) throw new Error(`POST /v1/${request.signal} (fleet request ${i}) answered ${res.status}: ${text}`)
      const answer: unknown = text ? JSON.parse(text) : {}
      const partial = typeof answer === 'object' && answer !== null && 'partialSuccess' in answer ? answer.partialSuccess : undefined
      if (typeof partial === 'object' && partial !== null) {
        const fields = partial as Record<string, unknown>
        const rejected = Number(fields['rejectedLogRecords'] ?? fields['rejectedDataPoints'] ?? 0)
        if (rejected > 0 || (typeof fields['errorMessage'] === 'string' && fields['errorMessage'] !== ''))
          throw new Error(`POST /v1/${request.signal} (fleet request ${i}) refused records: ${text}`)
      }
      return
    }
  }
  await Promise.all(fleet.requests.map(post))
}

// ---- expected figures ---------------------------------------------------------------------------

export interface TruthFilter {
  user?: string
  team?: string
  department?: string
  costCenter?: string
}

export interface TruthSummary {
  users: number
  sessions: number
  prompts: number
  apiRequests: number
  costUsd: number
  tokens: { input: number; output: number; cacheRead: number; cacheCreation: number }
  toolDecisions: { accept: number; reject: number }
  policyDenials: number
}

/**
 * The headline figures as warehouse/RULES.md defines them, for [from, to) (default: the whole fleet):
 * users and sessions with any record in range; api_request events; cost and tokens of every request
 * (events, or metric points for the metrics-only sessions); decisions; denials = reject with source config.
 */
export function summarizeTruth(
  truth: FleetTruth,
  range: { from: Date; to: Date } = { from: truth.start, to: truth.end },
  filter: TruthFilter = {},
): TruthSummary {
  const from = range.from.getTime()
  const to = range.to.getTime()
  const matches = (f: Omit<Fact, 'time'>) =>
    (filter.user === undefined || f.user === filter.user) &&
    (filter.team === undefined || f.team === filter.team) &&
    (filter.department === undefined || f.department === filter.department) &&
    (filter.costCenter === undefined || f.costCenter === filter.costCenter)
  const inRange = <T extends Fact>(facts: T[]) => facts.filter((f) => f.time.getTime() >= from && f.time.getTime() < to && matches(f))
  const sessions = truth.sessions.filter((s) => matches(s) && s.recordTimes.some((d) => d.getTime() >= from && d.getTime() < to))
  const requests = inRange(truth.requests)
  const decisions = inRange(truth.decisions)
  const sum = (pick: (r: RequestTruth) => number) => requests.reduce((s, r) => s + pick(r), 0)
  return {
    users: new Set(sessions.map((s) => s.user)).size,
    sessions: sessions.length,
    prompts: inRange(truth.prompts).length,
    apiRequests: requests.filter((r) => !r.fromMetricsOnly).length,
    costUsd: sum((r) => r.costMicros) / 1e6,
    tokens: {
      input: sum((r) => r.inputTokens),
      output: sum((r) => r.outputTokens),
      cacheRead: sum((r) => r.cacheReadTokens),
      cacheCreation: sum((r) => r.cacheCreationTokens),
    },
    toolDecisions: {
      accept: decisions.filter((d) => d.decision === 'accept').length,
      reject: decisions.filter((d) => d.decision === 'reject').length,
    },
    policyDenials: decisions.filter((d) => d.decision === 'reject' && d.source === 'config').length,
  }
}
