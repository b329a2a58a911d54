/** The app: React, its query cache and router, mounted on #root (main.tsx loads this once the first requests are under way). */
import { QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { BrowserRouter } from 'react-router'
import { ApiRequestError, ME_KEY } from './api'
import { App } from './App'

performance.mark('ccscope:boot')

const queryClient: QueryClient = new QueryClient({
  // A 401 from any request means the session has ended: the login page shows (App.tsx).
  queryCache: new QueryCache({
    onError: (error) => {
      if (error instanceof ApiRequestError && error.status === 401) queryClient.setQueryData(ME_KEY, null)
    },
  }),
  defaultOptions: {
    queries: {
      staleTime: 60_000,
      refetchOnWindowFocus: false,
      // Once more after a network or server error; a 4xx will not change by asking again.
      retry: (failures, error) => failures < 1 && !(error instanceof ApiRequestError && error.status >= 400 && error.status < 500),
    },
  },
})

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <BrowserRouter>
        <App />
      </BrowserRouter>
    </QueryClientProvider>
  </StrictMode>,
)
