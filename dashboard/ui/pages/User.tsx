import { Link, useParams } from 'react-router'
import type { UserSessionsResponse } from '../../../schemas/users'
import { useApi, useMeta } from '../api'
import { SessionsAndPromptsChart } from '../components/AdoptionCharts'
import { Card } from '../components/Card'
import { TrendChart } from '../components/charts'
import { DataTable, type Column } from '../components/DataTable'
import { Stat } from '../components/Stat'
import { Empty, Loadable, Skeleton } from '../components/States'
import { formatCount, formatDuration, formatInstant, formatUsd, formatUsdTick } from '../format'
import { Figure } from '../components/Figure'
import { Rate } from '../components/Rate'
import { useFilters } from '../hooks'
import { userPlan } from '../plans'
import { multiSeries } from '../prepare/adoption'
import { dayIn } from '../filters'
import { blankBefore, dataStartIn, daysOf, NOT_REPORTED, singleSeries, partialPeriods } from '../prepare/series'
import { comparison } from '../prepare/overview'
import { durationSeconds, sessionHref, toolRows, userStats, usersHref, type ToolRow } from '../prepare/users'

type SessionRow = UserSessionsResponse['sessions'][number]

const toolColumns: Column<ToolRow>[] = [
  { key: 'tool', header: 'Tool', render: (r) => r.tool },
  { key: 'decisions', header: 'Decisions', align: 'right', render: (r) => formatCount(r.decisions) },
  { key: 'accepts', header: 'Accepted', align: 'right', render: (r) => formatCount(r.accepts) },
  { key: 'rejects', header: 'Rejected', align: 'right', render: (r) => formatCount(r.rejects) },
  {
    key: 'policyDenials',
    header: 'Policy denials',
    align: 'right',
    render: (r) => (r.policyDenials > 0 ? <span className="tag bad">{formatCount(r.policyDenials)}</span> : formatCount(r.policyDenials)),
  },
  {
    key: 'policyDenialRate',
    header: 'Denial rate',
    align: 'right',
    render: (r) => <Rate numerator={r.policyDenials} denominator={r.decisions} of="decisions denied" />,
  },
  { key: 'failures', header: 'Failed runs', align: 'right', render: (r) => formatCount(r.failures) },
]

/** One person: their figures against the previous period, their trend, tools and sessions. */
export function UserPage() {
  const user = useParams().user ?? ''
  const { filters, range } = useFilters()
  // Every panel's request starts at once (on the first load, before the app has even loaded: early.ts).
  const plan = userPlan(user, filters, range)
  const profile = useApi(plan.profile)
  const summary = useApi(plan.summary)
  const meta = useMeta()
  const compared = comparison(summary.data, meta.data?.data.first)
  const cost = useApi(plan.cost)
  const activity = useApi(plan.activity)
  const tools = useApi(plan.tools)
  const sessions = useApi(plan.sessions)
  const days = daysOf(range.from, range.drawnTo)
  // Days before ccscope's first record are blank, not 0: nobody was reporting yet.
  const start = dataStartIn(days, dayIn(meta.data?.data.first, filters.tz), 'day')
  const row = profile.data?.rows.find((r) => r.user === user)

  const sessionColumns: Column<SessionRow>[] = [
    { key: 'start', header: 'Started', render: (s) => <Link to={sessionHref(s.sessionId, filters)}>{formatInstant(s.start, filters.tz)}</Link> },
    { key: 'duration', header: 'Length', align: 'right', render: (s) => formatDuration(durationSeconds(s.start, s.end)) },
    { key: 'prompts', header: 'Prompts', align: 'right', render: (s) => <Figure value={s.prompts} format={formatCount} /> },
    { key: 'apiRequests', header: 'API requests', align: 'right', render: (s) => <Figure value={s.apiRequests} format={formatCount} /> },
    { key: 'costUsd', header: 'Cost', align: 'right', render: (s) => formatUsd(s.costUsd) },
    { key: 'toolDecisions', header: 'Decisions', align: 'right', render: (s) => <Figure value={s.toolDecisions} format={formatCount} /> },
    {
      key: 'policyDenials',
      header: 'Policy denials',
      align: 'right',
      render: (s) =>
        (s.policyDenials ?? 0) > 0 ? <span className="tag bad">{formatCount(s.policyDenials)}</span> : <Figure value={s.policyDenials} format={formatCount} />,
    },
  ]

  return (
    <div className="page">
      <div data-panel="user-header">
        <p className="muted" style={{ margin: '0 0 4px', fontSize: '0.85rem' }}>
          <Link to={usersHref(filters)}>Users</Link> /
        </p>
        <h1 style={{ marginBottom: 4, overflowWrap: 'anywhere' }} data-user={user}>
          {row?.displayName && row.displayName !== user ? row.displayName : user}
        </h1>
        {profile.isPending ? (
          <Skeleton height={20} label="Loading the user" />
        ) : profile.isError ? (
          <Loadable query={profile}>{() => null}</Loadable>
        ) : row ? (
          <p className="muted" style={{ margin: 0, overflowWrap: 'anywhere' }}>
            {row.displayName && row.displayName !== user ? (
              <>
                <span data-user-key>{user}</span> ·{' '}
              </>
            ) : null}
            team <strong data-team>{row.team || NOT_REPORTED}</strong>
            {row.department ? ` · ${row.department}` : ''} · first seen {formatInstant(row.firstSeen, filters.tz)} · last seen{' '}
            {formatInstant(row.lastSeen, filters.tz)} <span className={`tag${row.status === 'new' ? ' good' : ''}`}>{row.status}</span>{' '}
            {row.quiet ? <span className="tag warn">quiet</span> : null}
          </p>
        ) : (
          <p className="muted" style={{ margin: 0 }}>
            <span data-user-key>{user}</span> · no activity in this range{filters.teams.length ? ' for the selected team' : ''}.
          </p>
        )}
      </div>

      <div className="stats" data-panel="user-stats">
        {summary.isPending ? (
          <Skeleton height={96} label="Loading the user's figures" />
        ) : summary.isError ? (
          <Loadable query={summary}>{() => null}</Loadable>
        ) : (
          userStats(summary.data, compared.previous).map((s) => <Stat key={s.id} stat={s} comparison={compared.note} />)
        )}
      </div>

      <div className="grid">
        <Card id="user-cost-trend" title="Cost per day" subtitle={`USD, days in ${filters.tz}`}>
          <Loadable query={cost}>
            {(d) =>
              d.rows.length === 0 ? (
                <Empty>No cost in this range.</Empty>
              ) : (
                <TrendChart
                  label="Cost per day"
                  partial={partialPeriods(d.rows, days, d.partial)}
                  data={blankBefore(singleSeries(d.rows, 'costUsd', days), start)}
                  dataStart={start.start}
                  format={formatUsd}
                  tickFormat={formatUsdTick}
                  kind="bar"
                />
              )
            }
          </Loadable>
        </Card>
        <Card id="user-activity-trend" title="Sessions and prompts per day">
          <Loadable query={activity}>
            {(d) =>
              d.rows.length === 0 ? (
                <Empty>No activity in this range.</Empty>
              ) : (
                <SessionsAndPromptsChart
                  label="Sessions and prompts per day"
                  partial={partialPeriods(d.rows, days, d.partial)}
                  data={multiSeries(d.rows, ['sessions', 'prompts'], days)}
                  promptsReported={d.totals.prompts !== null}
                  kind="bar"
                />
              )
            }
          </Loadable>
        </Card>
        <Card id="user-tools" title="Tools" subtitle="Permission decisions per tool; policy denials are refusals by a settings rule" wide>
          <Loadable query={tools}>
            {(d) => (
              <DataTable
                id="user-tools"
                caption="The user's tools: decisions, accepts, rejects, policy denials, failed runs"
                columns={toolColumns}
                rows={toolRows(d.rows)}
                rowKey={(r) => r.tool}
                rowClass={(r) => (r.policyDenials > 0 ? 'denied' : undefined)}
                empty="No tool use in this range (sessions that send metrics only have no tool events)."
              />
            )}
          </Loadable>
        </Card>
        <Card id="user-sessions" title="Sessions" subtitle={`Newest first; times in ${filters.tz}`} wide>
          <Loadable query={sessions}>
            {(d) => (
              <>
                <DataTable
                  id="user-sessions"
                  caption="The user's sessions: start, length, prompts, API requests, cost, decisions, policy denials"
                  columns={sessionColumns}
                  rows={d.sessions}
                  rowKey={(s) => s.sessionId}
                  rowClass={(s) => ((s.policyDenials ?? 0) > 0 ? 'denied' : undefined)}
                  empty="No sessions in this range."
                />
                {d.truncated ? (
                  <p className="muted">The newest {formatCount(d.sessions.length)} sessions are shown: narrow the range to see older ones.</p>
                ) : null}
              </>
            )}
          </Loadable>
        </Card>
      </div>
    </div>
  )
}
