import { z } from 'zod'
import type { Reader } from './pool'
import { traced } from '../runtime/traced'

/*
 * The one way the API reads the warehouse: SQL text with typed placeholders ({name:Type}) and a zod schema
 * for its rows. Rows come back as arrays after a row of their column names (ROWS_AS), are made objects by
 * those names, and each is parsed by the schema: what the API hands on is what the schema says, never a cast.
 */

/**
 * The format of the API's reads: JSON arrays, one per row, after a first one of column names. The same values as
 * JSONEachRow without each row's keys; the embedded engine writes it (and Node.js parses it) in half the time:
 * 8 382 rows of 12 columns at 100 M events (the cost export by user per day) 72-80 → 35-37 ms for the read, of which
 * 20 ms is the query itself (bench/results, docs/benchmarks.md "Rows without their keys").
 */
const ROWS_AS = 'JSONCompactEachRowWithNames'

/** Rows as objects keyed by the column names that came first (ROWS_AS). */
function namedRows(rows: readonly unknown[]): unknown[] {
  const [names, ...values] = rows
  if (!Array.isArray(names)) return []
  return values.map((row) => named(names as string[], row))
}

function named(names: readonly string[], row: unknown): unknown {
  if (!Array.isArray(row)) return row
  const out: Record<string, unknown> = {}
  for (let i = 0; i < names.length; i++) out[names[i] as string] = row[i]
  return out
}

/**
 * How the API's reads ask for JSON: 64-bit integers as JSON numbers, not quoted strings. Every integer the
 * API reads is a count or a token sum, far below 2^53 (9e15), where a JSON number is exact; a quoted one
 * had to be parsed by a union of schemas per value, which was half of what an export allocated (100 of
 * 200 MB for 8 800 rows at 10 M events, bench:api). Not-finite floats arrive as null (ClickHouse's default).
 */
const ROW_FORMAT = { output_format_json_quote_64bit_integers: 0 } as const

/**
 * What every API read runs with: ROW_FORMAT, and no implied comparisons added to AND chains
 * (`optimize_and_compare_chain`, on by default: `a < b AND b < 5` also gets `a < 5`). Deriving them was 25-40 ms of the
 * billing reconciliation's 66-72 ms of query analysis at 100 M events (`EXPLAIN QUERY TREE passes = 41`; the answer
 * 124-131 → 86-91 ms), for conditions that gain nothing by them: the key's ranges are analysed without them. The
 * setting only adds conditions that the others imply, so no answer changes.
 */
export const READ_SETTINGS = { ...ROW_FORMAT, optimize_and_compare_chain: 0 } as const

export interface Query<Row extends z.ZodType> {
  sql: string
  params: Record<string, unknown>
  row: Row
}

export class RowShapeError extends Error {
  constructor(sql: string, issue: string) {
    super(`a warehouse row did not match its schema (${issue}) in: ${sql.replace(/\s+/g, ' ').slice(0, 160)}`)
    this.name = 'RowShapeError'
  }
}

function parseRow<Row extends z.ZodType>(query: Query<Row>, raw: unknown): z.output<Row> {
  const parsed = query.row.safeParse(raw)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new RowShapeError(query.sql, `${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`)
  }
  return parsed.data
}

export async function run<Row extends z.ZodType>(client: Reader, query: Query<Row>): Promise<z.output<Row>[]> {
  // The SQL is code-owned text (request values are placeholders): its start names the query on the span.
  return traced('ccscope.query', { 'db.system.name': 'clickhouse' }, async (span) => {
    // Only when spans are exported: no string work per query otherwise.
    if (span.isRecording()) span.setAttribute('db.query.summary', query.sql.replace(/\s+/g, ' ').trim().slice(0, 120))
    const result = await client.query({
      query: query.sql,
      query_params: query.params,
      format: ROWS_AS,
      clickhouse_settings: READ_SETTINGS,
    })
    const rows = namedRows(await result.json<unknown>())
    span.setAttribute('db.response.returned_rows', rows.length)
    return rows.map((raw) => parseRow(query, raw))
  })
}

/** A row of runAll's combined query: the read it belongs to and its columns as a JSON object. */
const partRow = z.object({ _part: z.number().int().nonnegative(), _row: z.string() })

/** A typed placeholder's opening, `{name:`, whose name runAll makes each read's own. */
const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_]*):/g

/** A read's own SETTINGS clause. */
const OWN_SETTINGS = /\bSETTINGS\s+[A-Za-z_]+\s*=/i

/** Each read's rows, in the order the reads were given. */
export type RowsOfAll<Qs extends readonly Query<z.ZodType>[]> = { -readonly [K in keyof Qs]: z.output<Qs[K]['row']>[] }

/**
 * Several independent reads as one engine query: each read's rows, parsed by its own schema, as `run` would give
 * them, in one round trip. On the embedded engine a query has a fixed cost (a context, its analysis, a pipeline
 * started) and separate queries contend for the two cores; as the parts of one UNION ALL the reads' pipelines run
 * side by side in one. The Reliability page's nine reads at 100 M events: 157 / 166 ms (p50 / p95) as separate
 * queries at once, 117 / 131 as one (docs/benchmarks.md, "One query for a page's reads").
 *
 * Each part's rows travel as one JSON object per row (formatRowNoNewline), numbered as the part produced them
 * (rowNumberInAllBlocks, after the part's own ORDER BY and LIMIT, on the part's single sorted stream), and come back
 * in that order (the union keeps each part's stream in order anyway; the ORDER BY makes it a rule, at no cost worth
 * measuring). Each read keeps its own parameters (renamed apart). A read with SETTINGS of its own is refused: as a
 * subquery's they would not apply as a query's do (the waste's loops read, which fixes its join's build side, took
 * 128 → 272 ms as a part), so such a read runs alone.
 */
export async function runAll<const Qs extends readonly Query<z.ZodType>[]>(client: Reader, queries: Qs): Promise<RowsOfAll<Qs>> {
  if (queries.length === 0) return [] as unknown as RowsOfAll<Qs>
  const params: Record<string, unknown> = {}
  const parts = queries.map((query, i) => {
    if (OWN_SETTINGS.test(query.sql)) throw new Error(`runAll: a read with settings of its own runs alone (run): ${query.sql.slice(0, 80)}`)
    // Each read's parameters under names of its own ({from:…} of read 2 is {q2_from:…}): reads built apart may use one name.
    for (const [name, value] of Object.entries(query.params)) params[`q${i}_${name}`] = value
    const sql = query.sql.replace(PLACEHOLDER, `{q${i}_$1:`)
    return `SELECT ${i} AS _part, rowNumberInAllBlocks() AS _ord, formatRowNoNewline('JSONEachRow', *) AS _row FROM (${sql})`
  })
  const combined: Query<typeof partRow> = {
    sql: `SELECT _part, _row FROM (${parts.join('\nUNION ALL\n')}) ORDER BY _part, _ord`,
    params,
    row: partRow,
  }
  const out = queries.map(() => [] as unknown[])
  for (const { _part, _row } of await run(client, combined)) {
    const query = queries[_part]
    if (query === undefined) throw new RowShapeError(combined.sql, `no read ${_part}`)
    out[_part]?.push(parseRow(query, JSON.parse(_row)))
  }
  return out as RowsOfAll<Qs>
}

/** The rows one at a time as the engine sends them (exports): parsed like run's. */
export interface RowStream<T> extends AsyncIterable<T> {
  /** Drops the result unread (a caller that failed before reading it): a server's connection is freed. */
  cancel(): void
}

export function stream<Row extends z.ZodType>(client: Reader, query: Query<Row>): RowStream<z.output<Row>> {
  // The query starts now, not at the first read: a caller can run other queries while this one computes.
  const started = client.query({
    query: query.sql,
    query_params: query.params,
    format: ROWS_AS,
    clickhouse_settings: READ_SETTINGS,
  })
  // A caller that fails before reading still gets the error when (if) it reads; none goes unhandled.
  started.catch(() => undefined)
  return {
    async *[Symbol.asyncIterator]() {
      const result = await started
      let names: string[] | undefined
      for await (const batch of result.stream<unknown>())
        for (const row of batch) {
          const values = row.json()
          if (names === undefined) names = values as string[]
          else yield parseRow(query, named(names, values))
        }
    },
    cancel() {
      void started.then(
        (result) => result.close(),
        () => undefined,
      )
    },
  }
}

/** Column schemas for the API's reads (ROW_FORMAT): plain checks, which zod parses without allocating per value. */
export const ch = {
  /** An integer column (UInt64 sums and counts included): a finite number. */
  count: z.number(),
  /** A Float64, NULL where it is undefined (a ratio of zero, a not-finite value). */
  number: z.number().nullable(),
  string: z.string(),
  /** A DateTime or DateTime64 in UTC as ClickHouse prints it: "2026-11-25 02:27:33.667000000" → ISO-8601 to the ms. */
  dateTime: z.string().transform((text) => {
    const [date, time = '00:00:00'] = text.split(' ')
    const [hms, fraction = ''] = time.split('.')
    return `${date}T${hms}.${fraction.padEnd(3, '0').slice(0, 3)}Z`
  }),
  boolean: z.unknown().transform((v, ctx) => {
    if (typeof v !== 'boolean' && typeof v !== 'number' && typeof v !== 'string') {
      ctx.addIssue({ code: 'custom', message: `not a boolean: ${String(v)}` })
      return z.NEVER
    }
    return v === true || v === 1 || v === '1' || v === 'true'
  }),
}
