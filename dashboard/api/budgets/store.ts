import { createHash, randomBytes } from 'node:crypto'
import { budgetInputSchema, type Budget, type BudgetHistoryResponse, type BudgetInput } from '../../../schemas/budgets'
import type { Warehouse } from '../../../warehouse/client'
import { ChangeLog, type Change } from '../changes'
import { NotFound } from '../not-found'

/**
 * Budgets in the warehouse (migration 0015, budget_changes): a change log (../changes.ts), so every
 * instance on the warehouse sees the same budgets and the table is the audit trail.
 */

const log = (client: Warehouse) => new ChangeLog<BudgetInput>(client, 'budget_changes', (json) => budgetInputSchema.parse(json))

const toBudget = (c: Change<BudgetInput> & { value: BudgetInput }): Budget => ({
  ...c.value,
  id: c.id,
  updatedAt: new Date(c.version).toISOString(),
  updatedBy: c.by,
})

export async function listBudgets(client: Warehouse): Promise<Budget[]> {
  return (await log(client).current()).map(toBudget).sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id))
}

export async function getBudget(client: Warehouse, id: string): Promise<Budget | null> {
  const current = await log(client).get(id)
  return current ? toBudget(current) : null
}

export async function createBudget(client: Warehouse, input: BudgetInput, by: string): Promise<Budget> {
  const id = createHash('sha256').update(randomBytes(16)).digest('hex').slice(0, 24)
  const version = await log(client).write(id, by, 'create', input)
  return { ...input, id, updatedAt: new Date(version).toISOString(), updatedBy: by }
}

export async function updateBudget(client: Warehouse, id: string, input: BudgetInput, by: string): Promise<Budget> {
  if (!(await getBudget(client, id))) throw new NotFound(`no budget ${id}`)
  const version = await log(client).write(id, by, 'update', input)
  return { ...input, id, updatedAt: new Date(version).toISOString(), updatedBy: by }
}

export async function deleteBudget(client: Warehouse, id: string, by: string): Promise<void> {
  if (!(await getBudget(client, id))) throw new NotFound(`no budget ${id}`)
  await log(client).write(id, by, 'delete', null)
}

/** Every change of a budget, newest first (a deleted budget keeps its history). */
export async function budgetHistory(client: Warehouse, id: string): Promise<BudgetHistoryResponse | null> {
  const changes = await log(client).history(id)
  if (changes.length === 0) return null
  return {
    changes: changes.map((c) => ({
      at: new Date(c.version).toISOString(),
      by: c.by,
      action: c.action,
      budget: c.value === null ? null : { ...c.value, id: c.id },
    })),
  }
}
