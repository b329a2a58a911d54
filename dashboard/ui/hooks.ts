import { useMemo } from 'react'
import { useSearchParams } from 'react-router'
import { dateRange, filtersToSearch, parseFilters, type DateRange, type Filters } from './filters'
import { viewParam } from './plans'

/**
 * The global filters from the URL, the range they cover, the URL's search (page view options), and a setter that writes them back to the URL.
 * What a range is compared with is the API's answer (compare=previous, schemas/periods.ts), not the UI's.
 */
export function useFilters(): { filters: Filters; range: DateRange; search: URLSearchParams; setFilters: (next: Filters) => void } {
  const [search, setSearch] = useSearchParams()
  const filters = useMemo(() => parseFilters(search), [search])
  const range = useMemo(() => dateRange(filters), [filters])
  const setFilters = (next: Filters) => setSearch(filtersToSearch(next, search))
  return { filters, range, search, setFilters }
}

/** A page-local view option kept in the URL too (e.g. ?stack=team), with a default left out of links. */
export function useViewParam<T extends string>(name: string, allowed: readonly T[], fallback: T): [T, (value: T) => void] {
  const [search, setSearch] = useSearchParams()
  const value = viewParam(search, name, allowed, fallback)
  const set = (next: T) => {
    const out = new URLSearchParams(search)
    if (next === fallback) out.delete(name)
    else out.set(name, next)
    setSearch(out)
  }
  return [value, set]
}
