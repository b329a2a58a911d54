import { useState, type ReactNode } from 'react'
import { formatCount } from '../format'

export interface Column<T> {
  key: string
  header: string
  render: (row: T) => ReactNode
  align?: 'left' | 'right'
}

/** More rows than this and a table scrolls inside its card, its header (and total row) in view (styles.css, .tall). */
export const TALL_TABLE_ROWS = 25

export function tableWrapClass(rows: number): string {
  return rows > TALL_TABLE_ROWS ? 'table-wrap tall' : 'table-wrap'
}

/**
 * A long table draws its first ROWS_SHOWN rows and offers the rest: a few thousand rows took the Cost page
 * over half a second to draw, for rows nobody scrolls to (the CSV export has them all; totals count them all).
 */
export const ROWS_SHOWN = 100

/** The rows to draw now, and the control that draws them all. */
export function useShownRows<T>(rows: T[]): { shown: T[]; more: ReactNode } {
  const [all, setAll] = useState(false)
  if (all || rows.length <= ROWS_SHOWN) return { shown: rows, more: null }
  return {
    shown: rows.slice(0, ROWS_SHOWN),
    more: (
      <p className="more-rows" data-more-rows={rows.length}>
        Showing the first {formatCount(ROWS_SHOWN)} of {formatCount(rows.length)} rows.{' '}
        <button type="button" className="linkish" onClick={() => setAll(true)}>
          Show all {formatCount(rows.length)}
        </button>
      </p>
    ),
  }
}

/** A plain, accessible table: caption for screen readers, numbers right-aligned, an empty message. */
export function DataTable<T>({
  id,
  caption,
  columns,
  rows,
  rowKey,
  empty = 'Nothing in this range.',
  rowClass,
}: {
  id: string
  caption: string
  columns: Column<T>[]
  rows: T[]
  rowKey: (row: T) => string
  empty?: string
  rowClass?: (row: T) => string | undefined
}) {
  if (rows.length === 0) return <div className="empty">{empty}</div>
  return (
    <div className={tableWrapClass(rows.length)}>
      <table data-table={id}>
        <caption className="sr-only">{caption}</caption>
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c.key} scope="col" className={c.align === 'right' ? 'num' : undefined}>
                {c.header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={rowKey(row)} className={rowClass?.(row)}>
              {columns.map((c) => (
                <td key={c.key} data-col={c.key} className={c.align === 'right' ? 'num' : undefined}>
                  {c.render(row)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}
