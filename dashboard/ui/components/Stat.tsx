import type { HeadlineStat } from '../prepare/overview'

/** One headline figure with its change against the previous period. */
export function Stat({ stat }: { stat: HeadlineStat }) {
  const good = stat.change.direction === 'flat' ? 'neutral' : (stat.change.direction === 'up') === stat.upIsGood ? 'good' : 'bad'
  return (
    <div className="stat" data-stat={stat.id} title={stat.hint}>
      <div className="stat-label">{stat.label}</div>
      <div className="stat-value" data-value>
        {stat.value}
      </div>
      <div className={`stat-change ${good}`}>
        <span aria-hidden="true">{stat.change.direction === 'up' ? '▲' : stat.change.direction === 'down' ? '▼' : '•'}</span> {stat.change.text}{' '}
        <span className="muted">vs previous period</span>
      </div>
    </div>
  )
}
