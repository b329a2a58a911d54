import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openReadSessions, openWarehouse, selectRows, type Warehouse, type WarehouseConfig } from '../warehouse/client'
import { DIRECTORY_NOW, directoryNowStatements, openDirectoryNow } from '../warehouse/directory-now'
import { migrate } from '../warehouse/migrate'

/**
 * `directory_now` (warehouse/directory-now.ts): the directory's newest load as a dictionary, which every read session
 * of the embedded engine sees once a load is reloaded; a view of the same rows where the dictionary cannot be made.
 */
describe('the directory as the reads join it', () => {
  let dir: string
  let ch: Extract<WarehouseConfig, { mode: 'embedded' }>
  let client: Warehouse
  let reader: Warehouse
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ccscope-directory-now-'))
    ch = { mode: 'embedded', path: dir, database: 'ccscope' }
    client = await openWarehouse(ch)
    await migrate(client)
    ;[reader] = (await openReadSessions(ch, 1)) as [Warehouse]
  })
  afterAll(async () => {
    await reader?.close()
    await client?.close()
    fs.rmSync(dir, { recursive: true, force: true })
  })

  const load = (loadId: number, rows: { user_key: string; team_id?: string; display_name?: string; seat?: boolean }[]) =>
    client.insert({ table: 'directory', format: 'JSONEachRow', values: rows.map((r) => ({ load_id: loadId, seat: false, ...r })) })
  // Attribution as the reads do it: the directory's team where it names one, else the telemetry's.
  const teams = () =>
    selectRows<{ k: string; team: string; name: string; seat: boolean }>(
      reader,
      `SELECT x.k AS k, if(d.d_team != '', d.d_team, 'telemetry') AS team, d.d_name AS name, d.d_seat AS seat
       FROM (SELECT arrayJoin(['ada@x', 'bo@x', 'cy@x']) AS k) AS x LEFT ANY JOIN ${DIRECTORY_NOW} AS d ON x.k = d.d_user ORDER BY k`,
    )

  it('is a dictionary whose reload shows a new load to another engine session, and only the newest load', async () => {
    const now = await openDirectoryNow(client, ch)
    expect(now.kind).toBe('dictionary')
    expect(await teams()).toEqual([
      { k: 'ada@x', team: 'telemetry', name: '', seat: false },
      { k: 'bo@x', team: 'telemetry', name: '', seat: false },
      { k: 'cy@x', team: 'telemetry', name: '', seat: false },
    ])
    await load(1, [
      { user_key: 'ada@x', team_id: 'platform', display_name: 'Ada', seat: true },
      { user_key: 'bo@x', team_id: '' },
    ])
    // Stored, not yet reloaded: the reads still join the load they had.
    expect((await teams())[0]?.team).toBe('telemetry')
    await now.reload()
    expect(await teams()).toEqual([
      { k: 'ada@x', team: 'platform', name: 'Ada', seat: true },
      { k: 'bo@x', team: 'telemetry', name: '', seat: false },
      { k: 'cy@x', team: 'telemetry', name: '', seat: false },
    ])
    // A newer load replaces the whole directory: Ada is no longer in it.
    await load(2, [{ user_key: 'cy@x', team_id: 'mobile' }])
    await now.reload()
    expect((await teams()).map((r) => r.team)).toEqual(['telemetry', 'telemetry', 'mobile'])
    expect(await selectRows(reader, `SELECT count() AS n FROM ${DIRECTORY_NOW} WHERE d_user != ''`)).toEqual([{ n: '1' }])
  })

  it('falls back to a view of the newest load where the dictionary is refused, and back to a dictionary after', async () => {
    const refusing = new Proxy(client, {
      get(target, key, receiver) {
        if (key !== 'command') return Reflect.get(target, key, receiver)
        return (params: { query: string }) =>
          params.query.startsWith('CREATE OR REPLACE DICTIONARY') ? Promise.reject(new Error('Not enough privileges')) : target.command(params)
      },
    })
    const view = await openDirectoryNow(refusing, ch)
    expect(view.kind).toBe('view')
    expect(await selectRows(client, 'SELECT engine FROM system.tables WHERE database = currentDatabase() AND name = {n:String}', { n: DIRECTORY_NOW })).toEqual(
      [{ engine: 'View' }],
    )
    // A view reads the newest load as it is stored: no reload needed.
    await load(3, [{ user_key: 'bo@x', team_id: 'data' }])
    expect((await teams()).map((r) => r.team)).toEqual(['telemetry', 'data', 'telemetry'])
    const dictionary = await openDirectoryNow(client, ch)
    expect(dictionary.kind).toBe('dictionary')
    expect((await teams()).map((r) => r.team)).toEqual(['telemetry', 'data', 'telemetry'])
  })

  it("names a server's credentials and cluster as quoted literals, none on the embedded engine, and every statement parses", async () => {
    const embedded = directoryNowStatements(ch)
    expect(Object.values(embedded).join('\n')).not.toMatch(/USER|PASSWORD|ON CLUSTER/)
    const server = directoryNowStatements({
      mode: 'server',
      url: 'http://ch:8123',
      user: 'ccscope',
      password: "p'a\\ss",
      database: 'analytics',
      cluster: 'main-1',
    })
    expect(server.dictionary).toContain("CREATE OR REPLACE DICTIONARY analytics.directory_now ON CLUSTER 'main-1'")
    expect(server.dictionary).toContain("USER 'ccscope' PASSWORD 'p\\'a\\\\ss'")
    expect(server.dictionary).toContain('FROM analytics.directory WHERE load_id = (SELECT max(load_id) FROM analytics.directory)')
    expect(server.dictionary).toMatch(/LIFETIME\(MIN \d+ MAX \d+\)/)
    expect(server.reload).toBe("SYSTEM RELOAD DICTIONARY ON CLUSTER 'main-1' analytics.directory_now")
    // The engine's own parser takes every statement (formatQuery needs no cluster), and refuses a broken one.
    const parses = async (statement: string) => (await selectRows<{ f: string }>(client, 'SELECT formatQuery({q:String}) AS f', { q: statement }))[0]?.f
    for (const statement of [...Object.values(server), ...Object.values(embedded)])
      await expect(parses(statement), statement).resolves.toMatch(/^(CREATE|SYSTEM|DROP)/)
    await expect(parses(server.dictionary.replace('PRIMARY KEY', 'PRIMARY'))).rejects.toThrow(/Syntax error/)
  })
})
