import { createHash, randomBytes } from 'node:crypto'
import { budgetInputSchema, type Budget, type BudgetHistoryResponse, type BudgetInput } from '../../../schemas/budgets'
import { selectRows, type Warehouse } from '../../../warehouse/client'

/**
 * Budgets in the warehouse (migration 0015): every create, update and delete is a row of
 * budget_changes, so every instance on the warehouse sees the same budgets and the table is the audit
 * trail. The current budgets are each id's newest row that is not a delete.
 */

interface ChangeRow {
  budget_id: string
  version: string | number
  changed_by: string
  action: 'create' | 'update' | 'delete'
  definition: string
}

export class BudgetNotFound extends Error {}

function toBudget(row: ChangeRow): Budget {
  const input = budgetInputSchema.parse(JSON.parse(row.definition))
  return { ...input, id: row.budget_id, updatedAt: new Date(Number(row.version)).toISOString(), updatedBy: row.changed_by }
}

export async function listBudgets(client: Warehouse): Promise<Budget[]> {
  const rows = await selectRows<ChangeRow>(
    client,
    `SELECT * FROM (
       SELECT budget_id, version, changed_by, action, definition FROM budget_changes ORDER BY budget_id, version DESC LIMIT 1 BY budget_id
     ) WHERE action != 'delete'`,
  )
  return rows.map(toBudget).sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id))
}

export async function getBudget(client: Warehouse, id: string): Promise<Budget | null> {
  const rows = await selectRows<ChangeRow>(
    client,
    `SELECT budget_id, version, changed_by, action, definition FROM budget_changes
     WHERE budget_id = {id:String} ORDER BY version DESC LIMIT 1`,
    { id },
  )
  const row = rows[0]
  return row && row.action !== 'delete' ? toBudget(row) : null
}

/** A version after every earlier change of the budget, even if the clock stepped back. */
async function nextVersion(client: Warehouse, id: string): Promise<number> {
  const [last] = await selectRows<{ v: string }>(client, 'SELECT max(version) AS v FROM budget_changes WHERE budget_id = {id:String}', { id })
  return Math.max(Date.now(), Number(last?.v ?? 0) + 1)
}

async function write(client: Warehouse, id: string, by: string, action: ChangeRow['action'], input: BudgetInput | null): Promise<number> {
  const version = await nextVersion(client, id)
  await client.insert({
    table: 'budget_changes',
    format: 'JSONEachRow',
    values: [{ budget_id: id, version, changed_by: by, action, definition: input ? JSON.stringify(input) : '' }],
  })
  return version
}

export async function createBudget(client: Warehouse, input: BudgetInput, by: string): Promise<Budget> {
  const id = createHash('sha256').update(randomBytes(16)).digest('hex').slice(0, 24)
  const version = await write(client, id, by, 'create', input)
  return { ...input, id, updatedAt: new Date(version).toISOString(), updatedBy: by }
}

export async function updateBudget(client: Warehouse, id: string, input: BudgetInput, by: string): Promise<Budget> {
  if (!(await getBudget(client, id))) throw new BudgetNotFound(`no budget ${id}`)
  const version = await write(client, id, by, 'update', input)
  return { ...input, id, updatedAt: new Date(version).toISOString(), updatedBy: by }
}

export async function deleteBudget(client: Warehouse, id: string, by: string): Promise<void> {
  if (!(await getBudget(client, id))) throw new BudgetNotFound(`no budget ${id}`)
  await write(client, id, by, 'delete', null)
}

/** Every change of a budget, newest first (a deleted budget keeps its history). */
export async function budgetHistory(client: Warehouse, id: string): Promise<BudgetHistoryResponse | null> {
  const rows = await selectRows<ChangeRow>(
    client,
    `SELECT budget_id, version, changed_by, action, definition FROM budget_changes
     WHERE budget_id = {id:String} ORDER BY version DESC LIMIT 1000`,
    { id },
  )
  if (rows.length === 0) return null
  return {
    changes: rows.map((r) => ({
      at: new Date(Number(r.version)).toISOString(),
      by: r.changed_by,
      action: r.action,
      budget: r.action === 'delete' ? null : { ...budgetInputSchema.parse(JSON.parse(r.definition)), id: r.budget_id },
    })),
  }
}
