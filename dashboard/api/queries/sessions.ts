import { z } from 'zod'
import type { Warehouse } from '../../../warehouse/client'
import type { Reader } from '../../../warehouse/pool'
import { ch, run } from '../../../warehouse/query'
import type { SessionRow, SessionTable } from '../auth/sessions'

const sessionRow = z.object({ user_name: ch.string, credential: ch.string, expires_ms: ch.count, revoked: ch.boolean })

/**
 * Dashboard sessions in the warehouse (migration 0012): every ccscope instance on one warehouse reads the
 * same sessions. Writes go through the writer's client, reads through the API's readers.
 */
export function warehouseSessionTable(client: Warehouse, reader: Reader): SessionTable {
  return {
    async write(row: SessionRow) {
      await client.insert({
        table: 'dashboard_sessions',
        format: 'JSONEachRow',
        values: [
          {
            id_hash: row.idHash,
            user_name: row.user,
            credential: row.credential,
            // DateTime64 text in UTC: 2026-12-04 06:00:00.000
            expires: new Date(row.expires).toISOString().replace('T', ' ').replace('Z', ''),
            revoked: row.revoked,
            version: Date.now(),
          },
        ],
      })
    },
    async read(idHash: string) {
      const [row] = await run(reader, {
        sql: `SELECT user_name, credential, toUnixTimestamp64Milli(expires) AS expires_ms, revoked
              FROM dashboard_sessions WHERE id_hash = {id:String}
              ORDER BY version DESC LIMIT 1`,
        params: { id: idHash },
        row: sessionRow,
      })
      return row && { idHash, user: row.user_name, credential: row.credential, expires: row.expires_ms, revoked: row.revoked }
    },
  }
}
