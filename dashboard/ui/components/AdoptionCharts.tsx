import { Bar, BarChart, CartesianGrid, Legend, Line, LineChart, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts'
import { memo } from 'react'
import { formatChartPeriod, formatCount, formatPeriod, tooltipValue } from '../format'
import { dataStartLine, partialLine } from './charts'
import { sameProps } from '../prepare/same'
import type { SeriesPoint } from '../prepare/series'
import { durationUnit, niceTicks, PALETTE, periodLabelInterval, seriesMax } from '../prepare/series'

export interface SeriesSpec {
  /** The key of each point (a measure, from prepare/adoption multiSeries). */
  key: string
  label: string
}

const NONE: readonly string[] = []

const axisProps = { tick: { fontSize: 12, fill: '#4b5563' }, stroke: '#9ca3af' }

function MultiChartDrawing({
  data,
  series,
  format,
  tickFormat = format,
  height = 220,
  label,
  kind = 'line',
  partial = NONE,
  dataStart,
  durations = false,
}: {
  data: SeriesPoint[]
  series: SeriesSpec[]
  format: (value: number) => string
  /** The axis's labels when they want a shorter form than the tooltip's (durations). */
  tickFormat?: (value: number) => string
  height?: number
  label: string
  kind?: 'line' | 'bar'
  /** Periods not over or cut by the range (prepare/series partialPeriods): marked, and so named in the tooltip. */
  partial?: readonly string[]
  /** The first period of ccscope's data when the chart begins before it (prepare/series dataStartIn): marked. */
  dataStart?: string | undefined
  /** The values are seconds: the axis steps in whole minutes or hours. */
  durations?: boolean
}) {
  const largest = seriesMax(
    data,
    series.map((s) => s.key),
  )
  const ticks = niceTicks(largest, durations ? durationUnit(largest) : 1)
  const common = (
    <>
      <CartesianGrid strokeDasharray="3 3" stroke="#e5e7eb" />
      <XAxis dataKey="period" tickFormatter={formatPeriod} interval={periodLabelInterval(data.length)} {...axisProps} />
      <YAxis tickFormatter={(v: number) => tickFormat(v)} width={70} ticks={ticks} domain={[0, ticks.at(-1) ?? 'auto']} interval={0} {...axisProps} />
      <Tooltip labelFormatter={(l) => formatChartPeriod(String(l), partial)} formatter={(v) => tooltipValue(v, format)} />
      <Legend wrapperStyle={{ fontSize: 12 }} itemSorter={null} />
      {partial.map((p) => (
        <ReferenceLine key={p} x={p} {...partialLine} />
      ))}
      {dataStart ? <ReferenceLine x={dataStart} {...dataStartLine} /> : null}
    </>
  )
  return (
    <figure className="chart" aria-label={label} data-chart={label}>
      <ResponsiveContainer width="100%" height={height}>
        {kind === 'bar' ? (
          <BarChart data={data} margin={{ top: 8, right: 8, bottom: 0, left: 8 }}>
            {common}
            {series.map((s, i) => (
              <Bar key={s.key} dataKey={s.key} name={s.label} fill={PALETTE[i % PALETTE.length]} isAnimationActive={false} />
            ))}
          </BarChart>
        ) : (
          <LineChart data={data} margin={{ top: 8, right: 8, bottom: 0, left: 8 }}>
            {common}
            {series.map((s, i) => (
              <Line
                key={s.key}
                type="linear"
                dataKey={s.key}
                name={s.label}
                stroke={PALETTE[i % PALETTE.length]}
                strokeWidth={2}
                dot={false}
                isAnimationActive={false}
              />
            ))}
          </LineChart>
        )}
      </ResponsiveContainer>
    </figure>
  )
}

/** Two or three measures over the same periods, side by side (bars) or as lines, with a legend; drawn again only when its data changes. */
export const MultiChart = memo(MultiChartDrawing, sameProps)

/**
 * Sessions and prompts per period. Prompts come from events only: where nobody in the answer sends events
 * (`promptsReported` false: the totals' prompts are null) they are not drawn, and a note says why, rather than a
 * series of zeros (docs/numbers.md, "Not reported is not zero").
 */
export function SessionsAndPromptsChart({
  data,
  promptsReported,
  label,
  partial,
  dataStart,
  kind,
}: {
  data: SeriesPoint[]
  promptsReported: boolean
  label: string
  partial: readonly string[]
  dataStart?: string | undefined
  kind: 'line' | 'bar'
}) {
  return (
    <>
      <MultiChart
        label={label}
        partial={partial}
        dataStart={dataStart}
        data={data}
        series={[{ key: 'sessions', label: 'Sessions' }, ...(promptsReported ? [{ key: 'prompts', label: 'Prompts' }] : [])]}
        format={formatCount}
        kind={kind}
      />
      {promptsReported ? null : (
        <p className="muted" data-not-reported="prompts" style={{ margin: '8px 0 0', fontSize: '0.85rem' }}>
          Prompts not reported: no one here sends events (OTEL_LOGS_EXPORTER).
        </p>
      )}
    </>
  )
}
