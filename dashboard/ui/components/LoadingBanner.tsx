import { useQueryClient } from '@tanstack/react-query'
import { useEffect, useRef } from 'react'
import { ME_KEY, META_KEY, useMeta } from '../api'
import { loadingBanner, loadSnapshot, shouldRefresh, type LoadSnapshot } from '../prepare/loading'

/**
 * At the top of every page while a history loads (the demo's): how far it is, and, as more of it
 * arrives, the page's figures fetched again (at most every few seconds, and once at the end), so that
 * the page fills in without a reload. Meta is polled only while loading or empty (api.ts useMeta).
 */
export function LoadingBanner() {
  const meta = useMeta()
  const queryClient = useQueryClient()
  const last = useRef<{ snapshot: LoadSnapshot; at: number } | null>(null)

  useEffect(() => {
    if (!meta.data) return
    const now = loadSnapshot(meta.data)
    if (!last.current) {
      last.current = { snapshot: now, at: Date.now() }
      return
    }
    if (shouldRefresh(last.current.snapshot, now, Date.now() - last.current.at)) {
      last.current = { snapshot: now, at: Date.now() }
      void queryClient.invalidateQueries({ predicate: (q) => q.queryKey[0] !== META_KEY[0] && q.queryKey[0] !== ME_KEY[0] })
    }
  }, [meta.data, queryClient])

  const banner = loadingBanner(meta.data)
  if (!banner) return null
  return (
    <div className={`loading-banner ${banner.tone}`} role={banner.tone === 'failed' ? 'alert' : 'status'} data-panel="loading">
      <div className="loading-text">
        <strong>{banner.title}</strong> <span>{banner.detail}</span>
      </div>
      {banner.tone === 'progress' ? <progress max={100} value={banner.percent} aria-label={banner.title} /> : null}
    </div>
  )
}
