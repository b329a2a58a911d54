import { useIsFetching, useQueryClient } from '@tanstack/react-query'
import type { ReactNode } from 'react'
import { NavLink, useLocation } from 'react-router'
import type { MeResponse } from '../../../schemas/auth'
import { canSee, NAV_PAGES } from '../access'
import { OPTIONS_KEY, signOut, switchUser, usePageFetching } from '../api'
import { FilterBar } from './FilterBar'
import { LoadingBanner } from './LoadingBanner'

/** Who is signed in, and the way out (a proxy or open mode has no session to end here). */
function SignedIn({ me }: { me: MeResponse }) {
  const queryClient = useQueryClient()
  const leave = async () => {
    await signOut().catch(() => undefined)
    switchUser(queryClient, null)
  }
  if (me.via === 'open')
    return (
      <div className="me" data-me="open">
        <span title="No users are configured: ccscope answers this machine only, as admin">local admin</span>
      </div>
    )
  return (
    <div className="me" data-me={me.user}>
      <span>
        {me.user}{' '}
        <span className="tag" data-role={me.role}>
          {me.role}
        </span>
        {me.teams.length ? <span className="muted"> {me.teams.join(', ')}</span> : null}
      </span>
      {me.via === 'session' ? (
        <button type="button" onClick={() => void leave()}>
          Sign out
        </button>
      ) : null}
    </div>
  )
}

/** Header with navigation (filters carried along in the URL), the filter bar, and the page. */
export function Layout({ me, children }: { me: MeResponse; children: ReactNode }) {
  const { search, pathname } = useLocation()
  // Only the global filters travel between pages; page-local options stay behind.
  const carried = new URLSearchParams()
  for (const key of ['range', 'from', 'to', 'tz', 'team', 'user', 'model']) for (const v of new URLSearchParams(search).getAll(key)) carried.append(key, v)
  const suffix = carried.size ? `?${carried}` : ''
  // How many of the page's queries are in flight, and of the filter bar's option lists: tests wait for both
  // to be 0 before reading figures; bench/pages.ts times the page's (what the reader sees). The location
  // rendered tells them the page on screen is the address bar's: after a click the URL changes before the
  // new page renders, and until then the old page's 0 would read as settled.
  const fetching = usePageFetching()
  const fetchingOptions = useIsFetching({ queryKey: [OPTIONS_KEY] })
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
          {NAV_PAGES.filter((p) => canSee(me.role, p.page)).map((p) => (
            <NavLink key={p.to} to={`${p.to}${suffix}`} end={p.to === '/'}>
              {p.label}
            </NavLink>
          ))}
        </nav>
        <SignedIn me={me} />
      </header>
      {/* The directory and budgets are not about a chosen range or team: no filters there. */}
      {pathname === '/directory' || pathname === '/budgets' ? null : <FilterBar />}
      <LoadingBanner />
      <main id="main">{children}</main>
      <span hidden data-fetching={fetching} data-fetching-options={fetchingOptions} data-location={`${pathname}${search}`} />
    </>
  )
}
