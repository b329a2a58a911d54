import { Link } from 'react-router'
import type { MoversResponse } from '../../../schemas/policy'
import { formatCount } from '../format'
import { moverRows, type MoverBy } from '../prepare/policy'
import { DataTable } from './DataTable'
import { Figure } from './Figure'
import { Rate } from './Rate'
import { UserLink } from './UserLink'

/**
 * The Policy page's week-over-week movers (GET /api/v1/policy/movers): each tool, command, MCP server, team or
 * user with this week's and last week's denials (last week "—" where ccscope's data does not reach back to it), the
 * change and this week's denial rate; spikes marked. Commands and MCP servers open the page's drill-down.
 */
export function MoversTable({
  d,
  by,
  label,
  carry,
  drillHref,
}: {
  d: MoversResponse
  by: MoverBy
  /** What the rows are, as the segmented control names it ("Tool", "Command", …). */
  label: string
  /** The page's filters as a query string, carried on links. */
  carry: string
  drillHref: (param: 'blocked' | 'blockedMcp', name: string) => string
}) {
  return (
    <DataTable
      id="movers"
      caption={`Policy denials by ${label.toLowerCase()}, this week against last week; spikes marked`}
      rows={moverRows(d)}
      rowKey={(r) => r.group}
      rowClass={(r) => (r.spike ? 'highlight' : undefined)}
      empty={d.previousCovered ? 'No policy denials in these two weeks.' : 'No policy denials this week.'}
      columns={[
        {
          key: 'group',
          header: label,
          render: (r) => (
            <span data-group={r.group}>
              {r.group === '' ? (
                <span className="muted">{r.label}</span>
              ) : by === 'user' ? (
                <UserLink user={r.group} search={carry} label={r.label} />
              ) : by === 'command' || by === 'mcpServer' ? (
                <Link to={drillHref(by === 'command' ? 'blocked' : 'blockedMcp', r.group)}>{r.label}</Link>
              ) : (
                r.label
              )}{' '}
              {r.spike ? <span className="tag bad">spike</span> : null}
            </span>
          ),
        },
        { key: 'thisWeek', header: 'This week', align: 'right', render: (r) => formatCount(r.thisWeek) },
        {
          key: 'lastWeek',
          header: 'Last week',
          align: 'right',
          render: (r) => <Figure value={r.lastWeek} format={formatCount} hint="No earlier data: ccscope's data begins after the start of last week" />,
        },
        {
          key: 'change',
          header: 'Change',
          align: 'right',
          render: (r) => (
            <span style={r.direction === 'flat' ? undefined : { color: r.direction === 'up' ? 'var(--bad)' : 'var(--good)' }}>
              <span aria-hidden="true">{r.direction === 'up' ? '▲ ' : r.direction === 'down' ? '▼ ' : ''}</span>
              {r.changeText}
            </span>
          ),
        },
        {
          key: 'rate',
          header: 'Denial rate this week',
          align: 'right',
          render: (r) => <Rate numerator={r.thisWeek} denominator={r.decisions} of="decisions denied" />,
        },
      ]}
    />
  )
}
