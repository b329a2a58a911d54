import type { ExportLogsRequest, ExportMetricsRequest, KeyValue } from './otlp'

/**
 * The one model of what Claude Code sends over OpenTelemetry: its metric series and event kinds, and the
 * attributes each may carry, as catalogued in shared/reference/claude-code-telemetry.md (27 event kinds,
 * 8 metrics; CLI 2.1.x up to 2.1.328). The captures of the real CLI (shared/fixtures/claude-code) are
 * the ground truth it is tested against, and every generator of Claude Code-shaped telemetry in this
 * repository (the simulator, the test fleet, the OTLP factory of the tests, the crash-test client, the
 * benchmark seed) is checked against it (test/telemetry-model.test.ts): a generator that invents a kind,
 * a metric or an attribute the CLI does not send fails there.
 */

/** The scope names the CLI's exporters use. */
export const EVENTS_SCOPE = 'com.anthropic.claude_code.events'
export const METRICS_SCOPE = 'com.anthropic.claude_code'

/** On every metric point and event (some only when signed in, or when a switch is on). */
export const IDENTITY_ATTRIBUTES = [
  'session.id',
  'user.id',
  'user.email',
  'user.account_uuid',
  'user.account_id',
  'organization.id',
  'app.version',
  'app.entrypoint',
  'terminal.type',
  'vcs.repository.url.full',
  'vcs.owner.name',
  'vcs.repository.name',
  'vcs.provider.name',
  'user.groups',
  'identity.source',
  // Seen in every capture, in no docs table.
  'anthropic.provider',
  'anthropic.custom_base_url',
] as const

/** On events only: the event's own bookkeeping and what ties it to a prompt or a workflow. */
export const EVENT_COMMON_ATTRIBUTES = [
  'event.name',
  'event.timestamp',
  'event.sequence',
  'prompt.id',
  'workspace.host_paths',
  'workflow.run_id',
  'workflow.name',
] as const

/** What a cost, token or request is attributed to (on cost.usage, token.usage and the API events). */
export const ATTRIBUTION_ATTRIBUTES = [
  'model',
  'query_source',
  'effort',
  'speed',
  'agent.name',
  'skill.name',
  'plugin.name',
  'marketplace.name',
  'mcp_server.name',
  'mcp_tool.name',
] as const

/**
 * Keys an organization commonly sets through OTEL_RESOURCE_ATTRIBUTES. The CLI copies every resource key
 * onto points and events, so any key of a record's own resource is allowed on it; these are listed
 * because they are the ones ccscope reads (team, department, cost center, identity).
 */
export const DEPLOYMENT_ATTRIBUTES = ['team.id', 'department', 'cost_center', 'enduser.id'] as const

export type MetricName =
  | 'claude_code.session.count'
  | 'claude_code.lines_of_code.count'
  | 'claude_code.pull_request.count'
  | 'claude_code.commit.count'
  | 'claude_code.cost.usage'
  | 'claude_code.token.usage'
  | 'claude_code.code_edit_tool.decision'
  | 'claude_code.active_time.total'

export interface MetricSpec {
  /** As on the wire: '' for counts. */
  unit: string
  /** The instrument's description, as the CLI registers it. */
  description: string
  /** The point's own attributes, besides the identity ones. */
  attributes: readonly string[]
}

/** The CLI's instruments, in its registration order. */
export const METRICS: Record<MetricName, MetricSpec> = {
  'claude_code.session.count': { unit: '', description: 'Count of CLI sessions started', attributes: ['start_type'] },
  'claude_code.lines_of_code.count': {
    unit: '',
    description:
      "Count of lines of code modified, with the 'type' attribute indicating whether lines were added or removed and the 'model' attribute indicating which model made the change",
    attributes: ['type', 'model'],
  },
  'claude_code.pull_request.count': { unit: '', description: 'Number of pull requests created', attributes: [] },
  'claude_code.commit.count': { unit: '', description: 'Number of git commits created', attributes: [] },
  'claude_code.cost.usage': { unit: 'USD', description: 'Cost of the Claude Code session', attributes: ATTRIBUTION_ATTRIBUTES },
  'claude_code.token.usage': { unit: 'tokens', description: 'Number of tokens used', attributes: ['type', ...ATTRIBUTION_ATTRIBUTES] },
  'claude_code.code_edit_tool.decision': {
    unit: '',
    description: 'Count of code editing tool permission decisions (accept/reject) for Edit, Write, and NotebookEdit tools',
    attributes: ['tool_name', 'decision', 'source', 'language'],
  },
  'claude_code.active_time.total': { unit: 's', description: 'Total active time in seconds', attributes: ['type'] },
}

const API_IDS = ['request_id', 'client_request_id'] as const
const HOOK_EXECUTION = ['hook_event', 'hook_name', 'num_hooks', 'managed_only', 'hook_source', 'safe_mode'] as const

/** Every documented event kind (the body is `claude_code.<kind>`) and its own attributes. */
export const EVENT_KINDS = {
  user_prompt: ['prompt_length', 'prompt', 'prompt_text', 'message.uuid', 'command_name', 'command_source'],
  assistant_response: ['response_length', 'response', 'model', 'request_id', 'message.uuid', 'query_source'],
  api_request: [
    ...ATTRIBUTION_ATTRIBUTES,
    ...API_IDS,
    'cost_usd',
    'cost_usd_micros',
    'duration_ms',
    'input_tokens',
    'output_tokens',
    'cache_read_tokens',
    'cache_creation_tokens',
    'cache_creation_5m_tokens',
    'cache_creation_1h_tokens',
    'ttft_ms',
  ],
  api_error: [...ATTRIBUTION_ATTRIBUTES, ...API_IDS, 'error', 'status_code', 'duration_ms', 'attempt'],
  api_refusal: [...ATTRIBUTION_ATTRIBUTES, 'request_id', 'attempt', 'server_fallback_hop', 'has_category', 'has_explanation', 'category'],
  api_retries_exhausted: ['model', 'error', 'status_code', 'total_attempts', 'total_retry_duration_ms', 'speed'],
  api_request_body: ['body', 'body_ref', 'body_length', 'body_truncated', 'model', 'query_source', 'request_body_id'],
  api_response_body: [
    'body',
    'body_ref',
    'body_length',
    'body_truncated',
    'model',
    'query_source',
    'request_id',
    'request_body_id',
    'message.id',
    'message.uuid',
  ],
  tool_decision: ['tool_name', 'tool_use_id', 'decision', 'source', 'tool_source', 'tool_parameters', 'permission_mode', 'request_id'],
  tool_result: [
    'tool_name',
    'tool_use_id',
    'success',
    'duration_ms',
    'tool_input_size_bytes',
    'tool_result_size_bytes',
    'tool_parameters',
    'tool_input',
    'error_type',
    'error',
    'decision_type',
    'decision_source',
    'mcp_server_scope',
    'vcs.ref.head.revision',
    'vcs.ref.head.name',
    'vcs.ref.head.type',
    'request_id',
  ],
  permission_mode_changed: ['from_mode', 'to_mode', 'trigger'],
  auth: ['action', 'success', 'auth_method', 'error_category', 'status_code'],
  mcp_server_connection: [
    'status',
    'transport_type',
    'server_scope',
    'duration_ms',
    'error_code',
    'is_plugin',
    'plugin_id_hash',
    'plugin.name',
    'server_name',
    'error',
  ],
  internal_error: ['error_name', 'error_code'],
  plugin_installed: ['plugin.name', 'plugin.version', 'marketplace.name', 'marketplace.is_official', 'install.trigger'],
  plugin_loaded: [
    'plugin.name',
    'plugin.version',
    'marketplace.name',
    'plugin.scope',
    'enabled_via',
    'plugin_id_hash',
    'has_hooks',
    'has_mcp',
    'host_owned_mcp',
    'skill_path_count',
    'command_path_count',
    'agent_path_count',
    'safe_mode',
  ],
  skill_activated: ['skill.name', 'invocation_trigger', 'skill.source', 'skill.kind', 'plugin.name', 'marketplace.name'],
  at_mention: ['mention_type', 'success'],
  hook_registered: ['hook_event', 'hook_type', 'hook_source', 'safe_mode', 'plugin.name', 'plugin_id_hash', 'hook_matcher'],
  hook_execution_start: HOOK_EXECUTION,
  hook_execution_complete: [...HOOK_EXECUTION, 'num_success', 'num_blocking', 'num_non_blocking_error', 'num_cancelled', 'total_duration_ms'],
  // Up to 20 keys of the plugin's choosing besides these: any key is allowed (OPEN_KINDS).
  hook_plugin_metrics: ['plugin_id', 'hook_event'],
  compaction: ['trigger', 'success', 'duration_ms', 'pre_tokens', 'post_tokens', 'error', 'precompute_reuse'],
  subagent_completed: [
    'agent_type',
    'agent.source',
    'is_built_in',
    'is_async',
    'total_tokens',
    'total_tool_uses',
    'duration_ms',
    'model',
    'final_model',
    'model_swapped',
    'plugin_id_hash',
    'plugin.name',
  ],
  feedback_survey: ['event_type', 'appearance_id', 'survey_type', 'response', 'enabled_via_override'],
  retention_sweep: [
    'result',
    'skip_reason',
    'period_days',
    'used_default',
    'transcripts_deleted',
    'transcripts_exempted_desktop',
    'session_files_deleted',
    'artifacts_deleted',
    'files_retained_fresh',
    'files_past_cutoff',
    'error_count',
  ],
  managed_settings_resolved: [
    'managed_settings.trigger',
    'managed_settings.sources',
    'managed_settings.source_behavior',
    'managed_settings.helper.state',
    'managed_settings.helper.applied',
    'managed_settings.helper.entry',
    'managed_settings.helper.path',
    'managed_settings.resolved_sha256',
    'managed_settings.settings',
    'managed_settings.settings_truncated',
    'error.type',
  ],
} as const satisfies Record<string, readonly string[]>

export type EventKind = keyof typeof EVENT_KINDS

/** Kinds whose attributes are open-ended (a plugin's own figures). */
const OPEN_KINDS: ReadonlySet<string> = new Set<EventKind>(['hook_plugin_metrics'])

/** The event body of a kind: `claude_code.<kind>`. */
export const eventBody = (kind: EventKind): string => `claude_code.${kind}`

export function isEventKind(name: string): name is EventKind {
  return Object.hasOwn(EVENT_KINDS, name)
}

export function isMetricName(name: string): name is MetricName {
  return Object.hasOwn(METRICS, name)
}

const IDENTITY: ReadonlySet<string> = new Set([...IDENTITY_ATTRIBUTES, ...DEPLOYMENT_ATTRIBUTES])
const EVENT_COMMON: ReadonlySet<string> = new Set(EVENT_COMMON_ATTRIBUTES)

export interface ConformanceOptions {
  /** Keys a generator adds on purpose and the CLI does not send (a test's markers), allowed everywhere. */
  markers?: readonly string[]
}

const keysOf = (attributes: readonly Pick<KeyValue, 'key'>[] | null | undefined) => (attributes ?? []).map((a) => a.key)

/**
 * What in an OTLP export request does not match the model: an unknown event kind or metric, or an
 * attribute its kind or metric does not carry (beyond the identity keys and the record's own resource
 * keys, which the CLI copies onto every record). Empty when the request is something Claude Code could
 * have sent. Each problem is named once, however often it occurs.
 */
export function conformance(request: ExportLogsRequest | ExportMetricsRequest, options: ConformanceOptions = {}): string[] {
  const problems = new Set<string>()
  const markers = new Set(options.markers ?? [])
  const allowed = (key: string, own: ReadonlySet<string>, resource: ReadonlySet<string>) =>
    IDENTITY.has(key) || own.has(key) || resource.has(key) || markers.has(key)
  if ('resourceLogs' in request)
    for (const rl of request.resourceLogs ?? []) {
      const resource = new Set(keysOf(rl.resource?.attributes))
      for (const sl of rl.scopeLogs ?? [])
        for (const record of sl.logRecords ?? []) {
          const body = record.body?.stringValue ?? ''
          const kind = body.startsWith('claude_code.') ? body.slice('claude_code.'.length) : body
          if (!isEventKind(kind)) {
            problems.add(`unknown event ${JSON.stringify(body)}`)
            continue
          }
          if (OPEN_KINDS.has(kind)) continue
          const own = new Set<string>([...EVENT_KINDS[kind], ...EVENT_COMMON])
          for (const key of keysOf(record.attributes)) if (!allowed(key, own, resource)) problems.add(`${kind}: attribute ${key}`)
          const named = (record.attributes ?? []).find((a) => a.key === 'event.name')?.value?.stringValue
          if (named !== undefined && named !== kind) problems.add(`${kind}: event.name ${JSON.stringify(named)}`)
        }
    }
  if ('resourceMetrics' in request)
    for (const rm of request.resourceMetrics ?? []) {
      const resource = new Set(keysOf(rm.resource?.attributes))
      for (const sm of rm.scopeMetrics ?? [])
        for (const metric of sm.metrics ?? []) {
          const name = metric.name ?? ''
          if (!isMetricName(name)) {
            problems.add(`unknown metric ${JSON.stringify(name)}`)
            continue
          }
          if (metric.unit !== undefined && metric.unit !== null && metric.unit !== METRICS[name].unit)
            problems.add(`${name}: unit ${JSON.stringify(metric.unit)}, not ${JSON.stringify(METRICS[name].unit)}`)
          const own = new Set(METRICS[name].attributes)
          const points = metric.sum?.dataPoints ?? metric.gauge?.dataPoints ?? []
          for (const point of points) for (const key of keysOf(point.attributes)) if (!allowed(key, own, resource)) problems.add(`${name}: attribute ${key}`)
        }
    }
  return [...problems].sort()
}
