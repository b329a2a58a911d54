import { useEffect, useId, useState } from 'react'
import { useSearchParams } from 'react-router'
import { useApi, useMeta } from '../api'
import { Card } from '../components/Card'
import { Loadable, NoDataYet } from '../components/States'
import { UsersTable } from '../components/UsersTable'
import { formatCount } from '../format'
import { useFilters, useViewParam } from '../hooks'
import { ORDER_VALUES, usersExportUrl, usersOrder, usersPlan } from '../plans'
import { searchQuery, USER_SORTS, type UserSort } from '../prepare/users'

const DEBOUNCE_MS = 300

/**
 * The search text kept in the URL (?q=…): the box updates as one types, the URL (and so the request)
 * after a pause or at once on Enter; back/forward and shared links restore it.
 */
function useSearchText(name: string): { draft: string; setDraft: (text: string) => void; value: string; commit: (text: string) => void } {
  const [search, setSearch] = useSearchParams()
  const value = search.get(name) ?? ''
  const [draft, setDraft] = useState(value)
  const commit = (text: string) => {
    const q = searchQuery(text)
    if (q === value) return
    const out = new URLSearchParams(search)
    if (q) out.set(name, q)
    else out.delete(name)
    setSearch(out, { replace: true })
  }
  // The URL changed elsewhere (back, a link): the box follows, unless it already says the same.
  useEffect(() => setDraft((d) => (searchQuery(d) === value ? d : value)), [value])
  // biome-ignore lint/correctness/useExhaustiveDependencies: re-armed on each keystroke and URL change only; commit reads the URL when it fires
  useEffect(() => {
    if (searchQuery(draft) === value) return
    const timer = setTimeout(() => commit(draft), DEBOUNCE_MS)
    return () => clearTimeout(timer)
    // Re-armed on every keystroke (debounce) and when the URL changes (commit reads the current one).
  }, [draft, value, search])
  return { draft, setDraft, value, commit }
}

/** Everyone active in the range: search by key or name, sort, open one. */
export function UsersPage() {
  const { filters, range } = useFilters()
  const id = useId()
  const meta = useMeta()
  const text = useSearchText('q')
  const [search, setSearch] = useSearchParams()
  const { sort, order } = usersOrder(search)
  const natural = sort === 'user' ? 'asc' : 'desc'
  const [, setOrder] = useViewParam('order', ORDER_VALUES, 'auto')
  const users = useApi(usersPlan(filters, range, search).users)

  if (meta.data && meta.data.data.events === 0) return <NoDataYet />
  return (
    <div className="page">
      <h1>Users</h1>
      <Card
        id="users-list"
        title="Users active in the range"
        subtitle="Search by user key or display name; open a user for their trend, tools and sessions."
        wide
        actions={
          // biome-ignore lint/a11y/useSemanticElements: <search> is not yet announced by every screen reader; the role is
          <form
            role="search"
            aria-label="Users"
            style={{ display: 'flex', flexWrap: 'wrap', gap: '6px 10px', alignItems: 'center' }}
            onSubmit={(e) => {
              e.preventDefault()
              text.commit(text.draft)
            }}
          >
            <label htmlFor={`${id}-q`} className="muted" style={{ fontSize: '0.8rem' }}>
              Search
            </label>
            <input
              id={`${id}-q`}
              name="q"
              type="search"
              placeholder="name or email"
              maxLength={200}
              value={text.draft}
              onChange={(e) => text.setDraft(e.target.value)}
              style={{
                font: 'inherit',
                fontSize: '0.9rem',
                padding: '4px 8px',
                border: '1px solid #9ca3af',
                borderRadius: 6,
                width: '14rem',
                maxWidth: '100%',
              }}
            />
            <label htmlFor={`${id}-sort`} className="muted" style={{ fontSize: '0.8rem' }}>
              Sort by
            </label>
            <select
              id={`${id}-sort`}
              name="sort"
              value={sort}
              onChange={(e) => {
                // A new sort starts from its natural order.
                const next = e.target.value as UserSort
                const out = new URLSearchParams(search)
                if (next === 'costUsd') out.delete('sort')
                else out.set('sort', next)
                out.delete('order')
                setSearch(out)
              }}
              style={{ font: 'inherit', fontSize: '0.9rem', padding: '4px 8px', border: '1px solid #9ca3af', borderRadius: 6 }}
            >
              {USER_SORTS.map((s) => (
                <option key={s.value} value={s.value}>
                  {s.label}
                </option>
              ))}
            </select>
            <label htmlFor={`${id}-order`} className="sr-only">
              Order
            </label>
            <select
              id={`${id}-order`}
              name="order"
              value={order}
              onChange={(e) => setOrder(e.target.value === natural ? 'auto' : (e.target.value as 'asc' | 'desc'))}
              style={{ font: 'inherit', fontSize: '0.9rem', padding: '4px 8px', border: '1px solid #9ca3af', borderRadius: 6 }}
            >
              <option value="desc">{sort === 'user' ? 'Z → A' : sort === 'lastSeen' ? 'Most recent first' : 'Highest first'}</option>
              <option value="asc">{sort === 'user' ? 'A → Z' : sort === 'lastSeen' ? 'Longest ago first' : 'Lowest first'}</option>
            </select>
            <a
              className="button"
              href={usersExportUrl(filters, range, 'active', { sort, order, ...(text.value ? { q: text.value } : {}) })}
              download
              data-export="users-active"
              aria-label="Export the users list as CSV"
            >
              Export CSV
            </a>
          </form>
        }
      >
        <Loadable query={users}>
          {(d) => (
            <>
              <p className="muted" style={{ fontSize: '0.85rem', margin: '0 0 6px' }} aria-live="polite" data-count>
                {text.value
                  ? `${formatCount(d.rows.length)}${d.truncated ? '+' : ''} of ${formatCount(d.counts.activeUsers)} active users match “${text.value}”.`
                  : `${formatCount(d.counts.activeUsers)} active users: ${formatCount(d.counts.newUsers)} new, ${formatCount(d.counts.returningUsers)} returning, ${formatCount(d.counts.quietUsers)} gone quiet.`}
              </p>
              <UsersTable
                id="users-list"
                caption={`Users active in the range, sorted by ${USER_SORTS.find((s) => s.value === sort)?.label ?? sort}`}
                rows={d.rows}
                filters={filters}
                empty={text.value ? `No active user matches “${text.value}” in this range.` : 'Nobody used Claude Code in this range.'}
              />
              {d.truncated ? <p className="muted">The first {formatCount(d.rows.length)} are shown: search to find someone else.</p> : null}
            </>
          )}
        </Loadable>
      </Card>
    </div>
  )
}
