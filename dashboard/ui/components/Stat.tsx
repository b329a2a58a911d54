import type { Comparison, HeadlineStat } from '../prepare/overview'

/** One headline figure with its change against the period before (what exactly: `comparison`, on hover). */
export function Stat({ stat, comparison }: { stat: HeadlineStat; comparison: Comparison }) {
  const good = stat.change.direction === 'flat' ? 'neutral' : (stat.change.direction === 'up') === stat.upIsGood ? 'good' : 'bad'
  return (
    <div
      className={stat.notReported ? 'stat not-reported' : 'stat'}
      data-stat={stat.id}
      title={stat.hint}
      data-not-reported={stat.notReported ? '' : undefined}
    >
      <div className="stat-label">{stat.label}</div>
      <div className="stat-value" data-value>
        {stat.value}
      </div>
      <div className={`stat-change ${good}`}>
        <span aria-hidden="true">{stat.change.direction === 'up' ? '▲' : stat.change.direction === 'down' ? '▼' : '•'}</span> {stat.change.text}{' '}
        <span className="muted" title={comparison.title || undefined} data-compared>
          {comparison.text}
        </span>
      </div>
    </div>
  )
}
