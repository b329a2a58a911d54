import { describe, expect, it } from 'vitest'
import { companionShape, userRowsWithTotals } from '../dashboard/api/queries/companion'
import { datasetShape } from '../dashboard/api/queries/dataset'
import { buildRowsSql, buildTotalsSql } from '../dashboard/api/queries/dataset-sql'
import { commandOf } from '../dashboard/api/queries/drilldown'
import { csvColumns, readWhile } from '../dashboard/api/queries/export'
import { formatPeriodStart, isoFromClickHouse } from '../dashboard/api/queries/range'
import { datasetQuerySchema, isTimeZone, resolveRange, zonedMidnight } from '../schemas/analytics'

describe('time zones and ranges', () => {
  it('find local midnight in zones with odd offsets and on DST changes', () => {
    expect(zonedMidnight('2026-11-25', 'UTC').toISOString()).toBe('2026-11-25T00:00:00.000Z')
    expect(zonedMidnight('2026-11-25', 'Asia/Kolkata').toISOString()).toBe('2026-11-24T18:30:00.000Z')
    expect(zonedMidnight('2026-11-25', 'Asia/Kathmandu').toISOString()).toBe('2026-11-24T18:15:00.000Z')
    // New York leaves daylight time at 02:00 on 2026-11-01: that midnight is still EDT (-4).
    expect(zonedMidnight('2026-11-01', 'America/New_York').toISOString()).toBe('2026-11-01T04:00:00.000Z')
    expect(zonedMidnight('2026-11-02', 'America/New_York').toISOString()).toBe('2026-11-02T05:00:00.000Z')
    expect(zonedMidnight('2026-03-29', 'Europe/Berlin').toISOString()).toBe('2026-03-28T23:00:00.000Z')
    expect(zonedMidnight('2026-03-30', 'Europe/Berlin').toISOString()).toBe('2026-03-29T22:00:00.000Z')
  })

  it('widen a range to whole 15-minute buckets and default to the last 30 days', () => {
    const r = resolveRange('2026-11-01T10:07:00Z', '2026-11-01T10:52:01Z', 'UTC')
    expect([r.from.toISOString(), r.to.toISOString()]).toEqual(['2026-11-01T10:00:00.000Z', '2026-11-01T11:00:00.000Z'])
    const now = new Date('2026-11-29T13:40:00Z')
    const d = resolveRange(undefined, undefined, 'UTC', now)
    expect(d.to.toISOString()).toBe('2026-11-29T13:45:00.000Z')
    expect(d.from.toISOString()).toBe('2026-10-30T13:30:00.000Z')
  })

  it('format period starts with the zone offset', () => {
    expect(formatPeriodStart(Date.parse('2026-11-24T18:30:00Z') / 1000, 'Asia/Kolkata')).toBe('2026-11-25T00:00:00+05:30')
    expect(formatPeriodStart(Date.parse('2026-11-25T08:00:00Z') / 1000, 'America/Los_Angeles')).toBe('2026-11-25T00:00:00-08:00')
    expect(formatPeriodStart(Date.parse('2026-11-25T00:00:00Z') / 1000, 'UTC')).toBe('2026-11-25T00:00:00Z')
    expect(isoFromClickHouse('2026-11-25 02:27:33.667000000')).toBe('2026-11-25T02:27:33.667Z')
    expect(isoFromClickHouse('2026-11-25 02:15:00')).toBe('2026-11-25T02:15:00.000Z')
  })

  it('accept IANA names only', () => {
    for (const tz of ['UTC', 'Europe/Berlin', 'Asia/Kolkata', 'America/Argentina/Buenos_Aires', 'Etc/GMT+5']) expect(isTimeZone(tz), tz).toBe(true)
    for (const tz of ['', 'Mars/Base', "UTC'", '+05:30', 'Europe/Berlin; DROP', 'a'.repeat(80)]) expect(isTimeZone(tz), tz).toBe(false)
  })
})

describe('dataset SQL', () => {
  const parse = (dataset: 'cost' | 'tools', query: Record<string, unknown>) => {
    const parsed = datasetQuerySchema(dataset).safeParse(query)
    if (!parsed.success) throw new Error(parsed.error.message)
    return parsed.data
  }

  it('carries request values only as typed placeholders', () => {
    const hostile = "web' OR 1=1 --"
    const q = parse('cost', {
      from: '2026-11-01',
      to: '2026-12-01',
      groupBy: 'team',
      granularity: 'day',
      team: [hostile, 'mobile'],
      model: 'x',
      tz: 'Asia/Kolkata',
    })
    const shape = datasetShape({ ...q, measures: ['costUsd'] })
    for (const built of [buildRowsSql(shape), buildTotalsSql(shape)]) {
      expect(built.sql).not.toContain(hostile)
      expect(built.sql).not.toContain('Asia/Kolkata')
      expect(built.sql).toContain('{f_team:Array(String)}')
      expect(built.params.f_team).toEqual([hostile, 'mobile'])
      expect(built.params.tz).toBe('Asia/Kolkata')
    }
  })

  it('joins the directory for totals only where a filter or a scope needs it, not for a grouping they do not have', () => {
    // The CSV export by user: its rows need the directory (display names, teams), its total line does not.
    const byUser = datasetShape({ ...parse('cost', { groupBy: 'user', granularity: 'day' }), measures: ['costUsd'] })
    expect(buildRowsSql(byUser).sql).toContain('directory_now')
    expect(buildTotalsSql(byUser).sql).not.toContain('directory_now')
    // A team filter is the directory's team: joined.
    const filtered = datasetShape({ ...parse('cost', { groupBy: 'user', team: ['web'] }), measures: ['costUsd'] })
    expect(buildTotalsSql(filtered).sql).toContain('directory_now')
    // A manager's scope (their teams) is the directory's too.
    const scoped = datasetShape({ ...parse('cost', { groupBy: 'user' }), measures: ['costUsd'] }, { teams: ['web'] })
    expect(buildTotalsSql(scoped).sql).toContain('directory_now')
  })

  it('reads a companion by person without the directory: it is keyed by the person, not their display name', () => {
    const q = parse('cost', { groupBy: 'user', granularity: 'day' })
    const byUser = buildRowsSql(companionShape(null, q, q.range, 'user', true), { totals: false })
    expect(byUser.sql).not.toContain('directory_now')
    expect(byUser.sql).not.toContain('AS label')
    // The answer's own rows keep their display names.
    expect(buildRowsSql(datasetShape({ ...q, measures: ['costUsd'] }), { totals: false }).sql).toContain('directory_now')
    // A team is the directory's: a companion by team, or filtered by one, or for a manager's teams, joins it.
    const qTeam = parse('cost', { groupBy: 'team', granularity: 'day' })
    expect(buildRowsSql(companionShape(null, qTeam, qTeam.range, 'team', true)).sql).toContain('directory_now')
    const qFiltered = parse('cost', { groupBy: 'user', team: ['web'] })
    expect(buildRowsSql(companionShape(null, qFiltered, qFiltered.range, 'user', true)).sql).toContain('directory_now')
    expect(buildRowsSql(companionShape({ teams: ['web'] }, q, q.range, 'user', true)).sql).toContain('directory_now')
  })

  it('computes the totals block only for a read that receives it (not the CSV stream)', () => {
    const q = parse('cost', { groupBy: 'user', granularity: 'none' })
    const shape = datasetShape({ ...q, measures: ['costUsd'] })
    expect(buildRowsSql(shape).sql).toContain('WITH TOTALS')
    const streamed = buildRowsSql(shape, { totals: false }).sql
    expect(streamed).toContain('GROUP BY')
    expect(streamed).not.toContain('WITH TOTALS')
    expect(streamed).not.toContain('totals_mode')
  })

  it('takes the top groups over the whole range when a series is grouped', () => {
    const q = parse('tools', { groupBy: 'tool', granularity: 'week', sort: 'policyDenials', limit: 5 })
    const built = buildRowsSql(datasetShape({ ...q, measures: ['policyDenials'] }))
    // One pass over the source: rows per (period, group), one row per group to rank, and the totals.
    const reads = [...built.sql.matchAll(/FROM (tool_decisions_1d|tool_decisions_1h|tools_15m)\b/g)].map((m) => m[1])
    expect(reads.length).toBeGreaterThan(0)
    expect(new Set(reads).size).toBe(reads.length)
    expect(built.sql).toContain('GROUP BY GROUPING SETS ((p_ts, p_label, g), (g), ())')
    expect(built.sql).toContain('row_number() OVER (PARTITION BY g_set ORDER BY m_policyDenials DESC, g)')
    // Totals cover every group, not only the top ones.
    expect(built.sql).toContain('WHERE g_set = 3 OR (g_set = 0 AND g_rank BETWEEN 1 AND {limitGroups:UInt32})')
    expect(built.params.limitGroups).toBe(6)
  })

  it('ranks the groups in a first pass where distinct counts make three groupings dearer than two reads', () => {
    const q = datasetQuerySchema('adoption').parse({ groupBy: 'team', granularity: 'week', limit: 5 })
    const built = buildRowsSql(datasetShape({ ...q, measures: ['activeUsers'] }))
    expect(built.sql).toMatch(/^WITH \(SELECT groupArray\(g\) FROM \(/)
    expect(built.sql).toContain('ORDER BY m_activeUsers DESC, g LIMIT {limitGroups:UInt32})) AS top_groups')
    expect(built.sql).toContain('HAVING has(top_groups, g)')
    // Totals cover every group: computed before HAVING picks the top ones.
    expect(built.sql).toContain("SETTINGS totals_mode = 'before_having'")
    expect(built.sql).not.toContain('GROUPING SETS')
  })

  it('defaults sort and order sensibly and refuses sorts that cannot apply', () => {
    expect(parse('cost', {}).sort).toBe('costUsd')
    expect(parse('cost', {}).order).toBe('desc')
    expect(parse('cost', { granularity: 'day' })).toMatchObject({ sort: 'period', order: 'asc' })
    expect(datasetQuerySchema('cost').safeParse({ sort: 'period' }).success).toBe(false)
    expect(datasetQuerySchema('cost').safeParse({ sort: 'model' }).success).toBe(false)
    expect(datasetQuerySchema('cost').safeParse({ sort: 'model', groupBy: 'model' }).success).toBe(true)
  })

  it('names CSV columns stably, in snake_case', () => {
    const q = parse('cost', { groupBy: 'user', granularity: 'month' })
    expect(csvColumns(q).header).toEqual([
      'row_type',
      'period',
      'period_start',
      'user',
      'display_name',
      'cost_usd',
      'requests',
      'input_tokens',
      'output_tokens',
      'cache_read_tokens',
      'cache_creation_tokens',
      'cache_savings_usd',
      'active_user_days',
      'cost_per_active_user_day',
    ])
  })
})

describe("a timeline item's command", () => {
  it('is the full line when stored, else the command name, else the MCP server and tool', () => {
    expect(commandOf(JSON.stringify({ bash_command: 'git', full_command: 'git push --force' }))).toBe('git push --force')
    expect(commandOf(JSON.stringify({ bash_command: 'git' }))).toBe('git')
    expect(commandOf(JSON.stringify({ mcp_server_name: 'github', mcp_tool_name: 'create_issue' }))).toBe('github / create_issue')
    expect(commandOf(JSON.stringify({ full_command: '', bash_command: 'rm' }))).toBe('rm')
  })

  it('is empty for no parameters, fields that are not strings, and text that is not JSON', () => {
    expect(commandOf(undefined)).toBe('')
    expect(commandOf('')).toBe('')
    expect(commandOf('{"bash_command": 3}')).toBe('')
    expect(commandOf('[1,2]')).toBe('')
    expect(commandOf('null')).toBe('')
    expect(commandOf('{not json')).toBe('')
  })
})

describe("a per-user companion's totals", () => {
  it('count distinct users per flag and add up the active user-days, as WITH TOTALS would', () => {
    const rows = [
      { p_ts: 1, g: 'ana', c_users: 1, c_events: 1, c_metrics: 0, m_activeUserDays: 1 },
      { p_ts: 2, g: 'ana', c_users: 1, c_events: 0, c_metrics: 1, m_activeUserDays: 1 },
      { p_ts: 1, g: 'bo', c_users: 1, c_events: 0, c_metrics: 1, m_activeUserDays: 1 },
      { p_ts: 2, g: 'cy', c_users: 0, c_events: 0, c_metrics: 0, m_activeUserDays: 0 },
    ]
    expect(userRowsWithTotals(rows).totals).toEqual({ c_users: 2, c_events: 1, c_metrics: 2, m_activeUserDays: 3 })
    expect(userRowsWithTotals(rows.map(({ m_activeUserDays: _, ...r }) => r)).totals).toEqual({ c_users: 2, c_events: 1, c_metrics: 2 })
    expect(userRowsWithTotals([]).totals).toEqual({ c_users: 0, c_events: 0, c_metrics: 0 })
  })
})

describe('reading rows ahead while the companion is awaited (readWhile)', () => {
  async function* numbers(n: number, failAt?: number) {
    for (let i = 0; i < n; i++) {
      await new Promise((resolve) => setTimeout(resolve, 5))
      if (i === failAt) throw new Error('the rows query failed')
      yield i
    }
  }
  const after = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

  it('stops once the wait is over, and the rest of the source follows with nothing lost or repeated', async () => {
    const iterator = numbers(50)[Symbol.asyncIterator]()
    const early = await readWhile(iterator, after(30), 1_000)
    expect(early.done).toBe(false)
    expect(early.rows.length).toBeGreaterThan(0)
    expect(early.rows.length).toBeLessThan(50)
    const rest: number[] = []
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) rest.push(next.value)
    expect([...early.rows, ...rest]).toEqual(Array.from({ length: 50 }, (_, i) => i))
  })

  it('reads at most max rows, says when the source ended, and rejects with its error', async () => {
    const capped = await readWhile(numbers(50)[Symbol.asyncIterator](), new Promise(() => undefined), 7)
    expect(capped).toEqual({ rows: [0, 1, 2, 3, 4, 5, 6], done: false })
    expect(await readWhile(numbers(3)[Symbol.asyncIterator](), new Promise(() => undefined), 100)).toEqual({ rows: [0, 1, 2], done: true })
    await expect(readWhile(numbers(10, 4)[Symbol.asyncIterator](), new Promise(() => undefined), 100)).rejects.toThrow('the rows query failed')
  })
})
