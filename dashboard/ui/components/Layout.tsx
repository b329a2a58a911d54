import { useIsFetching } from '@tanstack/react-query'
import type { ReactNode } from 'react'
import { NavLink, useLocation } from 'react-router'
import { FilterBar } from './FilterBar'

const PAGES = [
  { to: '/', label: 'Overview' },
  { to: '/adoption', label: 'Adoption' },
  { to: '/cost', label: 'Cost' },
  { to: '/policy', label: 'Policy' },
  { to: '/users', label: 'Users' },
]

/** Header with navigation (filters carried along in the URL), the filter bar, and the page. */
export function Layout({ children }: { children: ReactNode }) {
  const { search } = useLocation()
  // Only the global filters travel between pages; page-local options stay behind.
  const carried = new URLSearchParams()
  for (const key of ['range', 'from', 'to', 'tz', 'team', 'user', 'model']) for (const v of new URLSearchParams(search).getAll(key)) carried.append(key, v)
  const suffix = carried.size ? `?${carried}` : ''
  // How many queries are in flight: tests wait for 0 before reading figures.
  const fetching = useIsFetching()
  return (
    <>
      <a href="#main" className="skip-link">
        Skip to content
      </a>
      <header className="top">
        <div className="brand">
          ccscope <span className="muted">Claude Code usage</span>
        </div>
        <nav aria-label="Pages">
          {PAGES.map((p) => (
            <NavLink key={p.to} to={`${p.to}${suffix}`} end={p.to === '/'}>
              {p.label}
            </NavLink>
          ))}
        </nav>
      </header>
      <FilterBar />
      <main id="main">{children}</main>
      <span hidden data-fetching={fetching} />
    </>
  )
}
