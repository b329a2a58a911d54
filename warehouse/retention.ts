import type { ClickHouseSettings } from '@clickhouse/client'
import { selectRows, type Warehouse } from './client'
import { partsOf, partsTableName, type ClusterTarget } from './ddl'
import { timeColumn } from './rows'

/**
 * Retention: a TTL on the raw tables and a longer one on the rollups the dashboard reads, so that
 * drill-down detail ages out first while totals stay. Days are configuration (CCSCOPE_RETENTION_*),
 * validated as integers in server/config.ts; 0 removes the TTL (keep forever).
 *
 * Applied at start-up, and only where a table's TTL differs from the configuration. A changed TTL makes
 * ClickHouse recompute the expiry of every existing part: that runs as a background mutation, so start-up
 * does not wait for it. Expired rows are deleted by the engine's merges, not at once.
 */

/** Each table and the time column its age is measured on. */
export const RETENTION_TABLES = {
  raw: timeColumn,
  /** Fed by views, kept for the rollup retention: the totals and charts. */
  rollup: {
    user_activity_15m: 'bucket',
    user_activity_1h: 'bucket',
    user_activity_1d: 'bucket',
    usage_events_15m: 'bucket',
    usage_events_1h: 'bucket',
    usage_events_1d: 'bucket',
    usage_by_model_1h: 'bucket',
    usage_by_model_1d: 'bucket',
    tools_15m: 'bucket',
    tools_1h: 'bucket',
    tools_1d: 'bucket',
    tool_decisions_1h: 'bucket',
    tool_decisions_1d: 'bucket',
    policy_activity_15m: 'bucket',
    policy_activity_1h: 'bucket',
    policy_activity_1d: 'bucket',
    usage_metric_candidates_15m: 'bucket',
    usage_metric_candidates_1h: 'bucket',
    usage_metric_candidates_1d: 'bucket',
    usage_candidate_sessions: 'day',
    policy_events: 'timestamp',
    reliability_events: 'timestamp',
    reliability_1d: 'day',
    attribution_1d: 'day',
    usage_event_coverage: 'day',
  },
  /**
   * Written by the collector's writer, not by a view, and kept for the rollup retention: the copies of noted
   * candidates (0030), which expire with the candidates they cancel. The writer's rebuild of a day copies them again
   * (collector/writer/rebuild.ts), rather than deleting them as a view-fed table's.
   */
  noted: {
    usage_noted_candidates_15m: 'bucket',
  },
  /** Fed by views, but drill-down detail: kept as long as the raw rows it summarizes. */
  detail: {
    sessions: 'day',
    policy_denials: 'timestamp',
    session_marks: 'timestamp',
  },
} as const

/** Every view-fed table and the time column its days are measured on (the rebuild deletes by it). */
export const DERIVED_TABLES: Record<string, string> = { ...RETENTION_TABLES.rollup, ...RETENTION_TABLES.detail }

export interface RetentionDays {
  rawDays: number
  rollupDays: number
}

export interface RetentionReport {
  /** Tables whose TTL was changed by this call. */
  changed: string[]
  summary: string
}

/** The TTL expression as ClickHouse prints it in system.tables.engine_full. */
export function ttlExpression(column: string, days: number): string {
  return `toDateTime(${column}) + toIntervalDay(${days})`
}

/** The TTL clause of an engine_full string, or '' when the table has none. */
export function currentTtl(engineFull: string): string {
  const match = /\bTTL (.+?)(?: SETTINGS |$)/.exec(engineFull)
  return match?.[1]?.trim() ?? ''
}

/** The statements that set (days > 0) or remove a table's TTL, on one node or on a cluster's local tables. */
export function retentionStatements(
  table: string,
  column: string,
  days: number,
  cluster: ClusterTarget | null,
): { query: string; clickhouse_settings?: ClickHouseSettings }[] {
  const target = partsOf(table, cluster)
  if (days <= 0) return [{ query: `ALTER TABLE ${target} REMOVE TTL` }]
  // The new TTL applies to new parts at once; existing parts get it from a mutation that runs in the
  // background, because computing it in the ALTER rewrites every part: on 100 M events that held
  // start-up for over ten minutes.
  return [
    {
      query: `ALTER TABLE ${target} MODIFY TTL toDateTime(${column}) + INTERVAL ${Math.trunc(days)} DAY`,
      clickhouse_settings: { materialize_ttl_after_modify: 0 },
    },
    { query: `ALTER TABLE ${target} MATERIALIZE TTL`, clickhouse_settings: { mutations_sync: '0' } },
  ]
}

export async function applyRetention(client: Warehouse, retention: RetentionDays, cluster: ClusterTarget | null = null): Promise<RetentionReport> {
  const names = Object.values(RETENTION_TABLES).flatMap((group) => Object.keys(group))
  const tables = await selectRows<{ name: string; engine_full: string }>(
    client,
    'SELECT name, engine_full FROM system.tables WHERE database = currentDatabase() AND name IN {names:Array(String)}',
    { names: names.map((n) => partsTableName(n, cluster)) },
  )
  const engines = new Map(tables.map((t) => [t.name, t.engine_full]))
  const changed: string[] = []
  const plan: [Record<string, string>, number][] = [
    [RETENTION_TABLES.raw, retention.rawDays],
    [RETENTION_TABLES.detail, retention.rawDays],
    [RETENTION_TABLES.rollup, retention.rollupDays],
    [RETENTION_TABLES.noted, retention.rollupDays],
  ]
  for (const [group, days] of plan) {
    for (const [table, column] of Object.entries(group)) {
      const engine = engines.get(partsTableName(table, cluster))
      if (engine === undefined) continue
      const want = days > 0 ? ttlExpression(column, days) : ''
      if (currentTtl(engine) === want) continue
      // Table and column names come from the constant above and days is a validated integer:
      // no request value reaches this DDL (placeholders cannot stand for identifiers or a TTL).
      for (const statement of retentionStatements(table, column, days, cluster)) await client.command(statement)
      changed.push(table)
    }
  }
  const describe = (d: number) => (d > 0 ? `${d} days` : 'forever')
  return { changed, summary: `raw events, metric points and spans kept ${describe(retention.rawDays)}, rollups ${describe(retention.rollupDays)}` }
}
