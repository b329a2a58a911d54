import { selectRows, type Warehouse } from '../../warehouse/client'

/**
 * A definition table kept as a log of changes (budgets, report schedules): every create, update and
 * delete is a row (id, version, changed_by, action, definition JSON), so every instance on the warehouse
 * reads the same definitions, and the table is its own audit trail. The current definitions are each
 * id's newest row that is not a delete. `table` is code-owned (a migration's table), never a request value.
 */
export type ChangeAction = 'create' | 'update' | 'delete'

export interface Change<T> {
  id: string
  version: number
  by: string
  action: ChangeAction
  /** The definition after the change; null for a delete. */
  value: T | null
}

interface Row {
  id: string
  version: string | number
  changed_by: string
  action: ChangeAction
  definition: string
}

export class ChangeLog<T> {
  constructor(
    private readonly client: Warehouse,
    private readonly table: string,
    private readonly parse: (json: unknown) => T,
  ) {}

  private change(row: Row): Change<T> {
    return {
      id: row.id,
      version: Number(row.version),
      by: row.changed_by,
      action: row.action,
      value: row.action === 'delete' ? null : this.parse(JSON.parse(row.definition)),
    }
  }

  /** The current definitions (newest change of each id, deletes left out). */
  async current(): Promise<(Change<T> & { value: T })[]> {
    const rows = await selectRows<Row>(
      this.client,
      `SELECT * FROM (SELECT id, version, changed_by, action, definition FROM ${this.table} ORDER BY id, version DESC LIMIT 1 BY id) WHERE action != 'delete'`,
    )
    return rows.map((r) => this.change(r) as Change<T> & { value: T })
  }

  /** Every change of one id, newest first (at most 1000). */
  async history(id: string): Promise<Change<T>[]> {
    const rows = await selectRows<Row>(
      this.client,
      `SELECT id, version, changed_by, action, definition FROM ${this.table} WHERE id = {id:String} ORDER BY version DESC LIMIT 1000`,
      { id },
    )
    return rows.map((r) => this.change(r))
  }

  /** The current definition of one id, or null (never created, or deleted). */
  async get(id: string): Promise<(Change<T> & { value: T }) | null> {
    const [last] = await this.history(id)
    return last && last.value !== null ? (last as Change<T> & { value: T }) : null
  }

  /** Writes a change; its version is after every earlier change of the id, even if the clock stepped back. */
  async write(id: string, by: string, action: ChangeAction, value: T | null): Promise<number> {
    const [last] = await selectRows<{ v: string }>(this.client, `SELECT max(version) AS v FROM ${this.table} WHERE id = {id:String}`, { id })
    const version = Math.max(Date.now(), Number(last?.v ?? 0) + 1)
    await this.client.insert({
      table: this.table,
      format: 'JSONEachRow',
      values: [{ id, version, changed_by: by, action, definition: value === null ? '' : JSON.stringify(value) }],
    })
    return version
  }
}
