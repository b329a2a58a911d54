import { Link } from 'react-router'
import type { DenialsResponse } from '../../../schemas/policy'
import { formatCount, formatInstant } from '../format'
import { drillTeams } from '../prepare/policy'
import { BarList } from './charts'
import { DataTable } from './DataTable'
import { Empty } from './States'
import { UserLink } from './UserLink'

const SUBHEADING = { fontSize: '0.9rem', margin: '0 0 6px' } as const

/**
 * Who was denied a blocked command or MCP server (the Policy page's drill-down, GET /api/v1/policy/denials):
 * by team, by user and the sessions with the most of these denials, each a link.
 */
export function BlockedDrill({ d, carry, timeZone }: { d: DenialsResponse; carry: string; timeZone: string }) {
  const drill = { command: d.command, mcpServer: d.mcpServer }
  return d.denials === 0 ? (
    <Empty>No policy denials of this in the range and filters.</Empty>
  ) : (
    <div data-drill={drill.command ?? drill.mcpServer ?? ''}>
      <p className="muted" style={{ margin: '0 0 8px' }}>
        <strong>{formatCount(d.denials)}</strong> denials, {formatCount(d.byUser.length)} {d.byUser.length === 1 ? 'user' : 'users'} in{' '}
        {formatCount(d.byTeam.length)} {d.byTeam.length === 1 ? 'team' : 'teams'}, {formatCount(d.sessionsTotal)}{' '}
        {d.sessionsTotal === 1 ? 'session' : 'sessions'}.
      </p>
      <div className="grid">
        <div>
          <h3 style={SUBHEADING}>By team</h3>
          <BarList id="drill-teams" items={drillTeams(d)} format={formatCount} />
        </div>
        <div>
          <h3 style={SUBHEADING}>By user</h3>
          <DataTable
            id="drill-users"
            caption="Users denied this, most denials first"
            rows={d.byUser}
            rowKey={(u) => u.user}
            columns={[
              { key: 'user', header: 'User', render: (u) => <UserLink user={u.user} search={carry} /> },
              { key: 'team', header: 'Team', render: (u) => u.team || <span className="muted">(not reported)</span> },
              { key: 'denials', header: 'Denials', align: 'right', render: (u) => formatCount(u.denials) },
              { key: 'sessions', header: 'Sessions', align: 'right', render: (u) => formatCount(u.sessions) },
            ]}
          />
        </div>
      </div>
      <h3 style={{ ...SUBHEADING, marginTop: 12 }}>Sessions</h3>
      <DataTable
        id="drill-sessions"
        caption="Sessions with these denials, most first"
        rows={d.sessions}
        rowKey={(x) => x.sessionId}
        columns={[
          {
            key: 'session',
            header: 'Session',
            // The id's start: enough to tell sessions apart, and the table fits a phone.
            render: (x) => (
              <Link to={`/sessions/${encodeURIComponent(x.sessionId)}${carry}`} title={x.sessionId}>
                <code>{x.sessionId.length > 10 ? `${x.sessionId.slice(0, 8)}…` : x.sessionId}</code>
              </Link>
            ),
          },
          { key: 'user', header: 'User', render: (x) => x.user },
          { key: 'denials', header: 'Denials', align: 'right', render: (x) => formatCount(x.denials) },
          { key: 'last', header: 'Last denied', render: (x) => formatInstant(x.last, timeZone) },
        ]}
      />
      {d.sessionsTotal > d.sessions.length ? (
        <p className="muted" style={{ fontSize: '0.85rem' }}>
          The {formatCount(d.sessions.length)} sessions with the most of these denials, of {formatCount(d.sessionsTotal)}.
        </p>
      ) : null}
    </div>
  )
}
