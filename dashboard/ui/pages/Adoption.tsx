import { Link } from 'react-router'
import type { UsersResponse } from '../../../schemas/users'
import { useApi, useMeta } from '../api'
import { MultiChart, SessionsAndPromptsChart } from '../components/AdoptionCharts'
import { SeatMeter, SeatsByTeam, Tile } from '../components/AdoptionTiles'
import { Card } from '../components/Card'
import { TrendChart } from '../components/charts'
import { DataTable, useShownRows, type Column } from '../components/DataTable'
import { Figure } from '../components/Figure'
import { Segmented } from '../components/Segmented'
import { Stat } from '../components/Stat'
import { Empty, Loadable, NoDataYet, NotReported, Skeleton } from '../components/States'
import { UserCell, UsersTable } from '../components/UsersTable'
import { formatCount, formatDecimal, formatDuration, formatInstant, formatPercent } from '../format'
import { useFilters, useViewParam } from '../hooks'
import { adoptionPlan, QUIET_DAYS, seatsExportUrl, STEP_VALUES, usersExportUrl } from '../plans'
import {
  adoptionStats,
  durationTick,
  lifecycleTiles,
  multiSeries,
  periodsOf,
  quietUsers,
  seatFigures,
  teamRows,
  type Step,
  type TeamRow,
} from '../prepare/adoption'
import { comparison } from '../prepare/overview'
import { usersHref } from '../prepare/users'
import { dayIn } from '../filters'
import { blankBefore, dataStartIn, singleSeries, partialPeriods } from '../prepare/series'

const STEPS = [
  { value: 'day', label: 'Day' },
  { value: 'week', label: 'Week' },
] as const

const teamColumns: Column<TeamRow>[] = [
  { key: 'team', header: 'Team', render: (r) => r.team },
  { key: 'activeUsers', header: 'Active users', align: 'right', render: (r) => formatCount(r.activeUsers) },
  { key: 'sessions', header: 'Sessions', align: 'right', render: (r) => formatCount(r.sessions) },
  { key: 'prompts', header: 'Prompts', align: 'right', render: (r) => <Figure value={r.prompts} format={formatCount} /> },
  { key: 'promptsPerUser', header: 'Prompts / user', align: 'right', render: (r) => formatDecimal(r.promptsPerUser) },
  { key: 'linesAdded', header: 'Lines added', align: 'right', render: (r) => <Figure value={r.linesAdded} format={formatCount} /> },
  { key: 'linesRemoved', header: 'Lines removed', align: 'right', render: (r) => <Figure value={r.linesRemoved} format={formatCount} /> },
  { key: 'commits', header: 'Commits', align: 'right', render: (r) => <Figure value={r.commits} format={formatCount} /> },
  { key: 'pullRequests', header: 'PRs', align: 'right', render: (r) => <Figure value={r.pullRequests} format={formatCount} /> },
  { key: 'editAcceptRate', header: 'Edit accept rate', align: 'right', render: (r) => formatPercent(r.editAcceptRate) },
]

type NeverActiveList = NonNullable<UsersResponse['neverActive']>

const neverColumns: Column<NeverActiveList['rows'][number]>[] = [
  { key: 'user', header: 'User', render: (r) => (r.displayName ? `${r.user} · ${r.displayName}` : r.user) },
  { key: 'team', header: 'Team', render: (r) => r.team || <span className="muted">(none)</span> },
  { key: 'department', header: 'Department', render: (r) => r.department },
  { key: 'seat', header: 'Seat', render: (r) => (r.seat ? 'yes' : 'no') },
]

/** The directory's people with no telemetry ever: a count, and the list (its first rows, the rest on request). */
function NeverActive({ list }: { list: NeverActiveList }) {
  const { shown, more } = useShownRows(list.rows)
  return (
    <>
      <p data-never-active={list.total}>
        <strong>{formatCount(list.total)}</strong> {list.total === 1 ? 'person' : 'people'} in the directory never sent telemetry
        {list.rows.length < list.total ? ` (the first ${formatCount(list.rows.length)} by team are listed)` : ''}.
      </p>
      <DataTable id="never-active" caption="People in the directory who never sent telemetry" columns={neverColumns} rows={shown} rowKey={(r) => r.user} />
      {more}
    </>
  )
}

/** Managers' view: who uses Claude Code, how much, what it produces; new, returning and quiet people. */
export function AdoptionPage() {
  const { filters, range, search } = useFilters()
  const [step, setStep] = useViewParam<Step>('step', STEP_VALUES, 'day')
  const meta = useMeta()
  // Every panel's request starts at once (on the first load, before the app has even loaded: early.ts).
  // The totals with the same elapsed span before them (compare=previous): a day in progress is compared with the same hours.
  const plan = adoptionPlan(filters, range, search)
  const totals = useApi(plan.totals)
  const compared = comparison(totals.data, meta.data?.data.first)
  const trend = useApi(plan.trend)
  const byTeam = useApi(plan.byTeam)
  // The leaders, the gone-quiet list, seats and the never active: one answer (plans.ts).
  const people = useApi(plan.people)
  const periods = periodsOf(step, range.from, range.drawnTo)
  // Periods before ccscope's first record are blank, not 0: nobody was reporting yet.
  const start = dataStartIn(periods, dayIn(meta.data?.data.first, filters.tz), step)
  const per = step === 'week' ? 'week' : 'day'
  const partial = step === 'week' ? '; the first and last weeks may be partial' : ''
  // A few weeks read better as bars than as a line through two or three points.
  const kind = step === 'week' ? 'bar' : 'line'

  if (meta.data && meta.data.data.events === 0) return <NoDataYet />
  return (
    <div className="page">
      <div style={{ display: 'flex', flexWrap: 'wrap', alignItems: 'center', justifyContent: 'space-between', gap: 8 }}>
        <h1 style={{ margin: 0 }}>Adoption</h1>
        <div style={{ display: 'flex', alignItems: 'center', gap: 8 }}>
          <span className="muted" style={{ fontSize: '0.85rem' }}>
            Charts per
          </span>
          <Segmented label="Chart period: day or week" options={STEPS} value={step} onChange={setStep} />
        </div>
      </div>

      <div className="stats" data-panel="adoption-stats">
        {totals.isPending ? (
          <Skeleton height={96} label="Loading adoption figures" />
        ) : totals.isError ? (
          <Loadable query={totals}>{() => null}</Loadable>
        ) : (
          adoptionStats(totals.data.totals, compared.previous?.totals, totals.data.coverage).map((s) => <Stat key={s.id} stat={s} comparison={compared.note} />)
        )}
      </div>

      <div className="grid">
        <Card
          id="adoption-trend"
          title={step === 'week' ? 'Weekly active users' : 'Daily active users'}
          subtitle={`Distinct people active each ${per} (${filters.tz}${partial})`}
        >
          <Loadable query={trend}>
            {(d) =>
              d.rows.length === 0 ? (
                <Empty>Nobody used Claude Code in this range.</Empty>
              ) : (
                <TrendChart
                  label={step === 'week' ? 'Weekly active users' : 'Daily active users'}
                  partial={partialPeriods(d.rows, periods, d.partial)}
                  data={blankBefore(singleSeries(d.rows, 'activeUsers', periods), start)}
                  dataStart={start.start}
                  format={formatCount}
                  kind={kind}
                />
              )
            }
          </Loadable>
        </Card>
        <Card id="adoption-activity" title={`Sessions and prompts per ${per}`}>
          <Loadable query={trend}>
            {(d) =>
              d.rows.length === 0 ? (
                <Empty>No sessions in this range.</Empty>
              ) : (
                <SessionsAndPromptsChart
                  label={`Sessions and prompts per ${per}`}
                  partial={partialPeriods(d.rows, periods, d.partial)}
                  data={blankBefore(multiSeries(d.rows, ['sessions', 'prompts'], periods), start)}
                  dataStart={start.start}
                  promptsReported={d.totals.prompts !== null}
                  kind={kind}
                />
              )
            }
          </Loadable>
        </Card>
        <Card id="adoption-time" title={`Active time per ${per}`} subtitle="User: people interacting; CLI: Claude Code working">
          <Loadable query={trend}>
            {(d) =>
              d.totals.activeTimeUserSeconds === null ? (
                <NotReported what="Active time" source="metrics" coverage={d.coverage} />
              ) : d.rows.length === 0 ? (
                <Empty>No active time reported in this range.</Empty>
              ) : (
                <MultiChart
                  label={`Active time per ${per}`}
                  partial={partialPeriods(d.rows, periods, d.partial)}
                  data={blankBefore(multiSeries(d.rows, ['activeTimeUserSeconds', 'activeTimeCliSeconds'], periods), start)}
                  dataStart={start.start}
                  series={[
                    { key: 'activeTimeUserSeconds', label: 'User' },
                    { key: 'activeTimeCliSeconds', label: 'CLI' },
                  ]}
                  format={formatDuration}
                  tickFormat={durationTick}
                  durations
                  kind={kind}
                />
              )
            }
          </Loadable>
        </Card>
        <Card id="adoption-code" title={`Lines of code per ${per}`} subtitle="Added and removed by Claude Code (accepted edits)">
          <Loadable query={trend}>
            {(d) =>
              d.totals.linesAdded === null ? (
                <NotReported what="Lines of code" source="metrics" coverage={d.coverage} />
              ) : d.rows.every((r) => !r.linesAdded && !r.linesRemoved) ? (
                <Empty>No lines added or removed in this range.</Empty>
              ) : (
                <MultiChart
                  kind="bar"
                  label={`Lines of code per ${per}`}
                  partial={partialPeriods(d.rows, periods, d.partial)}
                  data={blankBefore(multiSeries(d.rows, ['linesAdded', 'linesRemoved'], periods), start)}
                  dataStart={start.start}
                  series={[
                    { key: 'linesAdded', label: 'Added' },
                    { key: 'linesRemoved', label: 'Removed' },
                  ]}
                  format={formatCount}
                />
              )
            }
          </Loadable>
        </Card>

        <Card
          id="lifecycle"
          title="New, returning and gone quiet"
          subtitle={`Gone quiet: active in the range, not in its last ${QUIET_DAYS} days`}
          actions={
            <span className="muted" style={{ fontSize: '0.8rem', display: 'flex', flexWrap: 'wrap', gap: '4px 10px', alignItems: 'center' }}>
              Export CSV:
              {(
                [
                  ['new', 'New'],
                  ['returning', 'Returning'],
                  ['quiet', 'Gone quiet'],
                ] as const
              ).map(([list, label]) => (
                <a
                  key={list}
                  href={usersExportUrl(filters, range, list)}
                  download
                  data-export={`users-${list}`}
                  aria-label={`Export ${label.toLowerCase()} users as CSV`}
                >
                  {label}
                </a>
              ))}
            </span>
          }
        >
          <Loadable query={people} height={120}>
            {(d) => {
              const silent = quietUsers(d.quietRows ?? [])
              return (
                <>
                  <div className="stats" style={{ gridTemplateColumns: 'repeat(auto-fit, minmax(120px, 1fr))' }}>
                    {lifecycleTiles(d.counts, QUIET_DAYS).map((t) => (
                      <Tile key={t.id} tile={t} />
                    ))}
                  </div>
                  <h3 style={{ fontSize: '0.9rem', margin: '14px 0 4px' }}>Gone quiet</h3>
                  {silent.length === 0 ? (
                    <Empty>Nobody has gone quiet: everyone active in the range was active in its last {QUIET_DAYS} days.</Empty>
                  ) : (
                    <>
                      <DataTable
                        id="quiet-users"
                        caption="Users who have gone quiet, longest silent first"
                        rows={silent}
                        rowKey={(r) => r.user}
                        columns={[
                          { key: 'user', header: 'User', render: (r) => <UserCell user={r.user} displayName={r.displayName} filters={filters} /> },
                          { key: 'team', header: 'Team', render: (r) => r.team || <span className="muted">(not reported)</span> },
                          { key: 'lastSeen', header: 'Last seen', render: (r) => formatInstant(r.lastSeen, filters.tz) },
                          { key: 'activeDays', header: 'Active days', align: 'right', render: (r) => formatCount(r.activeDays) },
                        ]}
                      />
                      {d.counts.quietUsers > silent.length ? (
                        <p className="muted" style={{ fontSize: '0.85rem' }}>
                          {formatCount(d.counts.quietUsers - silent.length)} more have gone quiet; sort the{' '}
                          <Link to={usersHref(filters, { sort: 'lastSeen', order: 'asc' })}>users list</Link> by last seen.
                        </p>
                      ) : null}
                    </>
                  )}
                </>
              )
            }}
          </Loadable>
        </Card>
        <Card
          id="seats"
          title="Seats"
          subtitle="Seat holders from the directory active in the range, per team"
          actions={
            // Only when there is something to export (without a directory the export answers 400).
            (people.data?.seatsByTeam?.length ?? 0) > 0 ? (
              <a className="button" href={seatsExportUrl(filters, range)} download data-export="seats-by-team" aria-label="Export seats per team as CSV">
                Export CSV
              </a>
            ) : null
          }
        >
          <Loadable query={people} height={120}>
            {(d) =>
              d.seats === null ? (
                <Empty>
                  No directory loaded, so seats are unknown. An admin loads one on the <Link to="/directory">Directory</Link> page (or{' '}
                  <code>PUT /api/v1/directory</code>), with a <code>seat</code> column.
                </Empty>
              ) : d.seats.total === 0 ? (
                <Empty>The directory marks no one as holding a seat.</Empty>
              ) : (
                <>
                  <div className="stats">
                    <SeatMeter seats={seatFigures(d.seats)} />
                  </div>
                  <SeatsByTeam teams={d.seatsByTeam ?? []} />
                </>
              )
            }
          </Loadable>
        </Card>

        <Card
          id="never-active"
          title="Never active"
          subtitle="In the directory, and no telemetry from them at all, ever"
          wide
          actions={
            // Only when there is a list to export (without a directory the export answers 400).
            (people.data?.neverActive?.total ?? 0) > 0 ? (
              <a
                className="button"
                href={usersExportUrl(filters, range, 'neverActive')}
                download
                data-export="users-never-active"
                aria-label="Export never-active people as CSV"
              >
                Export CSV
              </a>
            ) : null
          }
        >
          <Loadable query={people} height={120}>
            {(d) =>
              d.neverActive === null || d.neverActive === undefined ? (
                <Empty>
                  No directory loaded: who should be using Claude Code is not known. An admin loads one on the <Link to="/directory">Directory</Link> page.
                </Empty>
              ) : d.neverActive.total === 0 ? (
                <Empty>Everyone in the directory has sent telemetry at least once.</Empty>
              ) : (
                <NeverActive list={d.neverActive} />
              )
            }
          </Loadable>
        </Card>

        <Card id="adoption-by-team" title="Adoption by team" wide>
          <Loadable query={byTeam}>
            {(d) => (
              <>
                <DataTable
                  id="adoption-by-team"
                  caption="Adoption by team: active users, sessions, prompts, lines, commits, pull requests, edit accept rate"
                  columns={teamColumns}
                  rows={teamRows(d.rows)}
                  rowKey={(r) => r.team}
                  empty="No team activity in this range."
                />
                {d.truncated ? <p className="muted">Only the {formatCount(d.rows.length)} teams with the most active users are shown.</p> : null}
              </>
            )}
          </Loadable>
        </Card>
        <Card
          id="leaderboard"
          title="Top users by cost"
          subtitle="New: first seen inside the range. Quiet: not active in its last 7 days."
          wide
          actions={<Link to={usersHref(filters)}>All users →</Link>}
        >
          <Loadable query={people}>
            {(d) => (
              <>
                <UsersTable
                  id="leaderboard"
                  caption="Top users by cost, with activity and lifecycle"
                  rows={d.rows}
                  filters={filters}
                  empty="Nobody used Claude Code in this range."
                />
                {d.truncated ? (
                  <p className="muted" style={{ fontSize: '0.85rem' }}>
                    Top {formatCount(d.rows.length)} of {formatCount(d.counts.activeUsers)} active users. <Link to={usersHref(filters)}>See them all</Link>.
                  </p>
                ) : null}
              </>
            )}
          </Loadable>
        </Card>
      </div>
    </div>
  )
}
