/**
 * Benchmark seeder: fills the raw tables (`events`, `metric_points`) with Claude Code-shaped rows,
 * generated inside the engine by `INSERT INTO … SELECT … FROM numbers(…)`, so that API query latency
 * can be measured at 1 M, 10 M and 100 M events. Materialized views on the raw tables fire as they
 * would at ingest; nothing else is written directly.
 *
 *   tsx bench/seed.ts --events 1000000 [--users 500] [--days 30] [--data-dir ./data-bench] [--seed 1]
 *                     [--chunk 500000] [--end 2026-11-29T12:00:00Z] [--vocabulary bench|catalog]
 *
 * Every random choice is a hash of (seed, row number or session or user, salt): the same seed gives
 * the same rows (timestamps are relative to `end`, which defaults to now). All values spliced into the
 * SQL below are numbers computed here or code-owned constants, never input text.
 *
 * Where rows come from (users, sessions, times) is a row source (bench/seed-source.ts): for the
 * benchmarks, made-up users and sessions (bench/seed-synthetic.ts); for the demo, the simulator's
 * fleet (bench/seed-sessions.ts). The words (teams, models and prices, tools, commands…) are a
 * vocabulary (bench/seed-vocabulary.ts): the benchmarks' own frozen one by default, or the simulator's
 * catalog. This file makes each row's content:
 * - Events: a session starts with managed_settings_resolved and plugin_loaded, then turns of 10 events
 *   (`SeedShape`), each opened by a user_prompt; the other events are drawn from a weighted mix
 *   (api_request, assistant_response, tool_decision, tool_result, hook, mode change).
 * - Metric points: session.count first, then cycles of cost.usage + 4 token.usage (consistent with the
 *   same prices) + active_time + lines_of_code + one of code_edit_tool.decision / lines_of_code / commit
 *   / pull_request. Delta temporality: `delta` = `value`.
 */
import os from 'node:os'
import { parseArgs } from 'node:util'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { loadConfig } from '../server/config'
import { openWarehouse, selectRows, type Warehouse } from '../warehouse/client'
import { allViews } from '../collector/writer/rebuild'
import { migrate } from '../warehouse/migrate'
import { catalogVocabulary } from '../simulator/vocabulary'
import { arr, jsonText, lit, makeHash, num, optionalMap, pick, salt, scramble, strMap, total, uuidOf, weighted, weightedIndex, type Hash } from './seed-sql'
import type { RowSource } from './seed-source'
import { EVENTS_PER_POINT, syntheticEvents, syntheticMetrics, syntheticPlan } from './seed-synthetic'
import { BENCH_VOCABULARY, checkVocabulary, type ModelPrice, type SeedVocabulary } from './seed-vocabulary'

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
  /** The words rows are made of (default BENCH_VOCABULARY, which the benchmarks' figures were measured on). */
  vocabulary?: SeedVocabulary
  /** Called after each chunk with the events written so far. */
  onProgress?: (done: number, total: number) => void
}

export interface SeedResult {
  events: number
  metricPoints: number
  seconds: number
}

// ---------------------------------------------------------------------------------------------------
// Shape (the words are the vocabulary's: bench/seed-vocabulary.ts)

/** Weights of the events that are neither session openers nor prompts (per mille). */
const EVENT_MIX: ReadonlyArray<readonly [string, number]> = [
  ['api_request', 355],
  ['assistant_response', 178],
  ['tool_decision', 237],
  ['tool_result', 213],
  ['hook_execution_complete', 14],
  ['permission_mode_changed', 3],
]

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

// ---------------------------------------------------------------------------------------------------
// The queries

/** Micro-USD of a request's tokens at the list price of model index `mi` (0-based). */
function costMicros(models: readonly ModelPrice[], mi: string, input: string, output: string, cacheRead: string, cacheCreation: string): string {
  const prices = (key: 'input' | 'output' | 'cacheRead' | 'cacheCreation') => `[${models.map((m) => num(m[key])).join(', ')}][${mi} + 1]`
  return `toUInt64(round(${input} * ${prices('input')} + ${output} * ${prices('output')} + ${cacheRead} * ${prices('cacheRead')} + ${cacheCreation} * ${prices('cacheCreation')}))`
}

function modelIndex(models: readonly ModelPrice[], model: string): string {
  return `indexOf(${arr(models.map((m) => m.name))}, ${model}) - 1`
}

/** Attribution keys (agent, skill, plugin, MCP server), present on some requests. */
function attribution(v: SeedVocabulary, hash: Hash, key: string, querySource: string): Array<[string, string]> {
  return [
    ['agent.name', `if(${querySource} = 'subagent', ${pick(v.agents, hash(key, salt('agent')))}, '')`],
    ['skill.name', `if(${hash(key, salt('skill?'))} % 100 < 6, ${pick(v.skills, hash(key, salt('skill')))}, '')`],
    ['plugin.name', `if(${hash(key, salt('plugin?'))} % 100 < 5, ${pick(v.plugins, hash(key, salt('plugin')))}, '')`],
    ['mcp_server.name', `if(${hash(key, salt('mcp?'))} % 100 < 4, ${pick(v.mcpServers, hash(key, salt('mcp')))}, '')`],
  ]
}

/** The shape of a session's events (the words are the vocabulary's). */
export interface SeedShape {
  /** Events a prompt's turn holds, its user_prompt included (the first two events open the session). */
  eventsPerTurn: number
  /** Weights of the events that are neither session openers nor prompts. */
  eventMix: ReadonlyArray<readonly [string, number]>
  /** A main request's tokens: input and output up to these (uniform), cache creation too; cache reads grow by `cacheReadPerEvent` along the session. */
  maxInputTokens: number
  maxOutputTokens: number
  maxCacheCreationTokens: number
  cacheReadPerEvent: number
  /**
   * Whether rows carry content as Claude Code sends it (prompt and response placeholders, full command
   * lines in tool_parameters) or as the collector stores it by default (without: CCSCOPE_STORE_CONTENT).
   */
  content: boolean
}

/** The benchmarks' shape (frozen, like BENCH_VOCABULARY). */
export const BENCH_SHAPE: SeedShape = {
  eventsPerTurn: 10,
  eventMix: EVENT_MIX,
  maxInputTokens: 2500,
  maxOutputTokens: 2400,
  maxCacheCreationTokens: 6000,
  cacheReadPerEvent: 2500,
  content: true,
}

/** INSERT INTO events … SELECT: one row per row of `source`, its kind and content drawn by hash. */
export function eventsInsert(seed: number, v: SeedVocabulary, source: RowSource, shape: SeedShape = BENCH_SHAPE): string {
  const h = makeHash(seed)
  const turn = positiveInt('eventsPerTurn', shape.eventsPerTurn)
  const isoTime = `concat(formatDateTime(toDateTime(intDiv(ms, 1000), 'UTC'), '%Y-%m-%dT%H:%i:%S'), '.', leftPad(toString(ms % 1000), 3, '0'), 'Z')`
  const bashWeights = v.bashCommands.map(([, , w]) => w)
  const bash = (key: string) => weightedIndex(bashWeights, `${h('n', salt(key))} % ${total(bashWeights)}`)
  const mcp = (key: string) => `${h('n', salt(key))} % ${v.mcpTools.length} + 1`
  const denied = (key: string) => `${h('n', salt(key))} % ${v.deniedCommands.length} + 1`
  // The command line is content: kept only when the shape says so (as the collector keeps it only with CCSCOPE_STORE_CONTENT).
  const fullCommand = (commands: readonly string[], index: string) => (shape.content ? `'","full_command":"', ${arr(commands.map(jsonText))}[${index}], ` : '')
  const contentPair = (key: string): Array<[string, string]> => (shape.content ? [[key, "'<REDACTED>'"]] : [])
  const toolParams = `multiIf(
      tool = 'Bash' AND decision = 'reject' AND source = 'config',
        concat('{"bash_command":"', ${arr(v.deniedCommands.map((c) => jsonText(c[0])))}[${denied('curl')}], ${fullCommand(
          v.deniedCommands.map((c) => c[1]),
          denied('curl'),
        )}'"}'),
      tool = 'Bash',
        concat('{"bash_command":"', ${arr(v.bashCommands.map((c) => jsonText(c[0])))}[${bash('bash')}], ${fullCommand(
          v.bashCommands.map((c) => c[1]),
          bash('bash'),
        )}'"}'),
      tool = 'mcp_tool',
        concat('{"mcp_server_name":"', ${arr(v.mcpTools.map((c) => jsonText(c[0])))}[${mcp('mcpt')}], '","mcp_tool_name":"', ${arr(v.mcpTools.map((c) => jsonText(c[1])))}[${mcp('mcpt')}], '"}'),
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
    ])}, ${optionalMap(attribution(v, h, 'n', 'qsrc'))}),
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
      ...contentPair('response'),
      ['request_id', 'request_id'],
      ['model', 'model'],
      ['query_source', 'qsrc'],
    ])},
    ev = 'user_prompt', ${strMap([...withPrompt, ['prompt_length', `toString(5 + ${h('n', salt('plen'))} % 2000)`], ...contentPair('prompt')])},
    ev = 'hook_execution_complete', ${strMap([
      ...withPrompt,
      ['hook_event', 'hook_event'],
      ['hook_name', "concat(hook_event, ':', if(hook_event = 'PreToolUse', 'Bash', '*'))"],
      ['num_hooks', `toString(1 + ${h('n', salt('nhooks'))} % 3)`],
      ['num_blocking', `if(${h('n', salt('blocking'))} % 10 = 0, '1', '0')`],
      [
        'hook_source',
        weighted(
          [
            ['policySettings', 40],
            ['userSettings', 40],
            ['projectSettings', 20],
          ],
          `${h('n', salt('hooksrc'))} % 100`,
        ),
      ],
      ['managed_only', "'false'"],
    ])},
    ev = 'permission_mode_changed', ${strMap([
      ...withPrompt,
      ['from_mode', "'default'"],
      [
        'to_mode',
        weighted(
          [
            ['plan', 40],
            ['acceptEdits', 40],
            ['auto', 15],
            ['bypassPermissions', 5],
          ],
          `${h('n', salt('mode'))} % 100`,
        ),
      ],
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
      ['plugin.name', pick(v.loadedPlugins, h('sess', salt('bplugin')))],
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
    u_key, u_email, u_enduser, u_account, user_id, org, session_id, prompt_id, toUInt64(seq),
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
    ${source.with}
    SELECT
      ${source.columns},
      ${h('n', salt('ev'))} % ${total(shape.eventMix)} AS ev_r,
      multiIf(seq = 0, 'managed_settings_resolved', seq = 1, 'plugin_loaded', (seq - 2) % ${turn} = 0, 'user_prompt',
        ${weighted(shape.eventMix, 'ev_r')}) AS ev,
      if(seq < 2, '', toString(${uuidOf(h('sess', `intDiv(seq - 2, ${turn})`, salt('p1')), h('sess', `intDiv(seq - 2, ${turn})`, salt('p2')))})) AS prompt_id,
      ${h('n', salt('qs'))} % 100 AS qs_r,
      multiIf(ev = 'assistant_response' OR qs_r < 82, 'main', qs_r < 94, 'subagent', 'auxiliary') AS qsrc,
      if(qsrc = 'auxiliary', ${lit(v.auxiliaryModel)}, sess_model) AS model,
      5 + ${h('n', salt('in'))} % ${positiveInt('maxInputTokens', shape.maxInputTokens)} AS in_tok,
      if(qsrc = 'auxiliary', 10 + ${h('n', salt('out'))} % 300, 20 + ${h('n', salt('out'))} % ${positiveInt('maxOutputTokens', shape.maxOutputTokens)}) AS out_tok,
      if(qsrc = 'auxiliary', ${h('n', salt('cr'))} % 3000, 8000 + toUInt64(seq) * ${positiveInt('cacheReadPerEvent', shape.cacheReadPerEvent)} + ${h('n', salt('cr'))} % 40000) AS cr_tok,
      ${h('n', salt('cc'))} % ${positiveInt('maxCacheCreationTokens', shape.maxCacheCreationTokens)} AS cc_tok,
      ${costMicros(v.models, modelIndex(v.models, 'model'), 'in_tok', 'out_tok', 'cr_tok', 'cc_tok')} AS micros,
      800 + ${h('n', salt('dur'))} % 30000 AS dur,
      concat('req_', lower(hex(${h('sess', 'intDiv(seq, 3)', salt('req'))}))) AS request_id,
      concat('toolu_', lower(hex(${h('sess', 'intDiv(seq, 2)', salt('tool'))}))) AS tool_use_id,
      ${h('n', salt('dec'))} % 1000 AS dr,
      if(ev = 'tool_decision' AND dr >= 920, 'reject', 'accept') AS decision,
      multiIf(dr < 560, 'config', dr < 800, 'user_temporary', dr < 880, 'user_permanent', dr < 920, 'hook',
        dr < 955, 'config', dr < 985, 'user_reject', dr < 993, 'hook', 'user_abort') AS source,
      if(ev = 'tool_decision' AND decision = 'reject' AND source = 'config' AND ${h('n', salt('policy-bash'))} % 10 < 9,
        'Bash', ${weighted(v.tools, `${h('n', salt('tool'))} % ${total(v.tools)}`)}) AS tool,
      if(tool = 'mcp_tool', 'mcp', 'builtin') AS tool_source,
      ${toolParams} AS tool_params,
      ${h('n', salt('ok'))} % 100 < 95 AS ok,
      ${weighted(
        [
          ['PreToolUse', 60],
          ['PostToolUse', 25],
          ['UserPromptSubmit', 10],
          ['Stop', 5],
        ],
        `${h('n', salt('hook'))} % 100`,
      )} AS hook_event
    ${source.from}
    ${source.where ? `WHERE ${source.where}` : ''}
  )`
}

/**
 * INSERT INTO metric_points … SELECT: one row per row of `source`; its metric follows from its index in the
 * session. With `markCandidates`, each cost/token point is marked (usage_candidate) as the writer marks it,
 * when no api_request event of its session is stored when it is inserted: the candidates' rollup view then
 * gets it as it would at ingest (a source whose sessions' events are all inserted before their points).
 */
export function metricsInsert(seed: number, v: SeedVocabulary, source: RowSource, options: { markCandidates?: boolean } = {}): string {
  const h = makeHash(seed)
  const cyc = (key: string) => h('sess', 'c', salt(key))
  const tokenTypes = ['input', 'output', 'cacheRead', 'cacheCreation']
  const mark = options.markCandidates === true
  return `INSERT INTO metric_points (
    id, series_id, metric_name, metric_type, temporality, is_monotonic, unit, start_timestamp, timestamp,
    value, delta, count, user_key, user_email, enduser_id, user_account_uuid, user_id, organization_id, session_id,
    team_id, department, cost_center, service_name, service_version, terminal_type, type, model, query_source,
    tool_name, decision, source, language, attributes, resource_attributes, scope_name, scope_version, scope_attributes,
    session_start${mark ? ', usage_candidate' : ''})
  ${INSERT_SETTINGS}
  SELECT
    ${uuidOf(h('m', salt('mid')), scramble('m', h(salt('mid-lo'))))},
    ${uuidOf(h('sess', 'metric', 'mtype', 'mmodel', 'mqs', 'mtool', 'mdecision', 'msource', 'mlang', 'attrib', salt('s1')), h('sess', 'metric', 'mtype', 'mmodel', 'mqs', 'mtool', 'mdecision', 'msource', 'mlang', 'attrib', salt('s2')))},
    metric, 'sum', 'delta', true, unit,
    fromUnixTimestamp64Milli(ts_ms - 60000, 'UTC'),
    fromUnixTimestamp64Milli(ts_ms, 'UTC'),
    value, value, 0,
    u_key, u_email, u_enduser, u_account, user_id, org, session_id,
    team, dept, cost_center, 'claude-code', version, terminal,
    mtype, mmodel, mqs, mtool, mdecision, msource, mlang,
    mapConcat(identity_attrs, mapFilter((mk, mv) -> mv != '', map(
      'start_type', start_type, 'model', mmodel, 'query_source', mqs, 'effort', meffort, 'type', mtype,
      'tool_name', mtool, 'decision', mdecision, 'source', msource, 'language', mlang)), attrib_map),
    resource,
    ${lit(SCOPE_METRICS)}, version, map(),
    toUInt8(k = 0 AND (${source.sessionsWithoutEvents ?? '0'}))${mark ? ', toUInt8(is_usage AND session_id NOT IN (SELECT session_id FROM usage_event_coverage))' : ''}
  FROM
  (
    ${source.with}
    SELECT
      ${source.columns},
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
      if(k = 0, ${weighted(
        [
          ['fresh', 80],
          ['resume', 15],
          ['continue', 5],
        ],
        `${h('sess', salt('start'))} % 100`,
      )}, '') AS start_type,
      metric = 'claude_code.code_edit_tool.decision' AS is_edit,
      if(is_edit, ${weighted(
        [
          ['Edit', 70],
          ['Write', 25],
          ['NotebookEdit', 5],
        ],
        `${h('m', salt('etool'))} % 100`,
      )}, '') AS mtool,
      ${h('m', salt('edec'))} % 100 AS edr,
      if(is_edit, if(edr < 90, 'accept', 'reject'), '') AS mdecision,
      if(is_edit, multiIf(edr < 50, 'config', edr < 80, 'user_temporary', edr < 90, 'user_permanent', edr < 97, 'user_reject', 'config'), '') AS msource,
      if(is_edit, ${pick(v.languages, h('m', salt('lang')))}, '') AS mlang,
      if(is_usage, ${optionalMap(attribution(v, h, 'sess, c', 'cyc_qs'))}, CAST(map(), 'Map(String, String)')) AS attrib_map,
      toString(mapSort(attrib_map)) AS attrib,
      200 + ${cyc('tin')} % 5000 AS t_in,
      40 + ${cyc('tout')} % 4000 AS t_out,
      20000 + ${cyc('tcr')} % 150000 AS t_cr,
      ${cyc('tcc')} % 10000 AS t_cc,
      multiIf(
        k = 0, 1,
        metric = 'claude_code.cost.usage', ${costMicros(v.models, modelIndex(v.models, 'sess_model'), 't_in', 't_out', 't_cr', 't_cc')} / 1000000,
        metric = 'claude_code.token.usage', toFloat64([t_in, t_out, t_cr, t_cc][j]),
        metric = 'claude_code.active_time.total', if(mtype = 'user', 5 + (mr * 7919 % 115000) / 1000, (mr * 104729 % 60000) / 1000),
        metric = 'claude_code.lines_of_code.count', toFloat64(if(mtype = 'added', 1 + ${h('m', salt('loc'))} % 200, 1 + ${h('m', salt('loc'))} % 80)),
        1) AS value
    ${source.from}
    ${source.where ? `WHERE ${source.where}` : ''}
  )`
}

// ---------------------------------------------------------------------------------------------------

export function positiveInt(name: string, value: number): number {
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer (got ${value})`)
  return value
}

/**
 * What the writer does while it writes metric points (collector/writer/orphans.ts): it marks the cost/token
 * points of sessions (or, without session.id, user-days) no api_request event covers. Each chunk holds its
 * sessions' events and points together, so marking them at the end gives what the writer would have; the
 * candidates' rollup is then filled by its own view's SELECT (read from the engine, as the rebuild does).
 * (The demo's history marks its points as it inserts them instead: metricsInsert's `markCandidates`.)
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

/**
 * Writes `options.events` events (and about a quarter as many metric points) into the raw tables,
 * chunk by chunk, each chunk one INSERT … SELECT per table evaluated by the engine.
 */
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
  const vocabulary = options.vocabulary ?? BENCH_VOCABULARY
  checkVocabulary(vocabulary)
  const plan = syntheticPlan({ seed, users, totalEvents, startMs, endMs })

  const started = performance.now()
  let metricPoints = 0
  for (let from = 0; from < totalEvents; from += chunkRows) {
    const to = Math.min(totalEvents, from + chunkRows)
    await client.command({ query: eventsInsert(seed, vocabulary, syntheticEvents(plan, vocabulary, from, to - from)) })
    // Metric point m belongs to event 4m: this chunk's points are those with 4m in [from, to).
    const mFrom = Math.ceil(from / EVENTS_PER_POINT)
    const mTo = Math.ceil(to / EVENTS_PER_POINT)
    if (mTo > mFrom) {
      await client.command({ query: metricsInsert(seed, vocabulary, syntheticMetrics(plan, vocabulary, mFrom, mTo - mFrom)) })
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
      vocabulary: { type: 'string' },
    },
    strict: true,
  })
  const events = intArg('events', values.events)
  if (events === undefined) {
    process.stderr.write(
      'usage: tsx bench/seed.ts --events N [--users 500] [--days 30] [--data-dir ./data-bench] [--seed 1] [--chunk 500000] [--end ISO-8601] [--vocabulary bench|catalog]\n',
    )
    process.exit(2)
  }
  const end = values.end === undefined ? new Date() : new Date(values.end)
  if (Number.isNaN(end.getTime())) throw new Error(`--end must be an ISO 8601 date (got ${JSON.stringify(values.end)})`)
  const vocabularyName = values.vocabulary ?? 'bench'
  if (vocabularyName !== 'bench' && vocabularyName !== 'catalog')
    throw new Error(`--vocabulary must be bench (the benchmarks' own, default) or catalog (the simulator's) (got ${JSON.stringify(values.vocabulary)})`)
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
    if (Number(before[0]?.n ?? 0) > 0) process.stdout.write(`note: events already holds ${before[0]?.n} rows; the same seed writes the same ids again\n`)

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
      vocabulary: vocabularyName === 'catalog' ? catalogVocabulary() : BENCH_VOCABULARY,
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
