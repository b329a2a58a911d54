import type { DeathPoint } from './collector-process'
import type { Totals } from './totals'
import type { Verification } from './verify'

/** The crash test's report: per-trial records, the comparison of acknowledged, raw and rollup figures. */

export interface Trial {
  trial: number
  /** ms from spawn to ready (undefined if killed during start-up). */
  startMs?: number
  /** ms of load before the kill (ms after spawn, for a kill drawn to land in start-up). */
  killAfterMs: number
  died: DeathPoint
  table?: string
  /** Requests sent and unanswered at the kill: their outcome was unknown to the exporters. */
  inFlight: number
  insertsCommitted: number
  /** Time the committed inserts took, in total (ms). */
  insertMs: number
  /** Rollup rebuilds after an interrupted insert, and their time (ms). */
  rebuilds: number
  rebuildMs: number
  /** Records the writer found stored and skipped in this run: retries of requests whose answer was lost. */
  duplicatesSkipped: number
}

export interface Mismatch {
  figure: string
  acknowledged: number
  raw: number
  rollup: number | undefined
}

export interface CrashReport {
  seed: number
  trials: number
  durationMs: number
  dataDir: string
  requests: { batches: number; acknowledged: number; sent: number; retries: number; retryCauses: Record<string, number>; unknownOutcomes: number }
  records: { events: number; metricPoints: number }
  kills: {
    total: number
    duringStartup: number
    duringInsert: number
    duringInsertByTable: Record<string, number>
    duringRebuild: number
    withRequestsInFlight: number
  }
  /** What the writer did about the kills: rollup rebuilds, and retried records it found already stored. */
  recovery: { rebuilds: number; rebuildMs: number; duplicatesSkipped: number }
  events: Verification['events']
  points: Verification['points']
  /** Figures where acknowledged, raw tables and rollups disagree. */
  mismatches: Mismatch[]
  acknowledged: Totals
  summaryApi: {
    apiRequests: number | null
    costUsd: number
    prompts: number | null
    inputTokens: number
    expected: { apiRequests: number; costUsd: number; prompts: number; inputTokens: number }
  }
  gracefulExitCode: number | null
  parts: Verification['parts']
  trialLog: Trial[]
  ok: boolean
}

/** Each acknowledged figure and the rollup figure that must equal it (named by verify.ts, as the raw one). */
const FIGURES: Array<[keyof Totals, string | undefined]> = [
  ['events', 'events'],
  ['apiRequests', 'apiRequests'],
  ['costMicros', 'costMicros'],
  ['inputTokens', 'inputTokens'],
  ['prompts', 'prompts'],
  ['toolResults', 'toolResults'],
  ['hooks', 'hooks'],
  ['metricPoints', 'metricPoints'],
  // Metric cost and tokens are compared raw only: their rollup holds just the candidates (checked below).
  ['metricCostMicros', undefined],
  ['metricInputTokens', undefined],
  ['linesAdded', 'linesAdded'],
  ['sessionsStarted', 'sessionsStarted'],
]

export function mismatches(acked: Totals, verification: Verification): Mismatch[] {
  const out: Mismatch[] = []
  const { raw, rollups } = verification.figures
  for (const [figure, rollupKey] of FIGURES) {
    const rawValue = raw[figure] ?? Number.NaN
    const rollup = rollupKey === undefined ? undefined : (rollups[rollupKey] ?? Number.NaN)
    if (rawValue !== acked[figure] || (rollup !== undefined && rollup !== acked[figure]))
      out.push({ figure, acknowledged: acked[figure], raw: rawValue, rollup })
  }
  // Every coarser tier equals the acknowledged figure it rolls up (figure@table, verify.ts).
  for (const [key, value] of Object.entries(rollups)) {
    const [figure, table] = key.split('@')
    if (figure === undefined || table === undefined || !(figure in acked)) continue
    const expected = acked[figure as keyof Totals]
    if (value !== expected) out.push({ figure: key, acknowledged: expected, raw: raw[figure] ?? Number.NaN, rollup: value })
  }
  // The candidate metric cost rolled up equals the raw points marked as candidates.
  if (rollups.candidateCostMicros !== verification.figures.candidates.rawCostMicros)
    out.push({
      figure: 'candidateCostMicros',
      acknowledged: Number.NaN,
      raw: verification.figures.candidates.rawCostMicros,
      rollup: rollups.candidateCostMicros,
    })
  // Each stored session marked once, and counted once in every tier.
  const s = verification.figures.sessions
  for (const key of ['marked', 'tier15m', 'tier1h', 'tier1d'])
    if (s[key] !== s.distinctSessions) out.push({ figure: `sessions:${key}`, acknowledged: Number.NaN, raw: s.distinctSessions ?? Number.NaN, rollup: s[key] })
  // Sessions with api_request events must all be "covered" (their metric points are not counted again).
  if (raw.coveredSessions !== rollups.coveredSessions)
    out.push({ figure: 'coveredSessions', acknowledged: Number.NaN, raw: raw.coveredSessions ?? Number.NaN, rollup: rollups.coveredSessions })
  return out
}

/** The report as a few readable lines. */
export function formatReport(r: CrashReport): string {
  const rows: Array<[string, string]> = [
    [
      'trials (kill -9)',
      `${r.trials}: ${r.kills.duringStartup} during start-up, ${r.kills.duringInsert} during an INSERT ${JSON.stringify(r.kills.duringInsertByTable)}, ` +
        `${r.kills.duringRebuild} during a rollup rebuild, ${r.kills.withRequestsInFlight} with requests in flight`,
    ],
    [
      'requests',
      `${r.requests.batches} batches, ${r.requests.sent} sends, ${r.requests.acknowledged} acknowledged, ${r.requests.retries} retries ${JSON.stringify(r.requests.retryCauses)}`,
    ],
    ['unknown outcomes', `${r.requests.unknownOutcomes} requests cut off by a kill (all retried)`],
    [
      'recovery',
      `${r.recovery.rebuilds} rollup rebuilds after an interrupted insert (${r.recovery.rebuildMs} ms in all); ${r.recovery.duplicatesSkipped} retried records found already stored and skipped`,
    ],
    [
      'events',
      `${r.records.events} acknowledged; stored ${r.events.rows} rows (${r.events.distinctIds} ids, ${r.events.finalRows} FINAL); lost ${r.events.lost}, duplicated ${r.events.duplicated}, unexpected ${r.events.unexpected}`,
    ],
    [
      'metric points',
      `${r.records.metricPoints} acknowledged; stored ${r.points.rows} rows (${r.points.distinctIds} ids, ${r.points.finalRows} FINAL); lost ${r.points.lost}, duplicated ${r.points.duplicated}, unexpected ${r.points.unexpected}`,
    ],
    [
      'rollups vs raw vs acked',
      r.mismatches.length === 0 ? 'all equal' : r.mismatches.map((m) => `${m.figure}: acked ${m.acknowledged}, raw ${m.raw}, rollup ${m.rollup}`).join('; '),
    ],
    [
      'summary API',
      `requests ${r.summaryApi.apiRequests}/${r.summaryApi.expected.apiRequests}, cost ${r.summaryApi.costUsd}/${r.summaryApi.expected.costUsd}, prompts ${r.summaryApi.prompts}/${r.summaryApi.expected.prompts}, input tokens ${r.summaryApi.inputTokens}/${r.summaryApi.expected.inputTokens}`,
    ],
    ['graceful stop', `exit code ${r.gracefulExitCode}`],
    ['duration', `${Math.round(r.durationMs / 1000)} s`],
    ['result', r.ok ? 'PASS' : 'FAIL'],
  ]
  const width = Math.max(...rows.map(([k]) => k.length))
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n')
}
