/**
 * Rows as written to the warehouse tables (JSONEachRow). Column names are the tables' own
 * (warehouse/migrations); DateTime64 values are decimal-second strings, e.g. "1795573653.667000000".
 */

/** Attributes as stored: every value as text (Map(String, String) columns). */
export type AttributeMap = Record<string, string>

/** Who and where a record comes from, as stored on every row (resolved in collector/normalize/identity.ts). */
export interface Identity {
  user_key: string
  user_email: string
  enduser_id: string
  user_account_uuid: string
  user_id: string
  organization_id: string
  session_id: string
  team_id: string
  department: string
  cost_center: string
  service_name: string
  service_version: string
}

export interface ScopeColumns {
  /** Label of the ingest token that brought the row (set by the ingestor; the column defaults to ''). */
  ingest_label?: string
  resource_attributes: AttributeMap
  scope_name: string
  scope_version: string
  scope_attributes: AttributeMap
}

export interface EventRow extends Identity, ScopeColumns {
  id: string
  /** Set by the writer (collector/writer/sessions.ts): the first record stored of its session. */
  session_start?: number
  timestamp: string
  observed_timestamp: string
  event_name: string
  body: string
  severity_text: string
  severity_number: number
  trace_id: string
  span_id: string
  prompt_id: string
  event_sequence: number
  terminal_type: string
  model: string
  query_source: string
  tool_name: string
  tool_source: string
  decision: string
  source: string
  request_id: string
  cost_usd: number
  input_tokens: number
  output_tokens: number
  cache_read_tokens: number
  cache_creation_tokens: number
  duration_ms: number
  attributes: AttributeMap
}

export interface MetricPointRow extends Identity, ScopeColumns {
  id: string
  /** Set by the writer (collector/writer/sessions.ts): the first record stored of its session. */
  session_start?: number
  series_id: string
  metric_name: string
  metric_type: 'sum' | 'gauge' | 'histogram' | 'exponential_histogram' | 'summary'
  temporality: 'delta' | 'cumulative' | 'unspecified'
  is_monotonic: boolean
  unit: string
  start_timestamp: string
  timestamp: string
  value: number
  /** Filled in by the writer (collector/writer/cumulative.ts) just before the insert. */
  delta: number
  /** Set by the writer (collector/writer/orphans.ts): a cost/token point no api_request event covered when written. */
  usage_candidate?: number
  count: number
  terminal_type: string
  type: string
  model: string
  query_source: string
  tool_name: string
  decision: string
  source: string
  language: string
  attributes: AttributeMap
}

export interface SpanRow extends Identity, ScopeColumns {
  id: string
  trace_id: string
  span_id: string
  parent_span_id: string
  trace_state: string
  name: string
  kind: string
  start_timestamp: string
  end_timestamp: string
  duration_ns: string
  status_code: string
  status_message: string
  model: string
  tool_name: string
  decision: string
  source: string
  attributes: AttributeMap
  'events.timestamp': string[]
  'events.name': string[]
  'events.attributes': AttributeMap[]
  'links.trace_id': string[]
  'links.span_id': string[]
  'links.attributes': AttributeMap[]
}

export interface TableRows {
  events: EventRow
  metric_points: MetricPointRow
  spans: SpanRow
}
export type TableName = keyof TableRows

/** The column each table's rows are timed by (used to bound duplicate look-ups). */
export const timeColumn: Record<TableName, string> = {
  events: 'timestamp',
  metric_points: 'timestamp',
  spans: 'start_timestamp',
}

/**
 * The String columns each table's ORDER BY key starts with (migrations 0001–0003). A duplicate has the
 * same content, so the same values: the duplicate look-up filters on them to let the primary index
 * skip the granules of other events, users and teams, instead of reading every id in a time range.
 */
export const keyPrefixColumns: Record<TableName, readonly string[]> = {
  events: ['event_name', 'team_id', 'user_key'],
  metric_points: ['metric_name', 'team_id', 'user_key'],
  spans: ['name', 'session_id'],
}

/** A row's values of its table's keyPrefixColumns, in the same order. */
export function keyPrefixValues(row: EventRow | MetricPointRow | SpanRow): string[] {
  if ('span_id' in row && 'end_timestamp' in row) return [row.name, row.session_id]
  if ('metric_name' in row) return [row.metric_name, row.team_id, row.user_key]
  return [row.event_name, row.team_id, row.user_key]
}

/** The value of a row's time column. */
export function rowTime(row: EventRow | MetricPointRow | SpanRow): string {
  return 'span_id' in row && 'end_timestamp' in row ? row.start_timestamp : row.timestamp
}
