import { useId } from 'react'
import { canAccess } from '../../../schemas/auth'
import { apiUrl, useApi, useMe, useMeta } from '../api'
import { AttributionCard } from '../components/AttributionCard'
import { Card } from '../components/Card'
import { CostBreakdownTable } from '../components/CostBreakdownTable'
import { BarList, StackedChart, TrendChart } from '../components/charts'
import { Segmented } from '../components/Segmented'
import { Stat } from '../components/Stat'
import { Empty, Loadable, NoDataYet, Skeleton } from '../components/States'
import { dayIn, filtersToSearch } from '../filters'
import { formatCount, formatPercent, formatUsd, formatUsdTick } from '../format'
import { useFilters, useViewParam } from '../hooks'
import { costPlan } from '../plans'
import {
  BREAKDOWN_OPTIONS,
  BREAKDOWN_SORTS,
  BREAKDOWN_VALUES,
  STACK_OPTIONS,
  STACK_VALUES,
  breakdown,
  breakdownLabel,
  breakdownParams,
  cacheHitRate,
  costGranularity,
  costOverTime,
  costTiles,
  periodsOf,
  tokenItems,
  type BreakdownBy,
  type CostRow,
} from '../prepare/cost'
import { comparison } from '../prepare/overview'
import { blankBefore, dataStartIn, singleSeries, partialPeriods } from '../prepare/series'

/** Finance's view: where the money goes over time, by whom and on what, and a CSV that equals the table. */
export function CostPage() {
  const { filters, range, search } = useFilters()
  const [stack, setStack] = useViewParam('stack', STACK_VALUES, 'model')
  const [by, setBy] = useViewParam('by', BREAKDOWN_VALUES, 'user')
  const [sort, setSort] = useViewParam('sort', BREAKDOWN_SORTS, 'costUsd')
  const selectId = useId()
  const meta = useMeta()
  const me = useMe()
  // Attribution is organization-wide: finance's and admins' (a manager's figures are their teams').
  const attribution = me.data ? canAccess(me.data.role, 'GET /api/v1/attribution') : false
  const granularity = costGranularity(range.days)
  const periods = periodsOf(range.from, range.drawnTo, granularity)
  // Periods before ccscope's first record are blank, not 0: nobody was reporting yet.
  const start = dataStartIn(periods, dayIn(meta.data?.data.first, filters.tz), granularity)
  const tableParams = breakdownParams(filters, range, by, sort)
  // Every panel's request starts at once (on the first load, before the app has even loaded: early.ts).
  const plan = costPlan(filters, range, search)
  const totals = useApi(plan.totals)
  const compared = comparison(totals.data, meta.data?.data.first)
  const stacked = useApi(plan.stacked)
  const perPeriod = useApi(plan.perPeriod)
  const table = useApi(plan.table)
  const byLabel = breakdownLabel(by)
  const step = granularity === 'day' ? 'day' : 'week'

  if (meta.data && meta.data.data.events === 0) return <NoDataYet />

  const chart = (rows: CostRow[], truncated: boolean, inProgress: boolean, periodRows?: CostRow[]) => {
    const series = costOverTime(rows, periodRows, periods, truncated)
    if (series.keys.length === 0) return <Empty>No cost in this range for these filters.</Empty>
    return (
      <StackedChart
        label={`Cost per ${step} by ${stack}`}
        partial={partialPeriods(periodRows ?? rows, periods, inProgress)}
        data={blankBefore(series.data, start)}
        dataStart={start.start}
        keys={series.keys}
        format={formatUsd}
        tickFormat={formatUsdTick}
      />
    )
  }

  return (
    <div className="page">
      <h1>Cost</h1>
      <section className="stats" data-panel="cost-tiles" aria-label="Cost for the range">
        {totals.isPending ? (
          <Skeleton height={96} label="Loading cost figures" />
        ) : totals.isError ? (
          <Loadable query={totals}>{() => null}</Loadable>
        ) : (
          costTiles(totals.data.totals, compared.previous?.totals, totals.data.coverage).map((s) => <Stat key={s.id} stat={s} comparison={compared.note} />)
        )}
      </section>
      <div className="grid">
        <Card
          id="cost-over-time"
          title={`Cost per ${step}`}
          subtitle={`USD by ${stack}, top 8 and the rest as Other; ${step === 'day' ? 'days' : 'weeks (from Monday)'} in ${filters.tz}`}
          actions={<Segmented label="Stack by" options={STACK_OPTIONS} value={stack} onChange={setStack} />}
          wide
        >
          <Loadable query={stacked} height={280}>
            {(d) =>
              d.truncated ? (
                <Loadable query={perPeriod} height={280}>
                  {(p) => chart(d.rows, true, d.partial, p.rows)}
                </Loadable>
              ) : (
                chart(d.rows, false, d.partial)
              )
            }
          </Loadable>
        </Card>
        <Card id="tokens" title="Tokens by type" subtitle="Over the range; cache reads are billed at a fraction of input">
          <Loadable query={totals}>
            {(d) => {
              const items = tokenItems(d.totals)
              if (items.every((i) => i.value === 0)) return <Empty>No tokens in this range for these filters.</Empty>
              return (
                <>
                  <BarList id="tokens" items={items} format={formatCount} />
                  <p className="muted" style={{ margin: '12px 0 0', fontSize: '0.88rem' }}>
                    <strong data-value="cache-hit-rate">{formatPercent(cacheHitRate(d.totals))}</strong> of prompt tokens (input, cache read, cache creation)
                    were read from the cache.
                  </p>
                </>
              )
            }}
          </Loadable>
        </Card>
        <Card id="cache-savings" title={`Cache savings per ${step}`} subtitle="Cache reads priced as input, minus what they cost (list prices)">
          <Loadable query={perPeriod}>
            {(d) =>
              (d.totals.cacheSavingsUsd ?? 0) === 0 ? (
                <Empty>No cache savings in this range for these filters.</Empty>
              ) : (
                <>
                  <p className="muted" style={{ margin: '0 0 8px' }}>
                    <strong data-value="cache-savings">{formatUsd(d.totals.cacheSavingsUsd)}</strong> saved over the range
                  </p>
                  <TrendChart
                    label={`Cache savings per ${step}`}
                    partial={partialPeriods(d.rows, periods, d.partial)}
                    data={blankBefore(singleSeries(d.rows, 'cacheSavingsUsd', periods), start)}
                    dataStart={start.start}
                    format={formatUsd}
                    tickFormat={formatUsdTick}
                    kind="bar"
                    height={190}
                  />
                </>
              )
            }
          </Loadable>
        </Card>
        <Card
          id="cost-breakdown"
          title={`Cost by ${byLabel.toLowerCase()}`}
          subtitle="The last row is the total over every group in the range and filters; the CSV has every row"
          actions={
            <>
              <label htmlFor={selectId} className="muted" style={{ fontSize: '0.8rem' }}>
                Group by
              </label>
              <select id={selectId} name="by" value={by} style={SELECT} onChange={(e) => setBy(e.target.value as BreakdownBy)}>
                {BREAKDOWN_OPTIONS.map((o) => (
                  <option key={o.value} value={o.value}>
                    {o.label}
                  </option>
                ))}
              </select>
              <a
                className="button"
                href={apiUrl('/api/v1/cost/export.csv', tableParams)}
                download
                data-export="cost-breakdown"
                aria-label={`Export cost by ${byLabel.toLowerCase()} as CSV`}
              >
                Export CSV
              </a>
            </>
          }
          wide
        >
          <Loadable query={table} height={240}>
            {(d) => (
              <CostBreakdownTable
                id="cost-breakdown"
                data={breakdown(d, by)}
                by={by}
                byLabel={byLabel}
                sort={sort}
                onSort={setSort}
                userSearch={filtersSearch(filters)}
              />
            )}
          </Loadable>
        </Card>
        {attribution ? <AttributionCard request={plan.attribution} /> : null}
      </div>
    </div>
  )
}

const SELECT = {
  font: 'inherit',
  fontSize: '0.9rem',
  padding: '4px 8px',
  border: '1px solid #9ca3af',
  borderRadius: 6,
  background: '#fff',
  color: 'inherit',
} as const

function filtersSearch(filters: Parameters<typeof filtersToSearch>[0]): string {
  const search = filtersToSearch(filters).toString()
  return search ? `?${search}` : ''
}
