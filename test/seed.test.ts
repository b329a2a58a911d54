import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { seedWarehouse, type SeedResult } from '../bench/seed'
import type { SummaryResponse } from '../schemas/analytics'
import { simulate } from '../simulator/run'
import { selectRows, type Warehouse } from '../warehouse/client'
import { startTestCcscope, type TestCcscope } from './helpers/ccscope'

/**
 * The bench seed (bench/seed.ts) writes what the collector stores: its template, the simulator's sessions
 * mapped in-process, equals the same sessions sent by the simulator over OTLP/HTTP to a running ccscope,
 * row for row, and the dashboard's figures agree. Copies are the template re-keyed: other sessions and
 * users, the same figures each. (One engine per process: each step empties the warehouse first.)
 */

const END = new Date('2026-11-20T00:00:00Z')
const DAYS = 2
const SEED = 7
const RANGE = { from: new Date(END.getTime() - DAYS * 86_400_000), to: END }

let cc: TestCcscope
beforeAll(async () => {
  cc = await startTestCcscope()
}, 60_000)
afterAll(async () => {
  await cc?.stop()
})

/** Every table emptied (the views' targets included), the migrations kept. */
async function empty(client: Warehouse): Promise<void> {
  const tables = await selectRows<{ name: string }>(
    client,
    "SELECT name FROM system.tables WHERE database = currentDatabase() AND engine NOT LIKE '%View' AND engine != 'Dictionary' AND name != 'schema_migrations'",
  )
  // Names read from the engine's own catalog, never from a request.
  for (const { name } of tables) await client.command({ query: `TRUNCATE TABLE ${name}` })
}

/** A table's rows without what depends on when and in which flush they were written. */
function rows(client: Warehouse, table: 'events' | 'metric_points'): Promise<Record<string, unknown>[]> {
  return selectRows(
    client,
    `SELECT * EXCEPT (ingested_at, session_start${table === 'metric_points' ? ', usage_candidate' : ''}) FROM ${table} FINAL ORDER BY id`,
  )
}

/** Marked records per session, over both tables. */
function marks(client: Warehouse): Promise<Array<{ s: string; n: string }>> {
  return selectRows(
    client,
    `SELECT session_id AS s, sum(session_start) AS n FROM (
       SELECT session_id, session_start FROM events FINAL UNION ALL SELECT session_id, session_start FROM metric_points FINAL
     ) GROUP BY s ORDER BY s`,
  )
}

const counts = (client: Warehouse) =>
  selectRows<Record<string, string>>(
    client,
    `SELECT count() AS events, uniqExact(id) AS ids, uniqExact(session_id) AS sessions, uniqExactIf(prompt_id, prompt_id != '') AS prompts,
       uniqExact(user_key) AS users, uniqExact(user_key, user_id, user_email, enduser_id, user_account_uuid) AS identities,
       uniqExact(attributes['session.id']) AS attributed, countIf(attributes['session.id'] != session_id) AS mismatched
     FROM events`,
  ).then((r) => r[0] ?? {})

let first: { result: SeedResult; summary: SummaryResponse; counts: Record<string, string>; sessions: number } | undefined

describe('the bench seed', () => {
  it('stores the simulated sessions as the collector stores them when they are sent over OTLP', async () => {
    const result = await seedWarehouse(cc.client, { events: 2_000, users: 8, days: DAYS, end: END, seed: SEED })
    expect(result.copies).toBe(1)
    expect(result.events).toBeGreaterThan(500)
    const seeded = {
      events: await rows(cc.client, 'events'),
      points: await rows(cc.client, 'metric_points'),
      marks: await marks(cc.client),
      summary: await cc.summary(RANGE),
    }
    first = { result, summary: seeded.summary, counts: await counts(cc.client), sessions: seeded.marks.length }

    await empty(cc.client)
    const run = await simulate({
      users: result.template.users,
      days: DAYS,
      seed: SEED,
      end: END,
      protocol: 'http/protobuf',
      temporality: 'delta',
      endpoint: cc.otlpUrl,
    })
    expect(run.partialSuccess).toEqual([])
    expect({ events: run.truths.logRecords, points: run.truths.metricPoints }).toEqual({ events: result.events, points: result.metricPoints })
    expect(seeded.events).toEqual(await rows(cc.client, 'events'))
    expect(seeded.points).toEqual(await rows(cc.client, 'metric_points'))
    // Every session counted once (the collector may mark another of its first records, by arrival order).
    expect(seeded.marks.every((m) => Number(m.n) === 1)).toBe(true)
    expect(seeded.marks).toEqual(await marks(cc.client))
    expect(seeded.summary).toEqual(await cc.summary(RANGE))
  }, 180_000)

  it('copies the template with other sessions and users, each copy the same figures', async () => {
    const one = first
    if (!one) throw new Error('the first test seeds the template this one copies')
    await empty(cc.client)
    // The same template (its size is asked for), three copies of it, one INSERT each, three users per template user.
    const three = await seedWarehouse(cc.client, {
      events: 3 * one.result.events,
      users: 3 * one.result.template.users,
      days: DAYS,
      end: END,
      seed: SEED,
      templateEvents: 2_000,
      chunkRows: 1,
    })
    expect(three.template).toEqual(one.result.template)
    expect({ copies: three.copies, events: three.events, points: three.metricPoints, users: three.users }).toEqual({
      copies: 3,
      events: 3 * one.result.events,
      points: 3 * one.result.metricPoints,
      users: 3 * one.result.users,
    })
    const a = one.counts
    expect(await counts(cc.client)).toEqual({
      events: String(3 * Number(a.events)),
      ids: String(3 * Number(a.ids)),
      sessions: String(3 * Number(a.sessions)),
      prompts: String(3 * Number(a.prompts)),
      users: String(3 * Number(a.users)),
      identities: String(3 * Number(a.users)),
      attributed: String(3 * Number(a.sessions)),
      mismatched: '0',
    })
    const sessions = await marks(cc.client)
    expect(sessions.length).toBe(3 * one.sessions)
    expect(sessions.every((m) => Number(m.n) === 1)).toBe(true)
    const x = one.summary
    const y = await cc.summary(RANGE)
    expect(y.costUsd).toBeCloseTo(3 * x.costUsd, 6)
    expect({ sessions: y.sessions, users: y.users, requests: y.apiRequests, prompts: y.prompts }).toEqual({
      sessions: 3 * x.sessions,
      users: 3 * x.users,
      requests: 3 * (x.apiRequests ?? 0),
      prompts: 3 * (x.prompts ?? 0),
    })
  }, 180_000)
})
