import { parse } from 'csv-parse/sync'
import { DIRECTORY_CSV_COLUMNS, type DirectoryEntry, type DirectoryResponse } from '../../../schemas/directory'
import { selectRows, type Warehouse } from '../../../warehouse/client'
import { NotFound } from '../not-found'

/** CSV text → plain objects keyed like the JSON form; unknown columns are an error naming them. */
export function directoryCsvToObjects(csv: string): Record<string, string>[] {
  const records = parse(csv, { columns: true, skip_empty_lines: true, trim: true, bom: true }) as Record<string, string>[]
  return records.map((record, i) => {
    const out: Record<string, string> = {}
    for (const [column, value] of Object.entries(record)) {
      const field = DIRECTORY_CSV_COLUMNS[column as keyof typeof DIRECTORY_CSV_COLUMNS]
      if (!field) throw new DirectoryCsvError(`row ${i + 2}: unknown column "${column}"; expected ${Object.keys(DIRECTORY_CSV_COLUMNS).join(', ')}`)
      out[field] = value
    }
    return out
  })
}

export class DirectoryCsvError extends Error {}

/**
 * Replaces the directory with `entries` as one new load; older loads are deleted once it is stored, and `reload`
 * makes it the load every read joins (warehouse/directory-now.ts) before the answer says it is loaded.
 */
export async function loadDirectory(
  client: Warehouse,
  entries: DirectoryEntry[],
  reload: () => Promise<void>,
): Promise<{ loaded: number; seats: number; loadedAt: string }> {
  const [last] = await selectRows<{ id: string }>(client, 'SELECT max(load_id) AS id FROM directory')
  const loadId = Math.max(Date.now(), Number(last?.id ?? 0) + 1)
  if (entries.length > 0) {
    await client.insert({
      table: 'directory',
      format: 'JSONEachRow',
      values: entries.map((e) => ({
        load_id: loadId,
        user_key: e.user,
        display_name: e.displayName,
        team_id: e.team,
        department: e.department,
        cost_center: e.costCenter,
        manager: e.manager,
        seat: e.seat,
      })),
    })
  } else {
    // An empty load clears the directory: a marker row no user key can match.
    await client.insert({ table: 'directory', format: 'JSONEachRow', values: [{ load_id: loadId, user_key: '', seat: false }] })
  }
  await reload()
  await client.command({ query: 'DELETE FROM directory WHERE load_id < {id:UInt64}', query_params: { id: loadId } })
  return { loaded: entries.length, seats: entries.filter((e) => e.seat).length, loadedAt: new Date(loadId).toISOString() }
}

export async function readDirectory(client: Warehouse): Promise<DirectoryResponse> {
  const rows = await selectRows<Record<string, string | boolean | number>>(
    client,
    `SELECT load_id, user_key, display_name, team_id, department, cost_center, manager, seat FROM directory
     WHERE load_id = (SELECT max(load_id) FROM directory) AND user_key != '' ORDER BY user_key`,
  )
  const [last] = await selectRows<{ id: string }>(client, 'SELECT max(load_id) AS id FROM directory')
  const id = Number(last?.id ?? 0)
  return {
    loadedAt: id > 0 ? new Date(id).toISOString() : null,
    entries: rows.map((r) => ({
      user: String(r.user_key),
      displayName: String(r.display_name),
      team: String(r.team_id),
      department: String(r.department),
      costCenter: String(r.cost_center),
      manager: String(r.manager),
      seat: r.seat === true || r.seat === 1 || r.seat === 'true',
    })),
  }
}

/**
 * Adds or replaces one person's entry. The directory is kept as whole loads (the newest wins), so an edit
 * is a new load of every entry with this one changed: a few seconds at 200 000 people, and two admins
 * saving at the same instant can lose one of the two edits (the second load wins).
 */
export async function saveDirectoryEntry(
  client: Warehouse,
  fields: Omit<DirectoryEntry, 'user'>,
  keyOf: (known: boolean) => string,
  reload: () => Promise<void>,
): Promise<{ entries: number; loadedAt: string }> {
  const { entries } = await readDirectory(client)
  // The key as the path names it when an entry has it; else the key a new person gets (pseudonymised, maybe).
  const named = keyOf(true)
  const user = entries.some((e) => e.user === named) ? named : keyOf(false)
  const entry = { ...fields, user }
  const next = entries.some((e) => e.user === user) ? entries.map((e) => (e.user === user ? entry : e)) : [...entries, entry]
  const done = await loadDirectory(client, next, reload)
  return { entries: done.loaded, loadedAt: done.loadedAt }
}

/** Removes one person's entry (NotFound when the directory has none). */
export async function removeDirectoryEntry(client: Warehouse, user: string, reload: () => Promise<void>): Promise<{ entries: number; loadedAt: string }> {
  const { entries } = await readDirectory(client)
  if (!entries.some((e) => e.user === user)) throw new NotFound(`no directory entry for ${user}`)
  const done = await loadDirectory(
    client,
    entries.filter((e) => e.user !== user),
    reload,
  )
  return { entries: done.loaded, loadedAt: done.loadedAt }
}
