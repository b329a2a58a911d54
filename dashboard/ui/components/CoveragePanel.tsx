import { useId, useState } from 'react'
import type { CoverageResponse } from '../../../schemas/policy'
import { formatCount, formatInstant } from '../format'
import { attentionRows, coverageSources, versionsText } from '../prepare/policy'
import { DataTable } from './DataTable'
import { Empty } from './States'
import { UserLink } from './UserLink'

const SUBHEADING = { fontSize: '0.9rem', margin: '0 0 6px' } as const
/** Users listed under "Needs attention" at most; the API has them all. */
const ATTENTION_SHOWN = 100

/**
 * Coverage for admins (GET /api/v1/coverage): managed settings in force across users, per team the users on
 * a version older than the floor and without managed settings, and the users to look at.
 */
export function CoveragePanel({ d, carry, timeZone }: { d: CoverageResponse; carry: string; timeZone: string }) {
  if (d.users.length === 0) return <Empty>No users were active in this range.</Empty>
  const attention = attentionRows(d.users)
  const older = d.users.filter((u) => u.belowFloor === true).length
  return (
    <>
      <p className="muted" style={{ margin: '0 0 8px' }} data-summary="managed-settings">
        Managed settings:{' '}
        {coverageSources(d.users).map((s, i) => (
          <span key={s.sources}>
            {i > 0 ? ' · ' : ''}
            <span className={`tag${s.gap ? ' warn' : ''}`}>{s.sources}</span> {formatCount(s.users)} {s.users === 1 ? 'user' : 'users'}
          </span>
        ))}
        {d.versionFloor ? (
          <span data-summary="below-floor">
            {' '}
            · <strong>{formatCount(older)}</strong> of {formatCount(d.users.length)} on a version older than {d.versionFloor}
          </span>
        ) : null}
      </p>
      <DataTable
        id="coverage-teams"
        caption="Per team: users, users on an old version, users without managed settings, versions in use"
        rows={d.teams}
        rowKey={(t) => t.team}
        columns={[
          { key: 'team', header: 'Team', render: (t) => t.team || <span className="muted">(not reported)</span> },
          { key: 'users', header: 'Users', align: 'right', render: (t) => formatCount(t.users) },
          ...(d.versionFloor
            ? [
                {
                  key: 'below',
                  header: `Older than ${d.versionFloor}`,
                  align: 'right' as const,
                  render: (t: (typeof d.teams)[number]) => formatCount(t.belowFloor),
                },
              ]
            : []),
          { key: 'unmanaged', header: 'No managed settings', align: 'right', render: (t) => formatCount(t.withoutManaged) },
          { key: 'versions', header: 'Versions (users)', render: (t) => versionsText(t.versions) },
        ]}
      />
      <h3 style={{ ...SUBHEADING, marginTop: 12 }}>Needs attention</h3>
      <DataTable
        id="coverage-attention"
        caption="Users on an old version or without managed settings"
        rows={attention.slice(0, ATTENTION_SHOWN)}
        rowKey={(u) => u.user}
        empty={
          d.versionFloor
            ? 'Everyone runs a recent version with managed settings.'
            : 'Everyone has managed settings in force. Set a version floor to flag old versions.'
        }
        columns={[
          { key: 'user', header: 'User', render: (u) => <UserLink user={u.user} search={carry} /> },
          { key: 'team', header: 'Team', render: (u) => u.team || <span className="muted">(not reported)</span> },
          {
            key: 'version',
            header: 'Version',
            render: (u) =>
              u.version === null ? <span className="muted">(not reported)</span> : <span className={u.belowFloor ? 'tag warn' : undefined}>{u.version}</span>,
          },
          { key: 'why', header: 'Why', render: (u) => u.reasons.join('; ') },
          { key: 'lastSeen', header: 'Last seen', render: (u) => formatInstant(u.lastSeen, timeZone) },
        ]}
      />
      {attention.length > ATTENTION_SHOWN ? (
        <p className="muted" style={{ fontSize: '0.85rem' }}>
          The first {formatCount(ATTENTION_SHOWN)} of {formatCount(attention.length)}; the full list is in the API (GET /api/v1/coverage).
        </p>
      ) : null}
    </>
  )
}

/** The version floor: users whose latest version is older are flagged (kept in the URL as ?floor=). */
export function FloorInput({ value, onApply }: { value: string; onApply: (value: string) => void }) {
  const id = useId()
  const [draft, setDraft] = useState(value)
  const valid = draft.trim() === '' || /^\d+\.\d+\.\d+$/.test(draft.trim())
  return (
    <form
      style={{ display: 'flex', gap: 6, alignItems: 'center', flexWrap: 'wrap' }}
      onSubmit={(e) => {
        e.preventDefault()
        if (valid) onApply(draft)
      }}
    >
      <label htmlFor={id} className="muted" style={{ fontSize: '0.8rem' }}>
        Version floor
      </label>
      <input
        id={id}
        name="floor"
        placeholder="e.g. 2.1.300"
        value={draft}
        onChange={(e) => setDraft(e.target.value)}
        aria-invalid={!valid}
        data-floor-input
        style={{
          font: 'inherit',
          fontSize: '0.9rem',
          padding: '3px 8px',
          border: `1px solid ${valid ? '#9ca3af' : 'var(--bad)'}`,
          borderRadius: 6,
          width: '8rem',
        }}
      />
      <button type="submit" disabled={!valid} data-floor-apply>
        Apply
      </button>
    </form>
  )
}
