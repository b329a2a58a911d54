import { selectRows, type Warehouse } from '../../warehouse/client'
import { keyPrefixColumns, keyPrefixValues, rowTime, timeColumn, type TableName, type TableRows } from '../../warehouse/rows'
import { hasReceiveTime } from '../normalize/common'

/** Which of a batch's records a raw table already holds: the writer's exactly-once check (writer.ts). */

const ID_LOOKUP_CHUNK = 5_000

/**
 * The earliest and latest of some row times ("seconds.nanoseconds"), in nanoseconds, as Int64 query
 * parameters (digits without leading zeros: ClickHouse refuses "0000000000").
 */
export function timeBounds(times: string[]): { min: string; max: string } {
  let min: bigint | undefined
  let max: bigint | undefined
  for (const time of times) {
    const nanos = BigInt(time.replace('.', ''))
    if (min === undefined || nanos < min) min = nanos
    if (max === undefined || nanos > max) max = nanos
  }
  return { min: String(min ?? 0n), max: String(max ?? 0n) }
}

/**
 * Ids of these rows that the table already holds. Rows are looked up within their batch's time range,
 * except rows stamped with their receive time (the record had no time): an earlier copy of such a row
 * was stored under an earlier receive time, so their ids are looked up over every day.
 */
export async function storedIds<T extends TableName>(lane: Warehouse, table: T, rows: TableRows[T][]): Promise<Set<string>> {
  const stored = new Set<string>()
  const timed = rows.filter((row) => !hasReceiveTime(row))
  const untimed = timed.length === rows.length ? [] : rows.filter((row) => hasReceiveTime(row))
  for (const [group, bounded] of [
    [timed, true],
    [untimed, false],
  ] as const)
    for (let i = 0; i < group.length; i += ID_LOOKUP_CHUNK)
      for (const id of await lookUpIds(lane, table, group.slice(i, i + ID_LOOKUP_CHUNK), bounded)) stored.add(id)
  return stored
}

async function lookUpIds<T extends TableName>(lane: Warehouse, table: T, chunk: TableRows[T][], bounded: boolean): Promise<string[]> {
  const params: Record<string, unknown> = { ids: chunk.map((r) => r.id) }
  const conditions: string[] = []
  if (bounded) {
    Object.assign(params, timeBounds(chunk.map(rowTime)))
    conditions.push(`${timeColumn[table]} BETWEEN fromUnixTimestamp64Nano({min:Int64}) AND fromUnixTimestamp64Nano({max:Int64})`)
  }
  const columns = keyPrefixColumns[table]
  const values = columns.map(() => new Set<string>())
  for (const row of chunk) for (const [k, v] of keyPrefixValues(row).entries()) values[k]?.add(v)
  columns.forEach((key, k) => {
    params[`k_${key}`] = [...(values[k] ?? [])]
    conditions.push(`${key} IN {k_${key}:Array(String)}`)
  })
  const found = await selectRows<{ id: string }>(
    lane,
    // table and columns come from the code's own maps (rows.ts), never from a request.
    `SELECT id FROM ${table} WHERE ${conditions.join(' AND ')} AND id IN {ids:Array(UUID)}`,
    params,
  )
  return found.map((r) => r.id)
}
