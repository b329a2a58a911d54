import { Route, Routes } from 'react-router'
import { Layout } from './components/Layout'
import { AdoptionPage } from './pages/Adoption'
import { CostPage } from './pages/Cost'
import { OverviewPage } from './pages/Overview'
import { PolicyPage } from './pages/Policy'
import { SessionPage } from './pages/Session'
import { UserPage } from './pages/User'
import { UsersPage } from './pages/Users'

export function App() {
  return (
    <Layout>
      <Routes>
        <Route path="/" element={<OverviewPage />} />
        <Route path="/adoption" element={<AdoptionPage />} />
        <Route path="/cost" element={<CostPage />} />
        <Route path="/policy" element={<PolicyPage />} />
        <Route path="/users" element={<UsersPage />} />
        <Route path="/users/:user" element={<UserPage />} />
        <Route path="/sessions/:session" element={<SessionPage />} />
        <Route path="*" element={<p>No such page. Pick one above.</p>} />
      </Routes>
    </Layout>
  )
}
