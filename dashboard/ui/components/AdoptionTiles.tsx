import type { SeatTeam } from '../../../schemas/users'
import { seatTeamRows, type LifecycleTile, type SeatFigures, type SeatTeamRow } from '../prepare/adoption'
import { DataTable, type Column } from './DataTable'

/** A figure for the range without a comparison (lifecycle counts, seats): the look of Stat. */
export function Tile({ tile }: { tile: LifecycleTile }) {
  return (
    <div className="stat" data-stat={tile.id} title={tile.hint}>
      <div className="stat-label">
        {tile.label} {tile.tone === 'warn' ? <span className="tag warn">check in</span> : null}
      </div>
      <div className="stat-value" data-value>
        {tile.value}
      </div>
      <div className="stat-change neutral">{tile.hint}</div>
    </div>
  )
}

/** Seat utilization: active seat holders ÷ seats, with a meter. */
export function SeatMeter({ seats }: { seats: SeatFigures }) {
  return (
    <div className="stat" data-stat="seats">
      <div className="stat-label">Seat utilization</div>
      <div className="stat-value" data-value>
        {seats.utilization}
      </div>
      {/* biome-ignore lint/a11y/useSemanticElements: a styled bar with the meter role; <meter> cannot be styled alike across browsers */}
      <div
        className="bar-track"
        role="meter"
        aria-label="Seat utilization"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={Math.round(seats.ratio * 100)}
        style={{ margin: '6px 0' }}
      >
        <div className="bar-fill" style={{ width: `${seats.ratio * 100}%` }} />
      </div>
      <div className="stat-change neutral">
        <span data-seats-active>{seats.active}</span> of <span data-seats-total>{seats.total}</span> seats active in the range
      </div>
    </div>
  )
}

const seatColumns: Column<SeatTeamRow>[] = [
  { key: 'team', header: 'Team', render: (r) => r.team },
  { key: 'seats', header: 'Seats', align: 'right', render: (r) => r.seats },
  { key: 'active', header: 'Active', align: 'right', render: (r) => r.active },
  { key: 'idle', header: 'Idle', align: 'right', render: (r) => r.idle },
  {
    key: 'utilization',
    header: 'Utilization',
    align: 'right',
    render: (r) => (
      <span className="seat-cell">
        <span className="bar-track" aria-hidden="true">
          <span className="bar-fill" style={{ width: `${r.ratio * 100}%` }} />
        </span>
        <span className="seat-cell-figure">{r.utilization}</span>
      </span>
    ),
  },
]

/** Seat utilization per team, least used first. */
export function SeatsByTeam({ teams }: { teams: SeatTeam[] }) {
  return (
    <DataTable
      id="seats-by-team"
      caption="Seat utilization per team, least used first"
      rows={seatTeamRows(teams)}
      rowKey={(r) => r.team}
      columns={seatColumns}
      empty="No team within the filters holds a seat."
    />
  )
}
