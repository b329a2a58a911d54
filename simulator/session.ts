/**
 * One Claude Code session, simulated: what the CLI process would record, as abstract drafts (events
 * with their specific attributes, and counter measurements), plus its contribution to the truths.
 * Turning drafts into OTLP is otlp.ts's job; cutting measurements into export intervals is metrics.ts's.
 *
 * A session: start-up events (managed settings, plugins, MCP connections, a SessionStart hook), then
 * prompts separated by idle gaps. Each prompt runs the agent loop: API requests (main model, with a
 * growing cached context that expires after 5 idle minutes), tool calls after each but the last, with
 * permission decisions (managed deny rules, a managed PreToolUse hook, the permission mode, the user),
 * executions and results, edits with lines of code, commits and PRs, subagents via Task, a Haiku call
 * now and then, rare API errors and compactions; the last request's answer is the assistant_response.
 */
import {
  BASH_COMMANDS,
  DENIED_COMMANDS,
  DENIED_MCP_SERVER,
  EDIT_TOOLS,
  MCP_TOOLS,
  MCP_TRANSPORT,
  MODELS,
  READ_ONLY_COMMANDS,
  SAFE_TOOLS,
  SLASH_COMMANDS,
  TOOL_MIX,
  costMicros,
  isOldVersion,
  type ModelName,
  type TokenCounts,
  type ToolName,
} from './catalog'
import type { EventKind, MetricName } from '../schemas/claude-code'
import { MINUTE, type SessionPlan, type SimUser } from './fleet'
import { BASE62, type Rng } from './random'
import type { Tally } from './truths'

export type AttrValue = string | number | boolean | string[]
export type Attrs = Record<string, AttrValue>

export interface SimEvent {
  ms: number
  /** A kind of the model (schemas/claude-code.ts), without the claude_code. prefix. */
  name: EventKind
  promptId: string
  /** The event's own attributes, after the standard ones. */
  attrs: Attrs
}

export type { MetricName }

/** One series: a metric and its point attributes besides the standard ones. */
export interface Series {
  metric: MetricName
  attrs: Record<string, string>
}

/** One counter.add(), as an integer in the metric's unit scale (micro-dollars, milliseconds, tokens, 1). */
export interface Measurement {
  series: number
  ms: number
  amount: number
}

export interface SessionRecords {
  plan: SessionPlan
  sessionId: string
  startMs: number
  /** Process exit: the last metric export happens here. */
  exitMs: number
  events: SimEvent[]
  series: Series[]
  measurements: Measurement[]
}

type Mode = 'default' | 'acceptEdits' | 'plan' | 'bypassPermissions'
type QuerySource = 'main' | 'subagent' | 'auxiliary'
type DecisionSource = 'config' | 'hook' | 'user_permanent' | 'user_temporary' | 'user_reject' | 'user_abort'

interface Request {
  end: number
  requestId: string
  model: ModelName
}

interface ToolPlan {
  tool: ToolName
  toolSource: 'builtin' | 'mcp'
  command: string
  fullCommand: string
  mcpServer: string
  mcpTool: string
  filePath: string
  language: string
}

const SECOND = 1000
/** The prompt cache's lifetime: a main request after a longer pause re-creates its context. */
const CACHE_TTL_MS = 5 * MINUTE
/** No new prompt or agent step starts later than this before the deadline (a step can run long). */
const SOFT_MARGIN_MS = 15 * MINUTE

export class SessionSim {
  readonly events: SimEvent[] = []
  readonly series: Series[] = []
  readonly measurements: Measurement[] = []
  readonly sessionId: string
  private readonly seriesIndex = new Map<string, number>()
  private readonly user: SimUser
  private readonly old: boolean
  private mode: Mode = 'default'
  /** Tokens of the main conversation so far (the cached prefix of the next main request). */
  private context = 0
  private lastMainMs = 0
  private readonly softLimit: number

  constructor(
    private readonly rng: Rng,
    private readonly plan: SessionPlan,
    private readonly tally: Tally,
    /** Every record of the session falls before this. */
    private readonly deadline: number,
  ) {
    this.user = plan.user
    this.old = isOldVersion(this.user.version)
    this.sessionId = rng.uuid()
    this.softLimit = deadline - SOFT_MARGIN_MS
  }

  get eventsOn(): boolean {
    return this.user.eventsOn
  }

  // ---- recording --------------------------------------------------------------------------------

  private event(name: EventKind, ms: number, attrs: Attrs, promptId = ''): void {
    if (this.user.eventsOn) this.events.push({ ms, name, promptId, attrs })
  }

  private measure(metric: MetricName, ms: number, amount: number, attrs: Record<string, string> = {}): void {
    const key = metric + JSON.stringify(attrs)
    let index = this.seriesIndex.get(key)
    if (index === undefined) {
      index = this.series.length
      this.series.push({ metric, attrs })
      this.seriesIndex.set(key, index)
    }
    this.measurements.push({ series: index, ms, amount })
  }

  private late(t: number): boolean {
    return t > this.softLimit
  }

  // ---- the session ------------------------------------------------------------------------------

  run(): SessionRecords {
    const { rng, user, plan, tally } = this
    const team = user.team
    tally.session(user.key, team.id, user.version, user.eventsOn)
    let t = plan.startMs
    if (user.eventsOn) {
      this.event('managed_settings_resolved', t, {
        'managed_settings.trigger': 'startup',
        'managed_settings.sources': [...team.managedSources],
        'managed_settings.source_behavior': 'first-wins',
        'managed_settings.helper.state': 'none',
        'managed_settings.helper.applied': 'none',
      })
      tally.t.managedSettingsResolved++
      for (const [i, plugin] of user.plugins.entries()) {
        this.event('plugin_loaded', t + 28 + i, {
          'plugin.name': plugin,
          'marketplace.name': 'claude-plugins-official',
          'plugin.scope': 'user',
          enabled_via: 'settings',
          plugin_id_hash: rng.hex(16),
          has_hooks: plugin === 'security-guidance',
          has_mcp: false,
          host_owned_mcp: false,
          skill_path_count: 0,
          command_path_count: plugin === 'commit-commands' ? 3 : 1,
          agent_path_count: plugin === 'pr-review-toolkit' ? 2 : 0,
          safe_mode: 'false',
        })
      }
      for (const server of user.mcpServers) {
        const durationMs = MCP_TRANSPORT[server] === 'http' ? rng.int(180, 1400) : rng.int(300, 2600)
        this.event('mcp_server_connection', t + durationMs, {
          status: 'connected',
          transport_type: MCP_TRANSPORT[server] ?? 'stdio',
          server_scope: server === 'postgres-prod' ? 'project' : 'user',
          duration_ms: String(durationMs),
          is_plugin: false,
          server_name: server,
        })
      }
    }
    this.measure('claude_code.session.count', t + rng.int(30, 60), 1, { start_type: plan.startType })
    if (team.policyHook) this.hook(t + rng.int(120, 400), '', 'SessionStart', 'SessionStart:startup', 0, rng.int(20, 90))
    t += rng.int(800, 3000)

    if (user.bypassProne && rng.chance(0.3)) this.changeMode(t, '', 'bypassPermissions', 'cli_flag')
    else if (rng.chance(0.04)) this.changeMode(t, '', 'acceptEdits', 'shift_tab')
    else if (rng.chance(0.025)) this.changeMode(t, '', 'plan', 'shift_tab')

    if (plan.startType !== 'fresh') this.context = rng.int(20_000, 110_000)
    const prompts = rng.logNormalInt(5 * Math.pow(plan.intensity, 0.6), 0.65, 1, 40)
    for (let p = 0; p < prompts; p++) {
      t = this.prompt(t, p === 0)
      if (p + 1 >= prompts) break
      const next = t + Math.min(25 * MINUTE, Math.max(5 * SECOND, Math.round(rng.logNormal(70 * SECOND, 1.1))))
      if (this.late(next)) break
      t = next
      if (this.mode === 'default' && rng.chance(0.01)) this.changeMode(t, '', 'acceptEdits', 'shift_tab')
    }
    const exitMs = Math.min(t + rng.int(2 * SECOND, 90 * SECOND), this.deadline - 1)
    const last = this.events.reduce((m, e) => Math.max(m, e.ms), 0)
    const lastMeasure = this.measurements.reduce((m, e) => Math.max(m, e.ms), 0)
    if (last >= exitMs || lastMeasure > exitMs)
      throw new Error(
        `session ${this.sessionId} runs past its deadline (last event ${new Date(last).toISOString()}, last measurement ${new Date(lastMeasure).toISOString()}, exit ${new Date(exitMs).toISOString()})`,
      )
    this.tallyMeasurements()
    return {
      plan,
      sessionId: this.sessionId,
      startMs: plan.startMs,
      exitMs,
      events: this.events,
      series: this.series,
      measurements: this.measurements,
    }
  }

  /** The figures ccscope reads from metrics, summed from what will be sent. */
  private tallyMeasurements(): void {
    const t = this.tally.t
    for (const m of this.measurements) {
      const series = this.series[m.series]
      if (!series) continue
      const a = series.attrs
      switch (series.metric) {
        case 'claude_code.active_time.total':
          t.activeTimeSeconds[a['type'] === 'user' ? 'user' : 'cli'] += m.amount / 1000
          break
        case 'claude_code.lines_of_code.count':
          if (a['type'] === 'removed') t.linesRemoved += m.amount
          else t.linesAdded += m.amount
          break
        case 'claude_code.commit.count':
          t.commits += m.amount
          break
        case 'claude_code.pull_request.count':
          t.pullRequests += m.amount
          break
        case 'claude_code.code_edit_tool.decision':
          t.editDecisions[a['decision'] === 'reject' ? 'reject' : 'accept'] += m.amount
          break
        default:
          break
      }
    }
  }

  private changeMode(ms: number, promptId: string, to: Mode, trigger: string): void {
    const from = this.mode
    if (from === to) return
    this.mode = to
    this.event('permission_mode_changed', ms, { from_mode: from, to_mode: to, trigger }, promptId)
    if (this.user.eventsOn) {
      this.tally.t.permissionModeChanges++
      if (to === 'bypassPermissions') this.tally.t.toBypassPermissions++
    }
  }

  private hook(ms: number, promptId: string, hookEvent: string, hookName: string, blocking: number, durationMs: number): void {
    const managedOnly = this.user.team.managedHooksOnly
    this.event(
      'hook_execution_complete',
      ms,
      {
        hook_event: hookEvent,
        hook_name: hookName,
        num_hooks: '1',
        num_success: String(1 - blocking),
        num_blocking: String(blocking),
        num_non_blocking_error: '0',
        num_cancelled: '0',
        total_duration_ms: String(durationMs),
        managed_only: String(managedOnly),
        hook_source: managedOnly ? 'policySettings' : 'merged',
        safe_mode: 'false',
      },
      promptId,
    )
    if (this.user.eventsOn) this.tally.t.hookExecutions++
  }

  /** One user prompt and the turn it starts; returns when the turn ends. */
  private prompt(start: number, first: boolean): number {
    const { rng, user } = this
    const typingMs = Math.min(120 * SECOND, Math.round(rng.logNormal(12 * SECOND, 0.8)))
    let t = start + typingMs
    this.measure('claude_code.active_time.total', t, typingMs, { type: 'user' })
    const promptId = rng.uuid()
    const length = rng.logNormalInt(140, 1.2, 2, 20_000)
    const command = rng.chance(0.04) ? rng.pick(SLASH_COMMANDS) : ''
    this.event(
      'user_prompt',
      t,
      {
        prompt_length: String(length),
        prompt: '<REDACTED>',
        prompt_text: '<REDACTED>',
        'message.uuid': rng.uuid(),
        ...(command ? { command_name: command, command_source: 'builtin' } : {}),
      },
      promptId,
    )
    if (user.eventsOn) this.tally.t.prompts++

    if (first && rng.chance(0.6)) this.request(t + rng.int(20, 120), promptId, 'auxiliary', 'claude-haiku-5', {})
    const skill = user.skills.length > 0 && rng.chance(0.07) ? rng.pick(user.skills) : ''
    if (skill) {
      this.event('skill_activated', t + rng.int(200, 900), { 'skill.name': skill, invocation_trigger: 'model', 'skill.source': 'plugin' }, promptId)
    }
    const plugin = user.plugins.length > 0 && rng.chance(0.06) ? rng.pick(user.plugins) : ''
    const attribution: Record<string, string> = { ...(skill ? { 'skill.name': skill } : {}), ...(plugin ? { 'plugin.name': plugin } : {}) }

    const steps = 1 + Math.min(29, rng.geometric(0.24))
    for (let i = 0; i < steps; i++) {
      const last = i === steps - 1 || this.late(t)
      if (rng.chance(0.003)) {
        // Retries exhausted (overloaded / rate limited): api_error, and the turn ends without an answer.
        const status = rng.weighted([
          [529, 6],
          [429, 3],
          [500, 1],
        ] as const)
        const durationMs = rng.int(20 * SECOND, 90 * SECOND)
        t += durationMs
        this.event(
          'api_error',
          t,
          {
            model: user.mainModel,
            error: status === 529 ? 'Overloaded' : status === 429 ? 'Rate limited' : 'Internal server error',
            status_code: status,
            duration_ms: durationMs,
            attempt: 11,
            request_id: `req_011C${rng.chars(BASE62, 20)}`,
            client_request_id: rng.uuid(),
            speed: 'normal',
            query_source: 'main',
            ...(this.old ? {} : { effort: user.effort }),
          },
          promptId,
        )
        if (user.eventsOn) this.tally.t.apiErrors++
        return t
      }
      const req = this.request(t, promptId, 'main', user.mainModel, attribution)
      t = req.end
      if (last) {
        this.event(
          'assistant_response',
          t,
          {
            response_length: rng.logNormalInt(600, 1.0, 4, 30_000),
            response: '<REDACTED>',
            request_id: req.requestId,
            'message.uuid': rng.uuid(),
            model: req.model,
            query_source: 'main',
          },
          promptId,
        )
        break
      }
      const calls = rng.weighted([
        [1, 65],
        [2, 22],
        [3, 9],
        [4, 4],
      ] as const)
      let done = t
      for (let c = 0; c < calls; c++) done = Math.max(done, this.toolCall(t + c * rng.int(1, 6), promptId, req, 0))
      t = done + rng.int(40, 400)
      if (this.context > 165_000) {
        const pre = this.context
        const durationMs = rng.int(15 * SECOND, 45 * SECOND)
        t += durationMs
        this.context = rng.int(18_000, 35_000)
        this.event(
          'compaction',
          t,
          { trigger: 'auto', success: 'true', duration_ms: String(durationMs), pre_tokens: String(pre), post_tokens: String(this.context) },
          promptId,
        )
      }
    }
    if (this.mode === 'plan' && rng.chance(0.7)) {
      t += rng.int(1 * SECOND, 8 * SECOND)
      this.changeMode(t, promptId, 'acceptEdits', 'exit_plan_mode')
    }
    return t
  }

  /** One API request starting at `start`: its event, its cost/token/active-time measurements, its truth. */
  private request(start: number, promptId: string, querySource: QuerySource, model: ModelName, attribution: Record<string, string>): Request {
    const { rng, user } = this
    let tokens: TokenCounts
    if (querySource === 'auxiliary') {
      tokens = { input: rng.int(150, 2400), output: rng.int(4, 160), cacheRead: 0, cacheCreation: 0 }
    } else if (querySource === 'subagent') {
      tokens = {
        input: rng.logNormalInt(60, 1.0, 1, 6000),
        output: rng.logNormalInt(300, 0.9, 8, 4000),
        cacheRead: rng.int(0, 30_000),
        cacheCreation: rng.logNormalInt(3000, 0.8, 200, 30_000),
      }
    } else {
      const expired = this.lastMainMs > 0 && start - this.lastMainMs > CACHE_TTL_MS
      const output = rng.logNormalInt(380, 0.95, 6, 16_000)
      let cacheRead: number
      let cacheCreation: number
      if (this.context === 0) {
        cacheRead = rng.chance(0.7) ? rng.int(9_000, 14_000) : 0 // the system prompt, cached by an earlier session
        cacheCreation = rng.int(6_000, 16_000)
      } else if (expired || this.lastMainMs === 0) {
        const prefix = Math.min(this.context, rng.int(9_000, 14_000))
        cacheRead = prefix
        cacheCreation = this.context - prefix + rng.logNormalInt(600, 1.0, 20, 20_000)
      } else {
        cacheRead = this.context
        cacheCreation = rng.logNormalInt(2_200, 1.0, 20, 40_000)
      }
      tokens = { input: rng.logNormalInt(30, 1.3, 1, 12_000), output, cacheRead, cacheCreation }
      this.context = cacheRead + cacheCreation + output
      this.lastMainMs = start
    }
    const micros = costMicros(model, tokens)
    const ttftMs = rng.logNormalInt(1_300, 0.5, 200, 20_000)
    const durationMs = ttftMs + Math.round(tokens.output * MODELS[model].msPerToken * (0.8 + 0.4 * rng.float()))
    const end = start + durationMs
    const requestId = `req_011C${rng.chars(BASE62, 20)}`
    const effort = querySource === 'auxiliary' ? 'low' : user.effort
    this.event(
      'api_request',
      end,
      {
        model,
        input_tokens: tokens.input,
        output_tokens: tokens.output,
        cache_read_tokens: tokens.cacheRead,
        cache_creation_tokens: tokens.cacheCreation,
        ...(this.old ? {} : { cache_creation_5m_tokens: tokens.cacheCreation, cache_creation_1h_tokens: 0 }),
        cost_usd: micros / 1e6,
        ...(this.old ? {} : { cost_usd_micros: micros }),
        duration_ms: durationMs,
        ...(this.old ? {} : { ttft_ms: ttftMs }),
        request_id: requestId,
        ...(this.old ? {} : { speed: 'normal' }),
        query_source: querySource,
        ...(this.old ? {} : { effort }),
        ...attribution,
      },
      promptId,
    )
    this.tally.request(user.team.id, model, micros, tokens, user.eventsOn)
    const series: Record<string, string> = { model, query_source: querySource, ...(this.old ? {} : { effort }), ...attribution }
    this.measure('claude_code.cost.usage', end, micros, series)
    this.measure('claude_code.token.usage', end, tokens.input, { ...series, type: 'input' })
    this.measure('claude_code.token.usage', end, tokens.output, { ...series, type: 'output' })
    this.measure('claude_code.token.usage', end, tokens.cacheRead, { ...series, type: 'cacheRead' })
    this.measure('claude_code.token.usage', end, tokens.cacheCreation, { ...series, type: 'cacheCreation' })
    this.measure('claude_code.active_time.total', end, durationMs, { type: 'cli' })
    return { end, requestId, model }
  }

  private planTool(depth: number): ToolPlan {
    const { rng, user } = this
    const team = user.team
    const [language, ext] = rng.pick(team.languages)
    const dir = rng.pick(['src', 'lib', 'app', 'internal', 'pkg', 'tests', 'scripts'])
    const file = rng.pick(['main', 'api', 'utils', 'config', 'handler', 'model', 'service', 'client', 'index', 'types'])
    const filePath = `/home/dev/${team.id}/${dir}/${file}.${ext}`
    const base: ToolPlan = { tool: 'Read', toolSource: 'builtin', command: '', fullCommand: '', mcpServer: '', mcpTool: '', filePath, language }
    let tool = rng.weighted(TOOL_MIX)
    if (depth > 0)
      tool = rng.weighted([
        ['Read', 5],
        ['Grep', 3],
        ['Glob', 2],
        ['Bash', 1],
      ] as const)
    if (tool === 'NotebookEdit' && ext !== 'ipynb') tool = 'Edit'
    if (tool === 'mcp_tool' && user.mcpServers.length === 0) tool = 'Read'
    if (tool === 'Task' && user.agents.length === 0) tool = 'Grep'
    if (tool === 'Write' && rng.chance(0.12)) return { ...base, tool, filePath: `/home/dev/${team.id}/.env`, language: 'Dotenv' }
    if (tool === 'mcp_tool') {
      const server = rng.pick(user.mcpServers)
      return { ...base, tool, toolSource: 'mcp', mcpServer: server, mcpTool: rng.pick(MCP_TOOLS[server] ?? ['call']) }
    }
    if (tool === 'Bash') {
      let fullCommand = rng.weighted(BASH_COMMANDS).replace('{test}', team.testCommand).replace('{build}', team.buildCommand)
      if (depth > 0) fullCommand = rng.pick(['git log --oneline -20', 'ls -la', 'cat README.md', 'grep -rn TODO .'])
      return { ...base, tool, command: fullCommand.split(' ')[0] ?? '', fullCommand }
    }
    return { ...base, tool }
  }

  /** A tool_use: hooks, the permission decision, execution, result, and their metrics. Returns when done. */
  private toolCall(at: number, promptId: string, req: Request, depth: number): number {
    const { rng, user, tally } = this
    const team = user.team
    const plan = this.planTool(depth)
    const toolUseId = `toolu_01${rng.chars(BASE62, 22)}`
    const isEdit = EDIT_TOOLS.has(plan.tool)
    const isTest = plan.fullCommand === team.testCommand
    const isBuild = plan.fullCommand === team.buildCommand
    const safe =
      SAFE_TOOLS.has(plan.tool) ||
      (plan.tool === 'Bash' &&
        READ_ONLY_COMMANDS.has(plan.command) &&
        !plan.fullCommand.startsWith('git push') &&
        !plan.fullCommand.startsWith('git commit') &&
        !plan.fullCommand.startsWith('git add'))
    const managed = team.managedSources.length > 0

    let decision: 'accept' | 'reject' = 'accept'
    let source: DecisionSource = 'config'
    let t = at - rng.int(3, 15) // decided while the response is still streaming, as in the fixtures
    let denialTarget = ''
    if (managed && plan.tool === 'Bash' && DENIED_COMMANDS.has(plan.command)) {
      decision = 'reject'
      denialTarget = `Bash(${plan.command})`
    } else if (managed && plan.mcpServer === DENIED_MCP_SERVER) {
      decision = 'reject'
      denialTarget = `mcp__${DENIED_MCP_SERVER}`
    } else if (team.policyHook && (plan.tool === 'Bash' || plan.tool === 'Edit' || plan.tool === 'Write')) {
      const blocks = plan.fullCommand.includes('--force') || plan.filePath.endsWith('.env')
      const hookMs = rng.int(30, 250)
      this.hook(t, promptId, 'PreToolUse', `PreToolUse:${plan.tool}`, blocks ? 1 : 0, hookMs)
      t += hookMs
      if (blocks) {
        decision = 'reject'
        source = 'hook'
      }
    }
    if (decision === 'accept' && !safe && depth === 0 && this.mode !== 'bypassPermissions' && !(isEdit && this.mode === 'acceptEdits')) {
      source = rng.weighted([
        ['config', 26],
        ['user_temporary', 40],
        ['user_permanent', 18],
        ['user_reject', 11],
        ['user_abort', 5],
      ] as const)
      if (source === 'user_reject' || source === 'user_abort') decision = 'reject'
      if (source !== 'config') {
        const waitMs = Math.min(120 * SECOND, Math.round(rng.logNormal(5 * SECOND, 0.9)))
        t = at + waitMs
        this.measure('claude_code.active_time.total', t, waitMs, { type: 'user' })
      }
    }

    const params: Record<string, string> =
      plan.tool === 'Bash'
        ? { bash_command: plan.command, full_command: plan.fullCommand, description: 'run it' }
        : plan.toolSource === 'mcp'
          ? { mcp_server_name: plan.mcpServer, mcp_tool_name: plan.mcpTool }
          : {}
    const toolParameters: Attrs = Object.keys(params).length > 0 ? { tool_parameters: JSON.stringify(params) } : {}
    this.event(
      'tool_decision',
      t,
      {
        decision,
        source,
        tool_name: plan.tool,
        tool_use_id: toolUseId,
        tool_source: plan.toolSource,
        ...toolParameters,
        permission_mode: this.mode,
        request_id: req.requestId,
      },
      promptId,
    )
    if (user.eventsOn) {
      tally.t.toolDecisions[decision]++
      if (decision === 'reject') {
        if (source === 'config') tally.denial(denialTarget)
        else if (source === 'hook') tally.t.hookBlocks++
        else tally.t.userRejects++
      }
    }
    if (isEdit) {
      this.measure('claude_code.code_edit_tool.decision', t, 1, { tool_name: plan.tool, decision, source, language: plan.language })
    }
    if (decision === 'reject') return t + rng.int(5, 40)

    const start = t + rng.int(2, 12)
    let end: number
    if (plan.tool === 'Task') {
      end = this.subagent(start, promptId)
    } else {
      const durationMs = isTest
        ? rng.int(4 * SECOND, 90 * SECOND)
        : isBuild
          ? rng.int(8 * SECOND, 120 * SECOND)
          : plan.tool === 'Bash'
            ? rng.logNormalInt(400, 1.0, 15, 30 * SECOND)
            : plan.toolSource === 'mcp'
              ? rng.logNormalInt(900, 0.7, 120, 20 * SECOND)
              : plan.tool === 'WebFetch' || plan.tool === 'WebSearch'
                ? rng.int(600, 9 * SECOND)
                : rng.logNormalInt(25, 0.8, 2, 2 * SECOND)
      end = start + durationMs
    }
    const durationMs = end - start
    const success = isTest ? rng.chance(0.72) : isBuild ? rng.chance(0.85) : plan.toolSource === 'mcp' ? rng.chance(0.93) : rng.chance(0.975)
    const input =
      plan.tool === 'Bash'
        ? { command: plan.fullCommand, description: 'run it' }
        : plan.toolSource === 'mcp'
          ? { query: plan.mcpTool === 'query' ? 'SELECT count(*) FROM orders' : 'is:open' }
          : plan.tool === 'Grep' || plan.tool === 'Glob'
            ? { pattern: 'TODO', path: `/home/dev/${team.id}` }
            : plan.tool === 'Task'
              ? { description: 'explore the codebase', subagent_type: 'Explore' }
              : plan.tool === 'WebFetch'
                ? { url: 'https://docs.example.com/guide' }
                : plan.tool === 'WebSearch'
                  ? { query: 'error handling best practices' }
                  : plan.tool === 'TodoWrite'
                    ? { todos: '[…]' }
                    : { file_path: plan.filePath }
    const toolInput = JSON.stringify(input)
    this.event(
      'tool_result',
      end,
      {
        tool_name: plan.tool,
        tool_use_id: toolUseId,
        success: String(success),
        duration_ms: String(durationMs),
        ...(success ? {} : { error_type: isTest || isBuild ? 'ShellError' : 'tool_error' }),
        ...toolParameters,
        tool_input: toolInput,
        tool_input_size_bytes: String(toolInput.length),
        ...(success ? { tool_result_size_bytes: String(rng.logNormalInt(1800, 1.3, 0, 400_000)) } : {}),
        request_id: req.requestId,
      },
      promptId,
    )
    if (user.eventsOn) tally.t.toolResults[success ? 'success' : 'failure']++
    if (plan.tool !== 'Task') {
      this.measure('claude_code.active_time.total', end, durationMs, { type: 'cli' })
    }

    if (success && isEdit) {
      const added = plan.tool === 'Write' ? rng.logNormalInt(60, 0.9, 1, 1500) : rng.logNormalInt(12, 1.0, 1, 600)
      const removed = plan.tool === 'Write' ? 0 : rng.logNormalInt(5, 1.1, 0, 400)
      this.measure('claude_code.lines_of_code.count', end, added, { type: 'added', model: req.model })
      if (removed > 0) {
        this.measure('claude_code.lines_of_code.count', end, removed, { type: 'removed', model: req.model })
      }
      if (user.formatterHook) this.hook(end + rng.int(5, 20), promptId, 'PostToolUse', `PostToolUse:${plan.tool}`, 0, rng.int(80, 900))
    }
    if (success && plan.fullCommand.startsWith('git commit')) {
      this.measure('claude_code.commit.count', end, 1)
    }
    if (success && plan.fullCommand.startsWith('gh pr create')) {
      this.measure('claude_code.pull_request.count', end, 1)
    }
    return end + rng.int(10, 60)
  }

  /** A Task tool call: a subagent's own requests (query_source subagent) and read-only tool calls. */
  private subagent(start: number, promptId: string): number {
    const { rng, user } = this
    const agent = rng.pick(user.agents)
    const model: ModelName =
      agent === 'Explore'
        ? 'claude-haiku-5'
        : rng.weighted([
            ['claude-sonnet-5', 3],
            ['claude-haiku-5', 1],
          ] as const)
    const steps = rng.int(2, 9)
    let t = start
    for (let i = 0; i < steps; i++) {
      const req = this.request(t, promptId, 'subagent', model, { 'agent.name': agent })
      t = req.end
      if (i === steps - 1 || this.late(t)) break
      t = this.toolCall(t + rng.int(1, 5), promptId, req, 1)
    }
    return t + rng.int(20, 200)
  }
}
