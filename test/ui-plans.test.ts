import { describe, expect, it } from 'vitest'
import { dateRange, parseFilters } from '../dashboard/ui/filters'
import { costPlan, overviewPlan, pageRequestUrls, reliabilityPlan, usersOrder, viewParam } from '../dashboard/ui/plans'

const NOW = new Date('2026-12-04T10:00:00Z')

describe('page plans', () => {
  it("lists the opened page's requests from its path and search, the same ones the page asks for", () => {
    const search = new URLSearchParams('range=7d&team=web&by=model&sort=requests')
    const filters = parseFilters(search)
    const range = dateRange(filters, NOW)
    expect(pageRequestUrls('/cost', search, NOW)).toEqual(Object.values(costPlan(filters, range, search)).map((r) => r.url))
    expect(pageRequestUrls('/', new URLSearchParams(), NOW)).toEqual(
      Object.values(overviewPlan(parseFilters(new URLSearchParams()), dateRange(parseFilters(new URLSearchParams()), NOW))).map((r) => r.url),
    )
    const table = costPlan(filters, range, search).table.url
    expect(table).toContain('groupBy=model')
    expect(table).toContain('sort=requests')
    expect(table).toContain('team=web')
    expect(table).toContain('from=2026-11-28&to=2026-12-05')
    // Reliability: one request, with the range and the team filter.
    expect(pageRequestUrls('/reliability', search, NOW)).toEqual([reliabilityPlan(filters, range).reliability.url])
    expect(reliabilityPlan(filters, range).reliability.url).toBe('/api/v1/reliability?from=2026-11-28&to=2026-12-05&tz=UTC&team=web')
  })

  it('decodes path pieces, and plans nothing for a page it does not know', () => {
    const urls = pageRequestUrls('/users/a%40b.com', new URLSearchParams(), NOW)
    expect(urls.some((u) => u.startsWith('/api/v1/users/a%40b.com/sessions?'))).toBe(true)
    expect(urls.some((u) => u.includes('user=a%40b.com'))).toBe(true)
    expect(pageRequestUrls('/sessions/s-1', new URLSearchParams(), NOW)).toEqual(['/api/v1/sessions/s-1'])
    expect(pageRequestUrls('/nowhere', new URLSearchParams(), NOW)).toEqual([])
    expect(pageRequestUrls('/users/a/b', new URLSearchParams(), NOW)).toEqual([])
  })

  it('reads view options from the URL, falling back to the default for anything not allowed', () => {
    expect(viewParam(new URLSearchParams('stack=team'), 'stack', ['model', 'team'], 'model')).toBe('team')
    expect(viewParam(new URLSearchParams('stack=<x>'), 'stack', ['model', 'team'], 'model')).toBe('model')
    expect(usersOrder(new URLSearchParams('sort=user'))).toEqual({ sort: 'user', order: 'asc' })
    expect(usersOrder(new URLSearchParams('sort=user&order=desc'))).toEqual({ sort: 'user', order: 'desc' })
    expect(usersOrder(new URLSearchParams())).toEqual({ sort: 'costUsd', order: 'desc' })
  })
})
