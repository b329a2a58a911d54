import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { openWarehouse, type Warehouse } from '../warehouse/client'
import { ch, run, RowShapeError, runAll } from '../warehouse/query'

/** runAll (warehouse/query.ts): several reads as one engine query give what each would give alone, in its own order. */
describe('several reads as one query', () => {
  let dir: string
  let client: Warehouse
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ccscope-query-all-'))
    client = await openWarehouse({ mode: 'embedded', path: dir, database: 'ccscope' })
  })
  afterAll(async () => {
    await client?.close()
    fs.rmSync(dir, { recursive: true, force: true })
  })

  const numbers = z.object({ k: ch.count, v: ch.count })
  // Enough rows for the engine to sort and send them in many blocks over both cores.
  const sorted = (order: 'ASC' | 'DESC') => ({
    sql: `SELECT number % 100003 AS k, number AS v FROM numbers({n:UInt64}) ORDER BY k ${order}, v LIMIT {keep:UInt64}`,
    params: { n: 600_000, keep: 250_000 },
    row: numbers,
  })

  it('gives each read its own rows in its own order, parsed by its schema, and nothing for a read without rows', async () => {
    const grouped = {
      sql: `SELECT toString(number % 3) AS name, count() AS n, grouping(name) AS g_set, [toString(number % 3)] AS tags, avg(number) / 0 AS ratio
        FROM numbers(10) GROUP BY GROUPING SETS ((name), ()) ORDER BY g_set, name`,
      params: {},
      row: z.object({ name: ch.string, n: ch.count, g_set: ch.count, tags: z.array(z.string()), ratio: ch.number }),
    }
    const none = { sql: 'SELECT number AS k, number AS v FROM numbers(5) WHERE number > {n:UInt64}', params: { n: 10 }, row: numbers }
    const queries = [sorted('DESC'), grouped, none, sorted('ASC')] as const
    const [desc, groups, empty, asc] = await runAll(client, queries)
    expect(desc).toEqual(await run(client, sorted('DESC')))
    expect(asc).toEqual(await run(client, sorted('ASC')))
    expect(desc).toHaveLength(250_000)
    expect(desc[0]).toEqual({ k: 100_002, v: 100_002 })
    expect(asc[0]).toEqual({ k: 0, v: 0 })
    expect(groups).toEqual(await run(client, grouped))
    // 64-bit counts as numbers, an undefined ratio as null, arrays as arrays.
    expect(groups.find((g) => g.g_set === 1)).toMatchObject({ n: 10, ratio: null })
    expect(groups[0]).toMatchObject({ name: '0', n: 4, tags: ['0'] })
    expect(empty).toEqual([])
  })

  it('keeps the parameters of two reads apart when they share a name', async () => {
    const upTo = (n: number) => ({ sql: 'SELECT count() AS k, sum(number) AS v FROM numbers({n:UInt64})', params: { n }, row: numbers })
    const [three, five] = await runAll(client, [upTo(3), upTo(5)])
    expect(three).toEqual([{ k: 3, v: 3 }])
    expect(five).toEqual([{ k: 5, v: 10 }])
  })

  it('names the read whose row does not match its schema', async () => {
    const wrong = { sql: "SELECT 'x' AS k, 1 AS v", params: {}, row: numbers }
    const error = await runAll(client, [sorted('ASC'), wrong]).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RowShapeError)
    expect(String(error)).toContain("SELECT 'x' AS k")
  })

  it('refuses a read with settings of its own, which would not apply as a part', async () => {
    const own = { sql: 'SELECT 1 AS k, 2 AS v SETTINGS max_threads = 1', params: {}, row: numbers }
    await expect(runAll(client, [own])).rejects.toThrow(/settings of its own/)
    // A column that is only named so is no clause.
    const named = { sql: "SELECT 1 AS k, 2 AS v, 'x' AS settings", params: {}, row: numbers }
    expect(await runAll(client, [named])).toEqual([[{ k: 1, v: 2 }]])
    expect(await runAll(client, [])).toEqual([])
  })
})
