import { METRICS as CLAUDE_CODE_METRICS, EVENTS_SCOPE, type EventKind, METRICS_SCOPE, type MetricName } from '../../schemas/claude-code'
import type { AnyValue, ExportLogsRequest, ExportMetricsRequest, KeyValue } from '../../schemas/otlp'
import { BASE62, Rng } from '../../simulator/random'

/**
 * A small, deterministic fleet of Claude Code users as OTLP/JSON requests, and the ground truth of
 * what it holds, so that analytics tests can compute expected figures in plain JS.
 *
 * The payloads copy the real CLI's (shared/fixtures/claude-code/http-json-delta, Claude Code 2.1.328):
 * the resource carries OTEL_RESOURCE_ATTRIBUTES (department, team.id, cost_center, enduser.id) then
 * host.arch, os.*, service.*; events are log records under scope `com.anthropic.claude_code.events`
 * with body `claude_code.<name>`; metrics are delta, monotonic sums under `com.anthropic.claude_code`;
 * the standard attributes are copied onto every event and data point; value types are the CLI's
 * (api_request tokens intValue, cost_usd doubleValue, tool_result numbers as strings, …).
 *
 * Shape: users user01@example.com…, teams web / mobile / platform / data, the last user with no
 * team, department or cost center at all. Team `data` sends metrics only (OTEL_LOGS_EXPORTER unset):
 * its cost and tokens are known from cost.usage / token.usage alone (requests `fromMetricsOnly`).
 * Every other session sends events and metrics, whose cost/token points equal the sums of its
 * api_request events per attribute set, as the CLI's do. All times fall inside [start, start + days).
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

// ---- seeded randomness ------------------------------------------------------------------------

// The simulator's seeded Rng (mulberry32), so tests and simulator draw numbers one way.
const mix = (seed: number, salt: number) => (Math.imul(seed ^ 0x5bd1e995, 0x9e3779b1) ^ Math.imul(salt + 1, 0x85ebca6b)) >>> 0

// ---- the fleet's world ------------------------------------------------------------------------

const MINUTE = 60_000
const DAY = 86_400_000

type Team = 'web' | 'mobile' | 'platform' | 'data'
const TEAM_CYCLE: Team[] = ['web', 'mobile', 'data', 'platform', 'web', 'mobile', 'platform', 'data', 'web', 'mobile', 'web']
/** Users who stop (first half only) and users who arrive (last days only), by index. */
const GONE_QUIET = new Set([3, 8])
const NEWCOMERS = new Set([9, 10])

interface TeamProfile {
  department: string
  costCenter: string
  languages: ReadonlyArray<readonly [language: string, ext: string]>
  testCommand: string
  mcpServers: string[]
  /** sources of managed settings in force (managed_settings_resolved). */
  managedSources: string[]
  /** A managed PreToolUse hook on Bash that blocks force pushes. */
  policyHook: boolean
  /** Only managed hooks may run (hook_source policySettings); else the CLI reports 'merged'. */
  managedHooksOnly: boolean
}

const TEAMS: Record<Team | 'none', TeamProfile> = {
  web: {
    department: 'engineering',
    costCenter: 'CC-100',
    languages: [
      ['TypeScript', 'tsx'],
      ['TypeScript', 'ts'],
      ['JavaScript', 'js'],
      ['CSS', 'css'],
      ['JSON', 'json'],
    ],
    testCommand: 'npm test',
    mcpServers: ['github', 'linear', 'figma', 'postgres-prod'],
    managedSources: ['file'],
    policyHook: true,
    managedHooksOnly: false,
  },
  mobile: {
    department: 'engineering',
    costCenter: 'CC-200',
    languages: [
      ['Swift', 'swift'],
      ['Kotlin', 'kt'],
      ['Swift', 'swift'],
      ['JSON', 'json'],
    ],
    testCommand: './gradlew test',
    mcpServers: ['github', 'sentry'],
    managedSources: ['file'],
    policyHook: false,
    managedHooksOnly: false,
  },
  platform: {
    department: 'infrastructure',
    costCenter: 'CC-300',
    languages: [
      ['Go', 'go'],
      ['Go', 'go'],
      ['YAML', 'yaml'],
      ['HCL', 'tf'],
      ['Shell', 'sh'],
    ],
    testCommand: 'go test ./...',
    mcpServers: ['github', 'postgres-prod', 'pagerduty'],
    managedSources: ['mdm', 'file'],
    policyHook: true,
    managedHooksOnly: true,
  },
  data: {
    department: 'analytics',
    costCenter: 'CC-400',
    languages: [
      ['Python', 'py'],
      ['Python', 'py'],
      ['SQL', 'sql'],
      ['Markdown', 'md'],
    ],
    testCommand: 'pytest -q',
    mcpServers: ['postgres-prod', 'github'],
    managedSources: ['file'],
    policyHook: false,
    managedHooksOnly: false,
  },
  none: {
    department: '',
    costCenter: '',
    languages: [
      ['Python', 'py'],
      ['Markdown', 'md'],
      ['TypeScript', 'ts'],
    ],
    testCommand: 'make test',
    mcpServers: ['github', 'postgres-prod'],
    managedSources: [],
    policyHook: false,
    managedHooksOnly: false,
  },
}

const MCP_TOOLS: Record<string, string[]> = {
  github: ['create_issue', 'get_pull_request', 'search_code'],
  linear: ['create_issue', 'list_issues'],
  figma: ['get_file'],
  sentry: ['get_issue', 'search_events'],
  'postgres-prod': ['query', 'list_tables'],
  pagerduty: ['list_incidents'],
}
/** Managed policy: permissions.deny of Bash(curl:*), Bash(wget:*), Bash(rm:*) and mcp__postgres-prod. */
const DENIED_COMMANDS = new Set(['curl', 'wget', 'rm'])
const DENIED_MCP_SERVER = 'postgres-prod'

type Model = 'claude-opus-5-5' | 'claude-sonnet-5' | 'claude-haiku-5'
/** List prices in micro-dollars per token (= USD per million tokens). */
const PRICES: Record<Model, { input: number; output: number; cacheRead: number; cacheWrite: number }> = {
  'claude-opus-5-5': { input: 5, output: 25, cacheRead: 0.5, cacheWrite: 6.25 },
  'claude-sonnet-5': { input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75 },
  'claude-haiku-5': { input: 1, output: 5, cacheRead: 0.1, cacheWrite: 1.25 },
}
/** Output speed, ms per token. */
const MS_PER_TOKEN: Record<Model, number> = { 'claude-opus-5-5': 14, 'claude-sonnet-5': 8, 'claude-haiku-5': 4 }

const OS = [
  { type: 'darwin', version: '24.6.0', arch: 'arm64' },
  { type: 'linux', version: '6.8.0-57-generic', arch: 'amd64' },
  { type: 'darwin', version: '25.1.0', arch: 'arm64' },
  { type: 'windows', version: '10.0.26100', arch: 'amd64' },
] as const
const TERMINALS = ['vscode', 'iTerm.app', 'tmux', 'cursor', 'Apple_Terminal', 'WindowsTerminal']
const VERSIONS = ['2.1.328', '2.1.328', '2.1.328', '2.1.319', '2.1.301']
const AGENTS = ['Explore', 'general-purpose', 'code-reviewer']
const SKILLS = ['frontend-design', 'pdf', 'xlsx', 'webapp-testing']
const PLUGINS = ['commit-commands', 'pr-review-toolkit', 'security-guidance']

interface UserPlan {
  index: number
  email: string
  userId: string
  team: Team | 'none'
  profile: TeamProfile
  serviceVersion: string
  os: (typeof OS)[number]
  terminal: string
  mainModel: Model
  effort: 'medium' | 'high'
  plugins: string[]
  skills: string[]
  /** A personal PostToolUse formatter hook on Edit|Write. */
  formatterHook: boolean
  activeDays: number[]
}

// ---- OTLP building blocks ---------------------------------------------------------------------

/** An attribute value: integers go out as intValue (a JSON number, as the CLI sends), {double} as doubleValue. */
type Val = string | boolean | number | { double: number } | string[]
type Attr = readonly [string, Val]

function anyValue(v: Val): AnyValue {
  if (typeof v === 'string') return { stringValue: v }
  if (typeof v === 'boolean') return { boolValue: v }
  if (typeof v === 'number') return Number.isInteger(v) ? { intValue: v } : { doubleValue: v }
  if (Array.isArray(v)) return { arrayValue: { values: v.map((s) => ({ stringValue: s })) } }
  return { doubleValue: v.double }
}
const kvs = (attrs: readonly Attr[]): KeyValue[] => attrs.map(([key, v]) => ({ key, value: anyValue(v) }))
const ns = (ms: number) => `${BigInt(ms) * 1_000_000n}`

/** Integer amounts recorded here per unit sent: micro-dollars, milliseconds, 1 otherwise. */
const SCALE: Partial<Record<MetricName, number>> = { 'claude_code.cost.usage': 1e6, 'claude_code.active_time.total': 1000 }

/** The CLI's instruments, in its registration order (the model's, schemas/claude-code.ts); `scale` divides the integer amounts recorded here. */
const METRICS: ReadonlyArray<{ name: MetricName; description: string; unit: string; scale: number }> = (
  Object.entries(CLAUDE_CODE_METRICS) as [MetricName, (typeof CLAUDE_CODE_METRICS)[MetricName]][]
).map(([name, spec]) => ({ name, description: spec.description, unit: spec.unit, scale: SCALE[name] ?? 1 }))

interface EventDraft {
  /** A kind of the model (schemas/claude-code.ts). */
  name: EventKind
  ms: number
  promptId: string
  attrs: Attr[]
}

/** One counter.add(): an integer amount (micro-dollars, milliseconds, tokens, counts). */
interface Measurement {
  metric: MetricName
  ms: number
  attrs: Array<readonly [string, string]>
  amount: number
  /** The request whose cost/tokens this is (its time becomes the point's for metrics-only sessions). */
  request?: RequestTruth
}

// ---- one session ------------------------------------------------------------------------------

type Mode = 'default' | 'acceptEdits' | 'plan' | 'bypassPermissions'

interface ToolPlan {
  tool: string
  toolSource: 'builtin' | 'mcp'
  command: string
  fullCommand: string
  mcpServer: string
  mcpTool: string
  filePath: string
  language: string
}

class SessionSim {
  readonly events: EventDraft[] = []
  readonly measurements: Measurement[] = []
  readonly who: Omit<Fact, 'time'>
  private mode: Mode = 'default'
  /** Tokens of the conversation so far, read from the prompt cache by the next main request. */
  private cacheContext = 0

  constructor(
    private readonly rng: Rng,
    private readonly user: UserPlan,
    readonly sessionId: string,
    /** false: OTEL_LOGS_EXPORTER unset, only metrics leave the process. */
    readonly eventsOn: boolean,
    private readonly truth: FleetTruth,
  ) {
    this.who = {
      user: user.email,
      team: user.team === 'none' ? '' : user.team,
      department: user.profile.department,
      costCenter: user.profile.costCenter,
      session: sessionId,
    }
  }

  private fact(ms: number): Fact {
    return { time: new Date(ms), ...this.who }
  }

  private event(name: EventKind, ms: number, attrs: Attr[], promptId = ''): void {
    if (this.eventsOn) this.events.push({ name, ms, promptId, attrs })
  }

  private measure(metric: MetricName, ms: number, amount: number, attrs: Array<readonly [string, string]> = [], request?: RequestTruth) {
    this.measurements.push({ metric, ms, amount, attrs, ...(request ? { request } : {}) })
  }

  /**
   * Simulates the session from `start`; returns the time the process exits (after its last event; the
   * final metric export follows). No prompt but the first starts later than 9 minutes before `maxEnd`.
   */
  run(start: number, startType: string, maxEnd: number, forceBypass: boolean): number {
    const { rng, user } = this
    let t = start
    if (this.eventsOn) {
      this.event('managed_settings_resolved', t, [
        ['managed_settings.trigger', 'startup'],
        ['managed_settings.sources', user.profile.managedSources],
        ['managed_settings.source_behavior', 'first-wins'],
        ['managed_settings.helper.state', 'none'],
        ['managed_settings.helper.applied', 'none'],
      ])
      this.truth.managedSettings.push({ ...this.fact(t), sources: [...user.profile.managedSources] })
      for (const [i, plugin] of user.plugins.entries()) {
        this.event('plugin_loaded', t + 30 + i, [
          ['plugin.name', plugin],
          ['marketplace.name', 'claude-plugins-official'],
          ['plugin.scope', 'user'],
          ['enabled_via', 'settings'],
          ['plugin_id_hash', rng.hex(16)],
          ['has_hooks', false],
          ['has_mcp', false],
          ['host_owned_mcp', false],
          ['skill_path_count', 0],
          ['command_path_count', 1],
          ['agent_path_count', 0],
          ['safe_mode', 'false'],
        ])
      }
    }
    this.measure('claude_code.session.count', t + 41, 1, [['start_type', startType]])
    if (user.profile.policyHook) this.hook(t + rng.int(120, 400), '', 'SessionStart', 'SessionStart:startup', 0, rng.int(20, 90))
    t += rng.int(800, 2500)

    if (forceBypass) this.changeMode(t, '', 'bypassPermissions', 'manual')
    else if (rng.chance(0.12)) this.changeMode(t, '', 'acceptEdits', 'manual')
    else if (rng.chance(0.08)) this.changeMode(t, '', 'plan', 'manual')

    const prompts = rng.weighted([
      [1, 3],
      [2, 4],
      [3, 3],
      [4, 2],
    ] as const)
    for (let p = 0; p < prompts; p++) {
      if (p > 0 && t + 9 * MINUTE > maxEnd) break
      t = this.prompt(t, p === 0)
      t += rng.int(8_000, p + 1 < prompts ? 150_000 : 5_000)
    }
    return t
  }

  private changeMode(ms: number, promptId: string, to: Mode, trigger: string) {
    const from = this.mode
    this.mode = to
    this.event(
      'permission_mode_changed',
      ms,
      [
        ['from_mode', from],
        ['to_mode', to],
        ['trigger', trigger],
      ],
      promptId,
    )
    if (this.eventsOn) this.truth.modeChanges.push({ ...this.fact(ms), fromMode: from, toMode: to, trigger })
  }

  private hook(ms: number, promptId: string, hookEvent: string, hookName: string, blocking: number, durationMs: number) {
    const managedOnly = this.user.profile.managedHooksOnly
    const hookSource = managedOnly ? 'policySettings' : 'merged'
    this.event(
      'hook_execution_complete',
      ms,
      [
        ['hook_event', hookEvent],
        ['hook_name', hookName],
        ['num_hooks', '1'],
        ['num_success', String(1 - blocking)],
        ['num_blocking', String(blocking)],
        ['num_non_blocking_error', '0'],
        ['num_cancelled', '0'],
        ['total_duration_ms', String(durationMs)],
        ['managed_only', String(managedOnly)],
        ['hook_source', hookSource],
        ['safe_mode', 'false'],
      ],
      promptId,
    )
    if (this.eventsOn) this.truth.hooks.push({ ...this.fact(ms), hookEvent, hookName, numHooks: 1, numBlocking: blocking, hookSource })
  }

  /** One user prompt and the turn it starts; returns the time the turn ends. */
  private prompt(start: number, first: boolean): number {
    const { rng, user } = this
    const thinkMs = rng.int(4_000, 60_000)
    let t = start + thinkMs
    this.measure('claude_code.active_time.total', t, thinkMs, [['type', 'user']])
    const promptId = rng.uuid()
    const length = rng.weighted([
      [rng.int(8, 60), 5],
      [rng.int(60, 400), 4],
      [rng.int(400, 4000), 1],
    ] as const)
    this.event(
      'user_prompt',
      t,
      [
        ['prompt_length', String(length)],
        ['prompt', '<REDACTED>'],
        ['prompt_text', '<REDACTED>'],
        ['message.uuid', rng.uuid()],
      ],
      promptId,
    )
    if (this.eventsOn) this.truth.prompts.push({ ...this.fact(t), promptId, length })

    const skill = rng.chance(0.12) ? rng.pick(user.skills) : ''
    const plugin = user.plugins.length > 0 && rng.chance(0.1) ? rng.pick(user.plugins) : ''
    const n = rng.weighted([
      [1, 3],
      [2, 4],
      [3, 3],
    ] as const)
    for (let r = 0; r < n; r++) {
      const last = r === n - 1
      const querySource: RequestTruth['querySource'] = last
        ? 'main'
        : r === 0 && first && rng.chance(0.5)
          ? 'auxiliary'
          : r > 0 && rng.chance(0.3)
            ? 'subagent'
            : 'main'
      const req = this.request(t, promptId, querySource, querySource === 'main' ? skill : '', querySource === 'main' ? plugin : '')
      t = req.time.getTime()
      if (last) {
        this.event(
          'assistant_response',
          t,
          [
            ['response_length', rng.int(20, 3000)],
            ['response', '<REDACTED>'],
            ['request_id', req.requestId],
            ['message.uuid', rng.uuid()],
            ['model', req.model],
            ['query_source', req.querySource],
          ],
          promptId,
        )
      } else if (querySource !== 'auxiliary') {
        const calls = rng.weighted([
          [1, 6],
          [2, 3],
        ] as const)
        let done = t
        for (let c = 0; c < calls; c++) done = Math.max(done, this.toolCall(t + c * rng.int(1, 5), promptId, req))
        t = done
      }
      t += rng.int(40, 400)
    }
    if (this.mode === 'plan' && rng.chance(0.7)) {
      t += rng.int(500, 5000)
      this.changeMode(t, promptId, 'acceptEdits', 'exit_plan_mode')
    }
    return t
  }

  /** One API request starting at `start`: its event (or only its metrics) and its truth. */
  private request(start: number, promptId: string, querySource: RequestTruth['querySource'], skill: string, plugin: string): RequestTruth {
    const { rng, user } = this
    const model: Model =
      querySource === 'auxiliary' ? 'claude-haiku-5' : querySource === 'subagent' ? rng.pick(['claude-sonnet-5', 'claude-haiku-5'] as const) : user.mainModel
    const agent = querySource === 'subagent' ? rng.pick(AGENTS) : ''
    const mcpServer = querySource === 'main' && rng.chance(0.06) ? rng.pick(user.profile.mcpServers) : ''
    let inputTokens: number
    let outputTokens: number
    let cacheReadTokens: number
    let cacheCreationTokens: number
    if (querySource === 'auxiliary') {
      inputTokens = rng.int(150, 1200)
      outputTokens = rng.int(5, 120)
      cacheReadTokens = 0
      cacheCreationTokens = 0
    } else if (querySource === 'subagent') {
      inputTokens = rng.int(50, 3000)
      outputTokens = rng.int(200, 3000)
      cacheReadTokens = rng.int(0, 20_000)
      cacheCreationTokens = rng.int(2_000, 15_000)
    } else {
      inputTokens = rng.int(1, 400)
      outputTokens = rng.int(60, 2500)
      cacheReadTokens = this.cacheContext === 0 ? rng.int(0, 12_000) : this.cacheContext
      cacheCreationTokens = this.cacheContext === 0 ? rng.int(8_000, 30_000) : rng.int(200, 6_000)
      this.cacheContext = cacheReadTokens + cacheCreationTokens
    }
    const price = PRICES[model]
    const costMicros = Math.round(
      inputTokens * price.input + outputTokens * price.output + cacheReadTokens * price.cacheRead + cacheCreationTokens * price.cacheWrite,
    )
    const ttftMs = rng.int(400, 3000)
    const durationMs = ttftMs + outputTokens * MS_PER_TOKEN[model]
    const ms = start + durationMs
    const requestId = `req_011C${rng.chars(BASE62, 20)}`
    const req: RequestTruth = {
      ...this.fact(ms),
      promptId,
      model,
      querySource,
      agent,
      skill,
      plugin,
      mcpServer,
      costMicros,
      inputTokens,
      outputTokens,
      cacheReadTokens,
      cacheCreationTokens,
      requestId,
      fromMetricsOnly: !this.eventsOn,
    }
    this.truth.requests.push(req)
    const effort = querySource === 'auxiliary' ? 'low' : user.effort
    const attribution: Array<readonly [string, string]> = [
      ...(agent ? [['agent.name', agent] as const] : []),
      ...(skill ? [['skill.name', skill] as const] : []),
      ...(plugin ? [['plugin.name', plugin] as const] : []),
      ...(mcpServer ? [['mcp_server.name', mcpServer] as const] : []),
    ]
    this.event(
      'api_request',
      ms,
      [
        ['model', model],
        ['input_tokens', inputTokens],
        ['output_tokens', outputTokens],
        ['cache_read_tokens', cacheReadTokens],
        ['cache_creation_tokens', cacheCreationTokens],
        ['cache_creation_5m_tokens', cacheCreationTokens],
        ['cache_creation_1h_tokens', 0],
        ['cost_usd', { double: costMicros / 1e6 }],
        ['cost_usd_micros', costMicros],
        ['duration_ms', durationMs],
        ['ttft_ms', ttftMs],
        ['request_id', requestId],
        ['speed', 'normal'],
        ['query_source', querySource],
        ['effort', effort],
        ...attribution,
      ],
      promptId,
    )
    const series = [['model', model], ['query_source', querySource], ['effort', effort], ...attribution] as const
    this.measure('claude_code.cost.usage', ms, costMicros, [...series], req)
    const tokens = [
      ['input', inputTokens],
      ['output', outputTokens],
      ['cacheRead', cacheReadTokens],
      ['cacheCreation', cacheCreationTokens],
    ] as const
    for (const [type, amount] of tokens) this.measure('claude_code.token.usage', ms, amount, [...series, ['type', type]], req)
    this.measure('claude_code.active_time.total', ms, durationMs, [['type', 'cli']])
    return req
  }

  private planTool(): ToolPlan {
    const { rng, user } = this
    const [language, ext] = rng.pick(user.profile.languages)
    const dir = rng.pick(['src', 'lib', 'app', 'internal', 'tests'])
    const filePath = `/home/dev/repo/${dir}/${rng.pick(['main', 'api', 'utils', 'config', 'handler', 'model', 'view'])}.${ext}`
    const base = { toolSource: 'builtin' as const, command: '', fullCommand: '', mcpServer: '', mcpTool: '', filePath, language }
    const tool = rng.weighted([
      ['Read', 24],
      ['Bash', 28],
      ['Edit', 18],
      ['Grep', 9],
      ['Write', 7],
      ['Glob', 4],
      ['mcp_tool', 10],
    ] as const)
    if (tool === 'Write' && rng.chance(0.3)) return { ...base, tool, filePath: '/home/dev/repo/.env', language: 'Dotenv' }
    if (tool === 'mcp_tool') {
      const servers = user.profile.mcpServers
      const server = servers.includes(DENIED_MCP_SERVER) && rng.chance(0.35) ? DENIED_MCP_SERVER : rng.pick(servers)
      const mcpTool = rng.pick(MCP_TOOLS[server] ?? ['call'])
      return { ...base, tool, toolSource: 'mcp', mcpServer: server, mcpTool }
    }
    if (tool === 'Bash') {
      const fullCommand = rng.weighted([
        ['ls -la', 8],
        ['git status', 10],
        ['git diff --stat', 6],
        [user.profile.testCommand, 12],
        ['git commit -m "wip"', 5],
        ['gh pr create --fill', 2],
        ['git push --force origin HEAD', 6],
        [`cat ${filePath}`, 4],
        ['curl -sS https://api.example.com/v1/status', 5],
        ['wget https://example.com/install.sh', 2],
        ['rm -rf build/', 3],
      ] as const)
      return { ...base, tool, command: fullCommand.split(' ')[0] ?? '', fullCommand }
    }
    return { ...base, tool }
  }

  /** A tool_use from the model: decision, hooks, execution, result, and their metrics. Returns when it is done. */
  private toolCall(at: number, promptId: string, req: RequestTruth): number {
    const { rng, user } = this
    const plan = this.planTool()
    const toolUseId = `toolu_01${rng.chars(BASE62, 22)}`
    const managed = user.profile.managedSources.length > 0
    const isEdit = plan.tool === 'Edit' || plan.tool === 'Write'
    const safe =
      ['Read', 'Grep', 'Glob'].includes(plan.tool) ||
      ['ls', 'cat'].includes(plan.command) ||
      plan.fullCommand.startsWith('git status') ||
      plan.fullCommand.startsWith('git diff')

    let decision: DecisionTruth['decision'] = 'accept'
    let source: DecisionSource = 'config'
    let t = at - rng.int(3, 15) // decided while the response streams, as in the fixtures
    if (managed && (DENIED_COMMANDS.has(plan.command) || plan.mcpServer === DENIED_MCP_SERVER)) {
      decision = 'reject'
    } else if (user.profile.policyHook && (plan.tool === 'Bash' || isEdit)) {
      // The managed PreToolUse hook (matcher Bash|Edit|Write) blocks force pushes and writes to .env files.
      const blocks = plan.fullCommand.includes('--force') || plan.filePath.endsWith('.env')
      const hookMs = rng.int(30, 250)
      this.hook(t, promptId, 'PreToolUse', `PreToolUse:${plan.tool}`, blocks ? 1 : 0, hookMs)
      t += hookMs
      if (blocks) {
        decision = 'reject'
        source = 'hook'
      }
    }
    if (decision === 'accept' && source === 'config' && !safe && this.mode !== 'bypassPermissions' && !(isEdit && this.mode === 'acceptEdits')) {
      source = rng.weighted([
        ['config', 15],
        ['user_temporary', 45],
        ['user_permanent', 25],
        ['user_reject', 11],
        ['user_abort', 4],
      ] as const)
      if (source === 'user_reject' || source === 'user_abort') decision = 'reject'
      if (source !== 'config') {
        const waitMs = rng.int(1_500, 20_000)
        t = at + waitMs
        this.measure('claude_code.active_time.total', t, waitMs, [['type', 'user']])
      }
    }

    const params: Record<string, string> =
      plan.tool === 'Bash'
        ? { bash_command: plan.command, full_command: plan.fullCommand, description: 'run it' }
        : plan.toolSource === 'mcp'
          ? { mcp_server_name: plan.mcpServer, mcp_tool_name: plan.mcpTool }
          : {}
    const toolParameters: Attr[] = Object.keys(params).length > 0 ? [['tool_parameters', JSON.stringify(params)]] : []
    this.event(
      'tool_decision',
      t,
      [
        ['decision', decision],
        ['source', source],
        ['tool_name', plan.tool],
        ['tool_use_id', toolUseId],
        ['tool_source', plan.toolSource],
        ...toolParameters,
        ['permission_mode', this.mode],
        ['request_id', req.requestId],
      ],
      promptId,
    )
    if (this.eventsOn)
      this.truth.decisions.push({
        ...this.fact(t),
        promptId,
        tool: plan.tool,
        toolSource: plan.toolSource,
        decision,
        source,
        command: plan.command,
        mcpServer: plan.mcpServer,
        mcpTool: plan.mcpTool,
      })
    if (isEdit)
      this.measure('claude_code.code_edit_tool.decision', t, 1, [
        ['tool_name', plan.tool],
        ['decision', decision],
        ['source', source],
        ['language', plan.language],
      ])
    if (decision === 'reject') return t

    const durationMs =
      plan.tool === 'Bash'
        ? rng.int(80, plan.fullCommand === user.profile.testCommand ? 40_000 : 4_000)
        : plan.toolSource === 'mcp'
          ? rng.int(300, 4_000)
          : rng.int(4, 120)
    const success = plan.fullCommand === user.profile.testCommand ? rng.chance(0.75) : rng.chance(0.97)
    const start = t + rng.int(2, 10)
    const end = start + durationMs
    const input =
      plan.tool === 'Bash'
        ? { command: plan.fullCommand, description: 'run it' }
        : plan.toolSource === 'mcp'
          ? { query: plan.mcpTool === 'query' ? 'SELECT count(*) FROM orders' : 'is:open' }
          : plan.tool === 'Grep' || plan.tool === 'Glob'
            ? { pattern: 'TODO', path: '/home/dev/repo' }
            : { file_path: plan.filePath }
    const toolInput = JSON.stringify(input)
    this.event(
      'tool_result',
      end,
      [
        ['tool_name', plan.tool],
        ['tool_use_id', toolUseId],
        ['success', String(success)],
        ['duration_ms', String(durationMs)],
        ...(success ? [] : [['error_type', 'tool_error'] as const]),
        ...toolParameters,
        ['tool_input', toolInput],
        ['tool_input_size_bytes', String(toolInput.length)],
        ...(success ? [['tool_result_size_bytes', String(rng.int(0, 20_000))] as const] : []),
        ['request_id', req.requestId],
      ],
      promptId,
    )
    if (this.eventsOn) this.truth.toolResults.push({ ...this.fact(end), promptId, tool: plan.tool, success, durationMs })
    this.measure('claude_code.active_time.total', end, durationMs, [['type', 'cli']])

    if (success && isEdit) {
      const added = plan.tool === 'Write' ? rng.int(10, 220) : rng.int(1, 60)
      const removed = plan.tool === 'Write' ? 0 : rng.int(0, 40)
      this.measure('claude_code.lines_of_code.count', end, added, [
        ['type', 'added'],
        ['model', req.model],
      ])
      if (removed > 0)
        this.measure('claude_code.lines_of_code.count', end, removed, [
          ['type', 'removed'],
          ['model', req.model],
        ])
      if (user.formatterHook) this.hook(end + rng.int(5, 20), promptId, 'PostToolUse', `PostToolUse:${plan.tool}`, 0, rng.int(80, 900))
    }
    if (success && plan.command === 'git' && plan.fullCommand.startsWith('git commit')) this.measure('claude_code.commit.count', end, 1)
    if (success && plan.command === 'gh') this.measure('claude_code.pull_request.count', end, 1)
    return end + 30
  }
}

// ---- from a simulated session to OTLP requests -----------------------------------------------

function otelResourceAttributes(user: UserPlan): Attr[] {
  if (user.team === 'none') return [['enduser.id', user.email]]
  return [
    ['department', user.profile.department],
    ['team.id', user.team],
    ['cost_center', user.profile.costCenter],
    ['enduser.id', user.email],
  ]
}

function resourceOf(user: UserPlan) {
  return {
    attributes: kvs([
      ...otelResourceAttributes(user),
      ['host.arch', user.os.arch],
      ['os.type', user.os.type],
      ['os.version', user.os.version],
      ['service.name', 'claude-code'],
      ['service.version', user.serviceVersion],
    ]),
    droppedAttributesCount: 0,
  }
}

/** The attributes the CLI copies onto every event and data point. */
function standardAttributes(user: UserPlan, sessionId: string): Attr[] {
  return [
    ...otelResourceAttributes(user),
    ['user.id', user.userId],
    ['session.id', sessionId],
    ['anthropic.provider', 'firstParty'],
    ['anthropic.custom_base_url', false],
    ['terminal.type', user.terminal],
  ]
}

function logsRequest(user: UserPlan, sim: SessionSim): ExportLogsRequest {
  const std = standardAttributes(user, sim.sessionId)
  const events = [...sim.events].sort((a, b) => a.ms - b.ms)
  return {
    resourceLogs: [
      {
        resource: resourceOf(user),
        scopeLogs: [
          {
            scope: { name: EVENTS_SCOPE, version: user.serviceVersion },
            logRecords: events.map((e, sequence) => ({
              timeUnixNano: ns(e.ms),
              observedTimeUnixNano: ns(e.ms),
              body: { stringValue: `claude_code.${e.name}` },
              attributes: kvs([
                ...std,
                ['event.name', e.name],
                ['event.timestamp', new Date(e.ms).toISOString()],
                ['event.sequence', sequence],
                ...(e.promptId ? [['prompt.id', e.promptId] as const] : []),
                ...e.attrs,
              ]),
              droppedAttributesCount: 0,
            })),
          },
        ],
      },
    ],
  }
}

interface PointDraft {
  metric: MetricName
  attrs: Array<readonly [string, string]>
  startMs: number
  ms: number
  amount: number
}

/**
 * Delta export as the CLI's periodic reader does it: every 60 s from the session start and once more
 * at exit; each export holds one point per series recorded since the previous one, its start time
 * being the series' first record (first export) or the previous export.
 */
function exportPoints(sim: SessionSim, startMs: number, exitMs: number): PointDraft[] {
  const exports: number[] = []
  for (let k = 1; startMs + k * MINUTE < exitMs; k++) exports.push(startMs + k * MINUTE)
  exports.push(exitMs + 20)
  const firstSeen = new Map<MetricName, number>()
  const points = new Map<string, PointDraft>()
  let w = 0
  for (const m of [...sim.measurements].sort((a, b) => a.ms - b.ms)) {
    while ((exports[w] ?? Number.POSITIVE_INFINITY) < m.ms) w++
    const exportMs = exports[w]
    if (exportMs === undefined) throw new Error('a measurement after the session exit')
    if (!firstSeen.has(m.metric)) firstSeen.set(m.metric, m.ms)
    const key = JSON.stringify([w, m.metric, m.attrs])
    let point = points.get(key)
    if (!point) {
      const previous = exports[w - 1]
      const first = firstSeen.get(m.metric) ?? m.ms
      point = { metric: m.metric, attrs: m.attrs, startMs: previous === undefined || first > previous ? first : previous, ms: exportMs, amount: 0 }
      points.set(key, point)
    }
    point.amount += m.amount
    if (m.request) {
      if (m.request.fromMetricsOnly) m.request.time = new Date(exportMs)
    }
  }
  return [...points.values()]
}

function metricTruthName(metric: MetricName, attrs: ReadonlyMap<string, string>): MetricTruthName | undefined {
  switch (metric) {
    case 'claude_code.session.count':
      return 'sessions'
    case 'claude_code.lines_of_code.count':
      return attrs.get('type') === 'removed' ? 'lines_removed' : 'lines_added'
    case 'claude_code.commit.count':
      return 'commits'
    case 'claude_code.pull_request.count':
      return 'prs'
    case 'claude_code.active_time.total':
      return attrs.get('type') === 'user' ? 'active_user_s' : 'active_cli_s'
    case 'claude_code.code_edit_tool.decision':
      return attrs.get('decision') === 'reject' ? 'edit_reject' : 'edit_accept'
    default:
      return undefined
  }
}

function metricsRequest(user: UserPlan, sim: SessionSim, points: PointDraft[], truth: FleetTruth, who: Omit<Fact, 'time'>): ExportMetricsRequest {
  const std = standardAttributes(user, sim.sessionId)
  const metrics = []
  for (const def of METRICS) {
    const mine = points.filter((p) => p.metric === def.name).sort((a, b) => a.ms - b.ms)
    if (mine.length === 0) continue
    for (const p of mine) {
      const attrs = new Map(p.attrs)
      const name = metricTruthName(p.metric, attrs)
      if (name === undefined) continue
      const tool = attrs.get('tool_name')
      const language = attrs.get('language')
      truth.metrics.push({
        time: new Date(p.ms),
        ...who,
        name,
        value: p.amount / def.scale,
        ...(tool !== undefined ? { tool } : {}),
        ...(language !== undefined ? { language } : {}),
      })
    }
    metrics.push({
      name: def.name,
      description: def.description,
      unit: def.unit,
      sum: {
        aggregationTemporality: 1,
        isMonotonic: true,
        dataPoints: mine.map((p) => ({
          attributes: kvs([...std, ...p.attrs]),
          startTimeUnixNano: ns(p.startMs),
          timeUnixNano: ns(p.ms),
          asDouble: p.amount / def.scale,
        })),
      },
    })
  }
  return {
    resourceMetrics: [
      {
        resource: resourceOf(user),
        scopeMetrics: [{ scope: { name: METRICS_SCOPE, version: user.serviceVersion }, metrics }],
      },
    ],
  }
}

// ---- planning: who works when ------------------------------------------------------------------

function planUsers(seed: number, count: number, days: number, startMs: number): UserPlan[] {
  const users: UserPlan[] = []
  for (let i = 0; i < count; i++) {
    const rng = new Rng(mix(seed, i))
    const team: Team | 'none' = count > 1 && i === count - 1 ? 'none' : (TEAM_CYCLE[i % TEAM_CYCLE.length] ?? 'web')
    const profile = TEAMS[team]
    const role = team === 'none' ? 'regular' : GONE_QUIET.has(i) ? 'quiet' : NEWCOMERS.has(i) ? 'new' : 'regular'
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
    users.push({
      index: i,
      email: `user${String(i + 1).padStart(2, '0')}@example.com`,
      userId: rng.hex(64),
      team,
      profile,
      serviceVersion: rng.pick(VERSIONS),
      os: rng.pick(OS),
      terminal: rng.pick(TERMINALS),
      mainModel: rng.chance(0.75) ? 'claude-opus-5-5' : 'claude-sonnet-5',
      effort: rng.chance(0.7) ? 'medium' : 'high',
      plugins: PLUGINS.filter(() => rng.chance(0.35)),
      skills: SKILLS.filter(() => rng.chance(0.5))
        .concat(['frontend-design'])
        .slice(0, 3),
      formatterHook: !profile.managedHooksOnly && rng.chance(0.35),
      activeDays,
    })
  }
  return users
}

interface SessionPlan {
  user: UserPlan
  ordinal: number
  startMs: number
  startType: SessionTruth['startType']
  eventsOn: boolean
  forceBypass: boolean
  /** Starts so that its middle falls on midnight UTC. */
  straddle: boolean
}

/**
 * 1–3 sessions per active day. By their ordinal, every 8th starts between 22:00 and 23:59 UTC (half of
 * those straddle midnight) and every 11th just after midnight, so that time zones move them to another
 * day; the rest start in office hours.
 */
function planSessions(seed: number, users: UserPlan[], startMs: number, endMs: number): SessionPlan[] {
  const plans: SessionPlan[] = []
  let ordinal = 0
  let withEvents = 0
  for (const user of users) {
    const rng = new Rng(mix(seed, 10_000 + user.index))
    for (const day of user.activeDays) {
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
        at = Math.min(at + rng.int(0, 59_999), endMs - 12 * MINUTE)
        const eventsOn = user.team !== 'data'
        plans.push({
          user,
          ordinal,
          startMs: at,
          startType:
            j === 0
              ? 'fresh'
              : rng.weighted([
                  ['fresh', 6],
                  ['continue', 2],
                  ['resume', 2],
                ] as const),
          eventsOn,
          forceBypass: eventsOn && withEvents++ % 17 === 5,
          straddle,
        })
      }
    }
  }
  return plans.sort((a, b) => a.startMs - b.startMs || a.ordinal - b.ordinal)
}

// ---- the API -----------------------------------------------------------------------------------

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
  const simulate = (plan: SessionPlan, at: number, into: FleetTruth) => {
    const rng = new Rng(mix(options.seed, 100_000 + plan.ordinal))
    const sim = new SessionSim(rng, plan.user, rng.uuid(), plan.eventsOn, into)
    const exitMs = sim.run(at, plan.startType, Math.min(at + 45 * MINUTE, endMs - 2 * MINUTE), plan.forceBypass)
    return { sim, exitMs }
  }
  for (const plan of planSessions(options.seed, users, startMs, endMs)) {
    const { user } = plan
    if (plan.straddle) {
      // A dry run gives the session's length (it does not depend on when it starts).
      const midnight = plan.startMs + 5 * MINUTE
      const dry = simulate(plan, midnight - DAY / 2, emptyTruth(truth.start, truth.end))
      const length = dry.exitMs - (midnight - DAY / 2)
      plan.startMs = Math.min(midnight - Math.floor(length / 2), endMs - 12 * MINUTE)
    }
    const { sim, exitMs } = simulate(plan, plan.startMs, truth)
    const { sessionId, who } = sim
    const points = exportPoints(sim, plan.startMs, exitMs)
    if (plan.eventsOn) requests.push({ signal: 'logs', body: logsRequest(user, sim) })
    requests.push({ signal: 'metrics', body: metricsRequest(user, sim, points, truth, who) })
    const times = [...sim.events.map((e) => e.ms), ...points.map((p) => p.ms)].sort((a, b) => a - b)
    const first = times[0]
    const last = times[times.length - 1]
    if (first === undefined || last === undefined) throw new Error('a session without records')
    if (first < startMs || last >= endMs) throw new Error(`session ${sessionId} has records outside the fleet's range`)
    truth.sessions.push({
      ...who,
      start: new Date(first),
      end: new Date(last),
      startType: plan.startType,
      eventsOn: plan.eventsOn,
      recordTimes: times.map((ms) => new Date(ms)),
    })
  }
  for (const user of users)
    truth.users.push({
      user: user.email,
      userId: user.userId,
      team: user.team === 'none' ? '' : user.team,
      department: user.profile.department,
      costCenter: user.profile.costCenter,
      serviceVersion: user.serviceVersion,
    })
  truth.sessions.sort((a, b) => a.start.getTime() - b.start.getTime())
  for (const list of [truth.prompts, truth.requests, truth.decisions, truth.toolResults, truth.metrics, truth.hooks, truth.modeChanges, truth.managedSettings])
    byTime<Fact>(list)
  return { requests, truth }
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
