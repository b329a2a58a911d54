import { Suspense, type ReactNode } from 'react'
import { Navigate, Route, Routes } from 'react-router'
import type { MeResponse } from '../../schemas/auth'
import { canSee, NAV_PAGES, type PageName } from './access'
import { useMe } from './api'
import { Layout } from './components/Layout'
import { ErrorBox, Forbidden, Skeleton } from './components/States'
import { LoginPage } from './pages/Login'
import { PAGE_ROUTES } from './routes'

/** A page the role may use, or the reason it may not. The landing page sends a role to its first page instead. */
function Allowed({ me, page, children }: { me: MeResponse; page: PageName; children: ReactNode }) {
  if (canSee(me.role, page)) return <>{children}</>
  const first = NAV_PAGES.find((p) => canSee(me.role, p.page))
  if (page === 'overview' && first) return <Navigate to={first.to} replace />
  return <Forbidden role={me.role} what="this page" />
}

export function App() {
  const me = useMe()
  if (me.isPending) return <Skeleton label="Checking who is signed in" />
  if (me.isError) return <ErrorBox error={me.error} retry={() => void me.refetch()} />
  if (me.data === null) return <LoginPage />
  const user = me.data
  const page = (name: PageName, element: ReactNode) => (
    <Allowed me={user} page={name}>
      {element}
    </Allowed>
  )
  return (
    <Layout me={user}>
      <Suspense fallback={<Skeleton label="Loading the page" />}>
        <Routes>
          {PAGE_ROUTES.map(({ path, page: name, Page }) => (
            <Route key={path} path={path} element={page(name, <Page />)} />
          ))}
          <Route path="*" element={<p>No such page. Pick one above.</p>} />
        </Routes>
      </Suspense>
    </Layout>
  )
}
