import type { UserRow } from '../../../schemas/users'
import type { Filters } from '../filters'
import { formatCount, formatInstant, formatUsd } from '../format'
import { filterSuffix } from '../prepare/users'
import { NOT_REPORTED } from '../prepare/series'
import { DataTable, type Column } from './DataTable'
import { Figure } from './Figure'
import { UserLink } from './UserLink'

/** The user key (a link to the user's page, keeping the filters) and their display name. */
export function UserCell({ user, displayName, filters }: { user: string; displayName: string; filters: Filters }) {
  return (
    <span data-user={user}>
      <UserLink user={user} search={filterSuffix(filters)} />
      {displayName && displayName !== user ? (
        <span className="muted" style={{ display: 'block', fontSize: '0.8rem' }}>
          {displayName}
        </span>
      ) : null}
    </span>
  )
}

export function userColumns(filters: Filters): Column<UserRow>[] {
  const count = (key: 'activeDays' | 'sessions' | 'prompts' | 'linesAdded' | 'commits' | 'pullRequests', header: string): Column<UserRow> => ({
    key,
    header,
    align: 'right',
    render: (r) => <Figure value={r[key]} format={formatCount} />,
  })
  return [
    { key: 'user', header: 'User', render: (r) => <UserCell user={r.user} displayName={r.displayName} filters={filters} /> },
    { key: 'team', header: 'Team', render: (r) => r.team || <span className="muted">{NOT_REPORTED}</span> },
    { key: 'costUsd', header: 'Cost', align: 'right', render: (r) => formatUsd(r.costUsd) },
    count('activeDays', 'Active days'),
    count('sessions', 'Sessions'),
    count('prompts', 'Prompts'),
    count('linesAdded', 'Lines added'),
    count('commits', 'Commits'),
    count('pullRequests', 'PRs'),
    { key: 'lastSeen', header: 'Last seen', render: (r) => formatInstant(r.lastSeen, filters.tz) },
    {
      key: 'status',
      header: 'Status',
      render: (r) => (
        <>
          <span className={`tag${r.status === 'new' ? ' good' : ''}`} data-status={r.status}>
            {r.status}
          </span>{' '}
          {r.quiet ? (
            <span className="tag warn" data-quiet title="Active in the range but not in its last 7 days">
              quiet
            </span>
          ) : null}
        </>
      ),
    },
  ]
}

/** The users leaderboard / list: the same columns on the Adoption and Users pages. */
export function UsersTable({ id, caption, rows, filters, empty }: { id: string; caption: string; rows: UserRow[]; filters: Filters; empty: string }) {
  return (
    <DataTable
      id={id}
      caption={caption}
      columns={userColumns(filters)}
      rows={rows}
      rowKey={(r) => r.user}
      empty={empty}
      rowClass={(r) => (r.quiet ? 'quiet' : undefined)}
    />
  )
}
