import type { CSSProperties, ReactNode } from 'react'
import { formatCount, formatPercent, formatUsd } from '../format'
import { tableWrapClass, useShownRows } from './DataTable'
import { Figure } from './Figure'
import type { Breakdown, BreakdownBy, BreakdownRow, BreakdownSort } from '../prepare/cost'
import { UserLink } from './UserLink'

interface Column {
  key: keyof BreakdownRow | 'group'
  header: string
  /** The API sort this column's header switches to (share sorts like cost; cost per user-day is not sortable). */
  sort?: BreakdownSort
  render: (row: BreakdownRow) => ReactNode
}

const COLUMNS: Column[] = [
  { key: 'costUsd', header: 'Cost', sort: 'costUsd', render: (r) => formatUsd(r.costUsd) },
  { key: 'share', header: 'Share', render: (r) => formatPercent(r.share) },
  { key: 'requests', header: 'Requests', sort: 'requests', render: (r) => <Figure value={r.requests} format={formatCount} /> },
  { key: 'inputTokens', header: 'Input tokens', sort: 'inputTokens', render: (r) => <Figure value={r.inputTokens} format={formatCount} /> },
  { key: 'outputTokens', header: 'Output tokens', sort: 'outputTokens', render: (r) => <Figure value={r.outputTokens} format={formatCount} /> },
  { key: 'cacheReadTokens', header: 'Cache read', sort: 'cacheReadTokens', render: (r) => <Figure value={r.cacheReadTokens} format={formatCount} /> },
  {
    key: 'cacheCreationTokens',
    header: 'Cache creation',
    sort: 'cacheCreationTokens',
    render: (r) => <Figure value={r.cacheCreationTokens} format={formatCount} />,
  },
  { key: 'cacheSavingsUsd', header: 'Cache savings', sort: 'cacheSavingsUsd', render: (r) => formatUsd(r.cacheSavingsUsd) },
  { key: 'costPerActiveUserDay', header: 'Cost / active user-day', render: (r) => formatUsd(r.costPerActiveUserDay) },
]

// Page-specific looks without touching the shared stylesheet: headers that sort, a bold totals row.
const SORT_BUTTON: CSSProperties = {
  border: 0,
  background: 'none',
  padding: 0,
  font: 'inherit',
  color: 'inherit',
  textTransform: 'inherit',
  letterSpacing: 'inherit',
  cursor: 'pointer',
}
const TOTAL_ROW: CSSProperties = { fontWeight: 650 }
const TOTAL_CELL: CSSProperties = { borderTop: '2px solid #9ca3af' }

function SortHeader({
  label,
  column,
  sort,
  onSort,
  align,
}: {
  label: string
  column: BreakdownSort | undefined
  sort: BreakdownSort
  onSort: (s: BreakdownSort) => void
  align: 'left' | 'right'
}) {
  const active = column !== undefined && column === sort
  return (
    <th scope="col" className={align === 'right' ? 'num' : undefined} aria-sort={active ? (column === 'group' ? 'ascending' : 'descending') : undefined}>
      {column ? (
        <button type="button" style={SORT_BUTTON} onClick={() => onSort(column)} title={column === 'group' ? 'Sort A→Z' : 'Sort largest first'}>
          {label}
          <span aria-hidden="true">{active ? (column === 'group' ? ' ▲' : ' ▼') : ''}</span>
        </button>
      ) : (
        label
      )}
    </th>
  )
}

/**
 * The cost breakdown: every group with its share, tokens and savings, and the response's totals as the
 * last row (data-row="total"). Headers sort through the API, so the CSV export sorts the same way.
 */
export function CostBreakdownTable({
  id,
  data,
  by,
  byLabel,
  sort,
  onSort,
  userSearch,
}: {
  id: string
  data: Breakdown
  by: BreakdownBy
  byLabel: string
  sort: BreakdownSort
  onSort: (sort: BreakdownSort) => void
  /** The global filters, carried into links to a user's page. */
  userSearch: string
}) {
  const { shown, more } = useShownRows(data.rows)
  if (data.rows.length === 0) return <div className="empty">No cost in this range for these filters.</div>
  const groupCell = (r: BreakdownRow) =>
    by === 'user' && r.group !== '' ? (
      <>
        <UserLink user={r.group} search={userSearch} label={r.label} />
        {r.displayName ? <span className="muted"> · {r.displayName}</span> : null}
      </>
    ) : r.group === '' ? (
      <span className="muted">{r.label}</span>
    ) : (
      r.label
    )
  return (
    <>
      <div className={tableWrapClass(shown.length)}>
        <table data-table={id}>
          <caption className="sr-only">
            Cost by {byLabel.toLowerCase()}: {data.rows.length} groups, with the total in the last row
          </caption>
          <thead>
            <tr>
              <SortHeader label={byLabel} column="group" sort={sort} onSort={onSort} align="left" />
              {COLUMNS.map((c) => (
                <SortHeader key={c.key} label={c.header} column={c.sort} sort={sort} onSort={onSort} align="right" />
              ))}
            </tr>
          </thead>
          <tbody>
            {shown.map((r) => (
              <tr key={r.group} data-row="group">
                <td data-col="group" data-group={r.group}>
                  {groupCell(r)}
                </td>
                {COLUMNS.map((c) => (
                  <td key={c.key} data-col={c.key} className="num">
                    {c.render(r)}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr data-row="total" style={TOTAL_ROW}>
              <td data-col="group" style={TOTAL_CELL}>
                {data.total.label}
              </td>
              {COLUMNS.map((c) => (
                <td key={c.key} data-col={c.key} className="num" style={TOTAL_CELL}>
                  {c.render(data.total)}
                </td>
              ))}
            </tr>
          </tfoot>
        </table>
      </div>
      {more}
    </>
  )
}
