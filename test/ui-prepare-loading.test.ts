import { describe, expect, it } from 'vitest'
import type { MetaLoading, MetaResponse } from '../schemas/meta'
import {
  EMPTY_POLL_MS,
  LOADING_POLL_MS,
  loadingBanner,
  loadSnapshot,
  metaPollInterval,
  REFRESH_WHILE_LOADING_MS,
  shouldRefresh,
} from '../dashboard/ui/prepare/loading'

const loading: MetaLoading = {
  what: "the demo fleet's history",
  state: 'loading',
  percent: 42.4,
  records: { loaded: 765_000, total: 1_823_443 },
  from: '2026-10-27T12:15:00.000Z',
  to: '2026-11-26T12:15:00.000Z',
  loadedFrom: '2026-11-19T00:00:00.000Z',
  startedAt: '2026-11-26T12:15:03.000Z',
  etaSeconds: 17,
  message: null,
}

function meta(events: number, l: MetaLoading | null): MetaResponse {
  return { version: '0.1.0', otlp: { httpPort: 4318, grpcPort: 4317, authRequired: false }, data: { events, first: null, last: null }, loading: l }
}

describe('while a history loads', () => {
  it('meta is polled only while loading or empty', () => {
    expect(metaPollInterval(undefined)).toBe(false)
    expect(metaPollInterval(meta(0, null))).toBe(EMPTY_POLL_MS)
    expect(metaPollInterval(meta(100, loading))).toBe(LOADING_POLL_MS)
    expect(metaPollInterval(meta(0, loading))).toBe(LOADING_POLL_MS)
    expect(metaPollInterval(meta(100, null))).toBe(false)
    expect(metaPollInterval(meta(100, { ...loading, state: 'complete' }))).toBe(false)
  })

  it('the banner says how far, how long, and from when figures are complete; nothing once done', () => {
    expect(loadingBanner(meta(100, loading))).toEqual({
      tone: 'progress',
      title: "Loading the demo fleet's history: 42%",
      detail: '765K of 1.8M records, about 17s left. Figures are complete from Nov 19 on; older days fill in as they load.',
      percent: 42.4,
    })
    expect(loadingBanner(meta(0, { ...loading, percent: 0, records: { loaded: 0, total: 10 }, loadedFrom: null, etaSeconds: null }))?.detail).toBe(
      '0 of 10 records. The newest day comes first.',
    )
    expect(loadingBanner(meta(100, { ...loading, state: 'failed', message: 'disk full' }))).toMatchObject({
      tone: 'failed',
      title: "Loading the demo fleet's history stopped at 42%",
    })
    expect(loadingBanner(meta(100, { ...loading, state: 'complete', percent: 100 }))).toBeNull()
    expect(loadingBanner(meta(100, null))).toBeNull()
  })

  it("pages' figures are fetched again when data first arrives, as it loads (not too often), and when it ends", () => {
    const empty = loadSnapshot(meta(0, { ...loading, records: { loaded: 0, total: 10 } }))
    const some = loadSnapshot(meta(50, { ...loading, records: { loaded: 5, total: 10 } }))
    const more = loadSnapshot(meta(80, { ...loading, records: { loaded: 8, total: 10 } }))
    const done = loadSnapshot(meta(100, { ...loading, state: 'complete', records: { loaded: 10, total: 10 } }))
    expect(shouldRefresh(empty, some, 0)).toBe(true)
    expect(shouldRefresh(some, more, REFRESH_WHILE_LOADING_MS - 1)).toBe(false)
    expect(shouldRefresh(some, more, REFRESH_WHILE_LOADING_MS)).toBe(true)
    expect(shouldRefresh(more, more, 60_000)).toBe(false)
    expect(shouldRefresh(more, done, 0)).toBe(true)
    expect(shouldRefresh(done, done, 60_000)).toBe(false)
    // An install with no demo: the first telemetry fills the empty pages.
    expect(shouldRefresh(loadSnapshot(meta(0, null)), loadSnapshot(meta(7, null)), 0)).toBe(true)
  })
})
