import fs from 'node:fs'
import path from 'node:path'
import { openWarehouse, selectRows, type Warehouse } from '../../warehouse/client'

/**
 * `tsx test/crash/verify.ts <dataDir> <keysFile>`: reads a stopped ccscope's warehouse and prints, as
 * JSON, what it holds of the crash test's records. A process of its own, because the embedded engine
 * binds one data directory per process. The keys file lists the events' crash.seq values and the metric
 * points' keys that were sent; each is counted in the raw tables *without* FINAL, so that a duplicate
 * that no merge has removed yet still shows.
 */

export interface KeysFile {
  events: string[]
  points: string[]
}

export interface Figures {
  raw: Record<string, number>
  rollups: Record<string, number>
  candidates: { rawCostMicros: number }
  sessions: Record<string, number>
}

export interface Verification {
  events: { rows: number; distinctIds: number; finalRows: number; lost: number; duplicated: number; unexpected: number; examples: string[] }
  points: { rows: number; distinctIds: number; finalRows: number; lost: number; duplicated: number; unexpected: number; examples: string[] }
  figures: Figures
  parts: { active: number; tables: Record<string, number> }
}

function compare(sent: string[], stored: { k: string; n: string }[]) {
  const counts = new Map(stored.map((r) => [r.k, Number(r.n)]))
  let lost = 0
  let duplicated = 0
  const examples: string[] = []
  for (const key of sent) {
    const n = counts.get(key) ?? 0
    if (n === 0) {
      lost++
      if (examples.length < 10) examples.push(`lost ${key}`)
    } else if (n > 1) {
      duplicated++
      if (examples.length < 10) examples.push(`${n}x ${key}`)
    }
    counts.delete(key)
  }
  for (const key of counts.keys()) if (examples.length < 10) examples.push(`unexpected ${key}`)
  return { lost, duplicated, unexpected: counts.size, examples }
}

async function one(client: Warehouse, query: string): Promise<Record<string, number>> {
  const [row] = await selectRows<Record<string, string | number>>(client, query)
  return Object.fromEntries(Object.entries(row ?? {}).map(([k, v]) => [k, Number(v)]))
}

async function verify(client: Warehouse, keys: KeysFile): Promise<Verification> {
  const eventKeys = await selectRows<{ k: string; n: string }>(client, `SELECT attributes['crash.seq'] AS k, count() AS n FROM events GROUP BY k`)
  const pointKeys = await selectRows<{ k: string; n: string }>(
    client,
    `SELECT concat(attributes['crash.stream'], '|', toString(toUnixTimestamp64Nano(timestamp))) AS k, count() AS n
     FROM metric_points GROUP BY k`,
  )
  const eventRows = await one(client, `SELECT count() AS rows, uniqExact(id) AS ids, (SELECT count() FROM events FINAL) AS final FROM events`)
  const pointRows = await one(client, `SELECT count() AS rows, uniqExact(id) AS ids, (SELECT count() FROM metric_points FINAL) AS final FROM metric_points`)
  // The raw tables' figures, summed the way the rollups' views sum them (no FINAL: what was inserted).
  const rawEvents = await one(
    client,
    `SELECT count() AS events,
            countIf(event_name = 'api_request') AS apiRequests,
            round(sumIf(cost_usd, event_name = 'api_request') * 1e6) AS costMicros,
            sumIf(input_tokens, event_name = 'api_request') AS inputTokens,
            countIf(event_name = 'user_prompt') AS prompts,
            countIf(event_name = 'tool_result') AS toolResults,
            countIf(event_name = 'hook_execution_complete') AS hooks,
            uniqExactIf(session_id, event_name = 'api_request') AS coveredSessions
     FROM events`,
  )
  const rawPoints = await one(
    client,
    `SELECT count() AS metricPoints,
            round(sumIf(delta, metric_name = 'claude_code.cost.usage') * 1e6) AS metricCostMicros,
            sumIf(delta, metric_name = 'claude_code.token.usage' AND type = 'input') AS metricInputTokens,
            sumIf(delta, metric_name = 'claude_code.lines_of_code.count' AND type = 'added') AS linesAdded,
            sumIf(delta, metric_name = 'claude_code.session.count') AS sessionsStarted
     FROM metric_points`,
  )
  const usageEvents = await one(
    client,
    `SELECT sum(requests) AS apiRequests, round(sum(cost_usd) * 1e6) AS costMicros, sum(input_tokens) AS inputTokens FROM usage_events_15m`,
  )
  // The cost/token points the writer marked as candidates, raw and in their rollup (only those may count).
  const candidates = await one(
    client,
    `SELECT (SELECT round(sumIf(delta, metric_name = 'claude_code.cost.usage' AND usage_candidate = 1) * 1e6) FROM metric_points) AS raw,
            (SELECT round(sum(cost_usd) * 1e6) FROM usage_metric_candidates_15m) AS rollup`,
  )
  const activity = await one(
    client,
    `SELECT sum(events) AS events, sum(prompts) AS prompts, sum(metric_points) AS metricPoints,
            sum(lines_added) AS linesAdded, sum(sessions_started) AS sessionsStarted FROM user_activity_15m`,
  )
  // Sessions are counted once, at their first stored record (collector/writer/sessions.ts): the marks in the
  // raw tables, and the sessions every tier counts, equal the distinct sessions stored.
  const sessions = await one(
    client,
    `SELECT (SELECT uniqExact(session_id) FROM (SELECT session_id FROM events UNION ALL SELECT session_id FROM metric_points) WHERE session_id != '') AS distinctSessions,
            (SELECT countIf(session_start = 1) FROM events) + (SELECT countIf(session_start = 1) FROM metric_points) AS marked,
            (SELECT sum(new_sessions) FROM user_activity_15m) AS tier15m, (SELECT sum(new_sessions) FROM user_activity_1h) AS tier1h,
            (SELECT sum(new_sessions) FROM user_activity_1d) AS tier1d`,
  )
  // The coarser tiers are fed from the finer ones (migration 0010): after every kill and rebuild they must
  // still hold the same totals. Named figure@table: each must equal the acknowledged figure.
  const tiers: Record<string, number> = {}
  for (const table of ['user_activity_1h', 'user_activity_1d']) {
    const t = await one(client, `SELECT sum(events) AS events, sum(prompts) AS prompts, sum(metric_points) AS metricPoints FROM ${table}`)
    for (const [k, v] of Object.entries(t)) tiers[`${k}@${table}`] = v
  }
  for (const table of ['usage_events_1h', 'usage_events_1d', 'usage_by_model_1h', 'usage_by_model_1d']) {
    const t = await one(client, `SELECT sum(requests) AS apiRequests, round(sum(cost_usd) * 1e6) AS costMicros FROM ${table}`)
    for (const [k, v] of Object.entries(t)) tiers[`${k}@${table}`] = v
  }
  for (const table of ['tools_1h', 'tools_1d', 'tool_decisions_1h', 'tool_decisions_1d']) {
    const t = await one(client, `SELECT sum(results) AS toolResults FROM ${table}`)
    for (const [k, v] of Object.entries(t)) tiers[`${k}@${table}`] = v
  }
  const tools = await one(client, `SELECT sum(results) AS toolResults FROM tools_15m`)
  const policy = await one(client, `SELECT countIf(event_name = 'hook_execution_complete') AS hooks FROM policy_events`)
  const coverage = await one(client, `SELECT uniqExact(session_id) AS coveredSessions FROM usage_event_coverage`)
  const parts = await selectRows<{ table: string; n: string }>(
    client,
    `SELECT table, count() AS n FROM system.parts WHERE database = currentDatabase() AND active GROUP BY table`,
  )
  return {
    events: { rows: eventRows.rows ?? 0, distinctIds: eventRows.ids ?? 0, finalRows: eventRows.final ?? 0, ...compare(keys.events, eventKeys) },
    points: { rows: pointRows.rows ?? 0, distinctIds: pointRows.ids ?? 0, finalRows: pointRows.final ?? 0, ...compare(keys.points, pointKeys) },
    figures: {
      raw: { ...rawEvents, ...rawPoints },
      rollups: { ...usageEvents, ...activity, ...tools, ...policy, ...coverage, ...tiers, candidateCostMicros: candidates.rollup ?? Number.NaN },
      candidates: { rawCostMicros: candidates.raw ?? Number.NaN },
      sessions,
    },
    parts: { active: parts.reduce((n, p) => n + Number(p.n), 0), tables: Object.fromEntries(parts.map((p) => [p.table, Number(p.n)])) },
  }
}

async function main(): Promise<void> {
  const [dataDir, keysPath] = process.argv.slice(2)
  if (!dataDir || !keysPath) {
    process.stderr.write('usage: tsx test/crash/verify.ts <dataDir> <keysFile>\n')
    process.exit(2)
  }
  const keys = JSON.parse(fs.readFileSync(keysPath, 'utf8')) as KeysFile
  const client = await openWarehouse({ mode: 'embedded', path: path.join(path.resolve(dataDir), 'chdb'), database: 'ccscope' })
  try {
    process.stdout.write(JSON.stringify(await verify(client, keys)) + '\n')
  } finally {
    await client.close()
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`verify failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
  process.exit(1)
})
