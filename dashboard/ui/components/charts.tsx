import { Link } from 'react-router'
import { Area, AreaChart, Bar, BarChart, CartesianGrid, Legend, Line, LineChart, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts'
import { memo } from 'react'
import { formatChartPeriod, formatPeriod, tooltipValue } from '../format'
import { sameProps } from '../prepare/same'
import { PALETTE, periodLabelInterval, seriesColors, type BarItem, type SeriesPoint } from '../prepare/series'

/**
 * Thin drawing components: the data comes ready from prepare/*. Colors pass WCAG AA on white. Each is drawn
 * again only when its data changes (memo with sameProps), not on every render of its page.
 */

type Formatter = (value: number) => string

const axisProps = { tick: { fontSize: 12, fill: '#4b5563' }, stroke: '#9ca3af' }

/** The mark on a partial period (not over, or cut by the range): a dashed line labelled "partial". */
export const partialLine = {
  stroke: '#6b7280',
  strokeDasharray: '4 3',
  label: { value: 'partial', position: 'insideTopRight' as const, fontSize: 11, fill: '#4b5563' },
}

/** The mark where ccscope's data begins (prepare/series dataStartIn): the periods before it are blank, not 0. Its label sits low in the blank side, clear of the "partial" label (top). */
export const dataStartLine = {
  stroke: '#6b7280',
  strokeDasharray: '2 3',
  label: { value: 'data begins', position: 'insideBottomRight' as const, fontSize: 11, fill: '#4b5563' },
}

const NONE: readonly string[] = []

function TrendChartDrawing({
  data,
  format,
  tickFormat = format,
  height = 220,
  label,
  kind = 'line',
  partial = NONE,
  dataStart,
}: {
  data: SeriesPoint[]
  format: Formatter
  /** The axis's labels when they want a shorter form than the tooltip's (money without cents). */
  tickFormat?: Formatter
  height?: number
  label: string
  kind?: 'line' | 'bar'
  /** Periods not over or cut by the range (prepare/series partialPeriods): marked, and so named in the tooltip. */
  partial?: readonly string[]
  /** The first period of ccscope's data when the chart begins before it (prepare/series dataStartIn): marked. */
  dataStart?: string | undefined
}) {
  return (
    <figure className="chart" aria-label={label} data-chart={label}>
      <ResponsiveContainer width="100%" height={height}>
        {kind === 'bar' ? (
          <BarChart data={data} margin={{ top: 8, right: 8, bottom: 0, left: 8 }}>
            <CartesianGrid strokeDasharray="3 3" stroke="#e5e7eb" />
            <XAxis dataKey="period" tickFormatter={formatPeriod} interval={periodLabelInterval(data.length)} {...axisProps} />
            <YAxis tickFormatter={(v: number) => tickFormat(v)} width={70} interval={0} {...axisProps} />
            <Tooltip labelFormatter={(l) => formatChartPeriod(String(l), partial)} formatter={(v) => tooltipValue(v, format)} />
            <Bar dataKey="value" name={label} fill={PALETTE[0]} isAnimationActive={false} />
            {partial.map((p) => (
              <ReferenceLine key={p} x={p} {...partialLine} />
            ))}
            {dataStart ? <ReferenceLine x={dataStart} {...dataStartLine} /> : null}
          </BarChart>
        ) : (
          <LineChart data={data} margin={{ top: 8, right: 8, bottom: 0, left: 8 }}>
            <CartesianGrid strokeDasharray="3 3" stroke="#e5e7eb" />
            <XAxis dataKey="period" tickFormatter={formatPeriod} interval={periodLabelInterval(data.length)} {...axisProps} />
            <YAxis tickFormatter={(v: number) => tickFormat(v)} width={70} interval={0} {...axisProps} />
            <Tooltip labelFormatter={(l) => formatChartPeriod(String(l), partial)} formatter={(v) => tooltipValue(v, format)} />
            <Line type="linear" dataKey="value" name={label} stroke={PALETTE[0]} strokeWidth={2} dot={false} isAnimationActive={false} />
            {partial.map((p) => (
              <ReferenceLine key={p} x={p} {...partialLine} />
            ))}
            {dataStart ? <ReferenceLine x={dataStart} {...dataStartLine} /> : null}
          </LineChart>
        )}
      </ResponsiveContainer>
    </figure>
  )
}

function StackedChartDrawing({
  data,
  keys,
  format,
  tickFormat = format,
  height = 280,
  label,
  partial = NONE,
  dataStart,
}: {
  data: SeriesPoint[]
  keys: string[]
  format: Formatter
  tickFormat?: Formatter
  height?: number
  label: string
  partial?: readonly string[]
  dataStart?: string | undefined
}) {
  const colors = seriesColors(keys)
  return (
    <figure className="chart" aria-label={label} data-chart={label}>
      <ResponsiveContainer width="100%" height={height}>
        <AreaChart data={data} margin={{ top: 8, right: 8, bottom: 0, left: 8 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="#e5e7eb" />
          <XAxis dataKey="period" tickFormatter={formatPeriod} interval={periodLabelInterval(data.length)} {...axisProps} />
          <YAxis tickFormatter={(v: number) => tickFormat(v)} width={70} interval={0} {...axisProps} />
          {/* Largest first in the tooltip, as in the legend's ranking; the stack draws them bottom up. */}
          <Tooltip
            labelFormatter={(l) => formatChartPeriod(String(l), partial)}
            formatter={(v) => tooltipValue(v, format)}
            itemSorter={(item) => -Number(item.value ?? 0)}
          />
          <Legend wrapperStyle={{ fontSize: 12 }} itemSorter={null} />
          {keys.map((k) => (
            <Area key={k} type="linear" dataKey={k} stackId="1" stroke={colors.get(k)} fill={colors.get(k)} fillOpacity={0.6} isAnimationActive={false} />
          ))}
          {partial.map((p) => (
            <ReferenceLine key={p} x={p} {...partialLine} />
          ))}
          {dataStart ? <ReferenceLine x={dataStart} {...dataStartLine} /> : null}
        </AreaChart>
      </ResponsiveContainer>
    </figure>
  )
}

/** Horizontal bars as plain HTML: readable, selectable, and exact for tests. */
function BarListDrawing({
  id,
  items,
  format,
  empty = 'Nothing in this range.',
  hrefOf,
}: {
  id: string
  items: BarItem[]
  format: Formatter
  empty?: string
  /** Where a bar's label leads (a drill-down), if anywhere. */
  hrefOf?: (label: string) => string
}) {
  if (items.length === 0) return <div className="empty">{empty}</div>
  const max = Math.max(...items.map((i) => i.value))
  return (
    <ul className="bar-list" data-bars={id}>
      {items.map((item) => (
        <li key={item.label}>
          <div className="bar-label">
            {hrefOf ? <Link to={hrefOf(item.label)}>{item.label}</Link> : <span>{item.label}</span>}
            <span className="num" data-value>
              {format(item.value)}
            </span>
          </div>
          <div className="bar-track" aria-hidden="true">
            <div className="bar-fill" style={{ width: `${max > 0 ? (item.value / max) * 100 : 0}%` }} />
          </div>
        </li>
      ))}
    </ul>
  )
}

export const TrendChart = memo(TrendChartDrawing, sameProps)

export const StackedChart = memo(StackedChartDrawing, sameProps)

export const BarList = memo(BarListDrawing, sameProps)
