import type { CommonFilters } from '../../../schemas/analytics'
import { COMMON_DIMENSION_SQL, scopeSql, type Scope } from '../datasets'

/** The common filters as SQL conditions, on the telemetry's (attributed) columns or on the directory's. */

export const DIRECTORY_SQL: Record<keyof CommonFilters, string> = { user: 'd_user', team: 'd_team', department: 'd_dept', costCenter: 'd_cc' }

/** The common filters, and the request's scope (datasets.ts), as one condition on the given columns. */
export function filterSql(
  filters: CommonFilters,
  params: Record<string, unknown>,
  scope: Scope,
  columns: Record<keyof CommonFilters, string> = COMMON_DIMENSION_SQL,
): string {
  const clauses = [scopeSql(scope, params, columns.team)]
  for (const [name, values] of Object.entries(filters)) {
    if (!values?.length) continue
    params[`f_${name}`] = values
    clauses.push(`${columns[name as keyof CommonFilters]} IN {f_${name}:Array(String)}`)
  }
  return clauses.join(' AND ')
}

/**
 * Whether the rows of a read that groups by no team, department or cost center need the directory joined: only for
 * a manager's scope or a filter on one of those (a user filter reads the telemetry's own user key).
 */
export function directoryNeeded(filters: CommonFilters, scope: Scope): boolean {
  return scope !== null || Object.entries(filters).some(([name, values]) => name !== 'user' && (values?.length ?? 0) > 0)
}
