import { useApi, useMeta } from '../api'
import { Card } from '../components/Card'
import { BarList, TrendChart } from '../components/charts'
import { Stat } from '../components/Stat'
import { Loadable, NoDataYet, NotReported, Skeleton } from '../components/States'
import { formatCount, formatUsd, formatUsdTick } from '../format'
import { useFilters } from '../hooks'
import { overviewPlan } from '../plans'
import { comparison, headlineStats } from '../prepare/overview'
import { barItems, blankBefore, dataStartIn, daysOf, singleSeries, partialPeriods } from '../prepare/series'
import { dayIn } from '../filters'

/** Monday-morning view: headline figures against the previous period, and the trends behind them. */
export function OverviewPage() {
  const { filters, range } = useFilters()
  const meta = useMeta()
  // Every panel's request starts at once (on the first load, before the app has even loaded: early.ts).
  const plan = overviewPlan(filters, range)
  const summary = useApi(plan.summary)
  const compared = comparison(summary.data, meta.data?.data.first)
  const cost = useApi(plan.cost)
  const active = useApi(plan.active)
  const denials = useApi(plan.denials)
  const byTeam = useApi(plan.byTeam)
  const days = daysOf(range.from, range.drawnTo)
  // Days before ccscope's first record are blank, not 0: nobody was reporting yet.
  const start = dataStartIn(days, dayIn(meta.data?.data.first, filters.tz), 'day')

  if (meta.data && meta.data.data.events === 0) return <NoDataYet />
  return (
    <div className="page">
      <h1>Overview</h1>
      <div className="stats" data-panel="headline">
        {summary.isPending ? (
          <Skeleton height={96} label="Loading headline figures" />
        ) : summary.isError ? (
          <Loadable query={summary}>{() => null}</Loadable>
        ) : (
          headlineStats(summary.data, compared.previous).map((s) => <Stat key={s.id} stat={s} comparison={compared.note} />)
        )}
      </div>
      <div className="grid">
        <Card id="cost-trend" title="Cost per day" subtitle={`USD, days in ${filters.tz}`}>
          <Loadable query={cost}>
            {(d) => (
              <TrendChart
                label="Cost per day"
                partial={partialPeriods(d.rows, days, d.partial)}
                data={blankBefore(singleSeries(d.rows, 'costUsd', days), start)}
                dataStart={start.start}
                format={formatUsd}
                tickFormat={formatUsdTick}
                kind="bar"
              />
            )}
          </Loadable>
        </Card>
        <Card id="active-trend" title="Daily active users">
          <Loadable query={active}>
            {(d) => (
              <TrendChart
                label="Daily active users"
                partial={partialPeriods(d.rows, days, d.partial)}
                data={blankBefore(singleSeries(d.rows, 'activeUsers', days), start)}
                dataStart={start.start}
                format={formatCount}
              />
            )}
          </Loadable>
        </Card>
        <Card id="denials-trend" title="Policy denials per day" subtitle="Tool uses refused by a settings rule">
          <Loadable query={denials}>
            {(d) =>
              d.totals.policyDenials === null ? (
                <NotReported what="Policy denials" source="events" coverage={d.coverage} />
              ) : (
                <TrendChart
                  label="Policy denials per day"
                  partial={partialPeriods(d.rows, days, d.partial)}
                  data={blankBefore(singleSeries(d.rows, 'policyDenials', days), start)}
                  dataStart={start.start}
                  format={formatCount}
                  kind="bar"
                />
              )
            }
          </Loadable>
        </Card>
        <Card id="cost-by-team" title="Cost by team">
          <Loadable query={byTeam}>{(d) => <BarList id="cost-by-team" items={barItems(d.rows, 'costUsd')} format={formatUsd} />}</Loadable>
        </Card>
      </div>
    </div>
  )
}
