import { useEffect, useId, useState } from 'react'
import { canAccess } from '../../../schemas/auth'
import { useMe, useOptionList, usePanelFetching } from '../api'
import { addDays, daysBetween, type Filters, type Preset } from '../filters'
import { useFilters } from '../hooks'
import { groupLabel } from '../prepare/series'

const PRESET_LABELS: Record<Preset, string> = {
  '7d': 'Last 7 days',
  '30d': 'Last 30 days',
  '90d': 'Last 90 days',
  mtd: 'This month',
  lastMonth: 'Last month',
  custom: 'Custom range',
}

function zoneChoices(current: string): string[] {
  const local = Intl.DateTimeFormat().resolvedOptions().timeZone
  return [...new Set(['UTC', local, current, 'America/New_York', 'America/Los_Angeles', 'Europe/London', 'Europe/Berlin', 'Asia/Kolkata', 'Asia/Tokyo'])]
}

/** The global filters: every panel of every page follows them, and they live in the URL. */
export function FilterBar() {
  const { filters, range, setFilters } = useFilters()
  const id = useId()
  const base = { from: range.from, to: range.to, tz: filters.tz }
  // Teams and people are listed from adoption (everyone active), or from cost for a role without adoption.
  const me = useMe()
  const lists = me.data && !canAccess(me.data.role, 'GET /api/v1/adoption') ? 'cost' : 'adoption'
  // The option lists wait for the page's own queries (its panels get the engine first), unless someone
  // reaches for a filter; after 3 s they load anyway.
  // Panels, not the signed-in check or server facts: those finish before a page's chunk has even loaded.
  const pageFetching = usePanelFetching()
  const [pageLoaded, setPageLoaded] = useState(false)
  const [pageStarted, setPageStarted] = useState(false)
  const [reaching, setReaching] = useState(false)
  useEffect(() => {
    if (pageFetching > 0) setPageStarted(true)
    else if (pageStarted) setPageLoaded(true)
  }, [pageFetching, pageStarted])
  useEffect(() => {
    const timer = setTimeout(() => setPageLoaded(true), 3000)
    return () => clearTimeout(timer)
  }, [])
  const load = reaching || (pageLoaded && pageFetching === 0)
  // Only the names are shown, so each list asks for one measure, not the dataset's all: at 10 M events the
  // three lists cost the engine 100 ms instead of 195, and the people list is 63 kB instead of 198.
  const listed = { ...base, measures: [lists === 'cost' ? 'costUsd' : 'activeUsers'] }
  const teams = useOptionList(lists, { ...listed, groupBy: 'team', sort: 'team', limit: 500 }, load)
  const models = useOptionList('cost', { ...base, measures: ['costUsd'], groupBy: 'model', limit: 100 }, load)
  const users = useOptionList(lists, { ...listed, groupBy: 'user', sort: 'user', limit: 2000 }, load)
  const set = (patch: Partial<Filters>) => setFilters({ ...filters, ...patch })

  return (
    <form
      className="filters"
      aria-label="Filters"
      onSubmit={(e) => e.preventDefault()}
      onFocus={() => setReaching(true)}
      onPointerEnter={() => setReaching(true)}
      data-options-ready={load && !teams.isFetching && !models.isFetching && !users.isFetching ? '' : undefined}
    >
      <span className="field">
        <label htmlFor={`${id}-range`}>Range</label>
        <select
          id={`${id}-range`}
          name="range"
          value={filters.preset}
          onChange={(e) => {
            const preset = e.target.value as Preset
            if (preset === 'custom') set({ preset, from: range.from, to: addDays(range.drawnTo, -1) })
            else set({ preset, from: '', to: '' })
          }}
        >
          {(['7d', '30d', '90d', 'mtd', 'lastMonth', 'custom'] as const).map((p) => (
            <option key={p} value={p}>
              {PRESET_LABELS[p]}
            </option>
          ))}
        </select>
        {filters.preset === 'custom' ? (
          <>
            <label htmlFor={`${id}-from`} className="sr-only">
              From
            </label>
            <input
              id={`${id}-from`}
              name="from"
              type="date"
              value={filters.from}
              max={filters.to}
              onChange={(e) => e.target.value && set({ from: e.target.value })}
            />
            <span aria-hidden="true">–</span>
            <label htmlFor={`${id}-to`} className="sr-only">
              To
            </label>
            <input
              id={`${id}-to`}
              name="to"
              type="date"
              value={filters.to}
              min={filters.from}
              onChange={(e) => e.target.value && set({ to: e.target.value })}
            />
          </>
        ) : null}
      </span>

      <span className="field">
        <label htmlFor={`${id}-team`}>Team</label>
        <select id={`${id}-team`} name="team" value={filters.teams[0] ?? ''} onChange={(e) => set({ teams: e.target.value ? [e.target.value] : [] })}>
          <option value="">All teams</option>
          {(teams.data?.rows ?? [])
            .filter((r) => r.group)
            .map((r) => (
              <option key={r.group} value={r.group}>
                {groupLabel(r.group)}
              </option>
            ))}
          {filters.teams[0] && !teams.data?.rows.some((r) => r.group === filters.teams[0]) ? (
            <option value={filters.teams[0]}>{filters.teams[0]}</option>
          ) : null}
        </select>
      </span>

      <span className="field">
        <label htmlFor={`${id}-user`}>User</label>
        <input
          id={`${id}-user`}
          name="user"
          type="search"
          list={`${id}-users`}
          placeholder="All users"
          defaultValue={filters.user}
          key={filters.user}
          onKeyDown={(e) => {
            if (e.key === 'Enter') set({ user: e.currentTarget.value.trim() })
          }}
          onBlur={(e) => e.target.value.trim() !== filters.user && set({ user: e.target.value.trim() })}
        />
        <datalist id={`${id}-users`}>
          {(users.data?.rows ?? []).map((r) => (
            <option key={r.group} value={r.group}>
              {r.label || r.group}
            </option>
          ))}
        </datalist>
      </span>

      <span className="field">
        <label htmlFor={`${id}-model`}>Model</label>
        <select id={`${id}-model`} name="model" value={filters.model} onChange={(e) => set({ model: e.target.value })} title="Applies to cost figures">
          <option value="">All models</option>
          {(models.data?.rows ?? []).map((r) => (
            <option key={r.group} value={r.group}>
              {groupLabel(r.group)}
            </option>
          ))}
        </select>
      </span>

      <span className="field">
        <label htmlFor={`${id}-tz`}>Time zone</label>
        <select id={`${id}-tz`} name="tz" value={filters.tz} onChange={(e) => set({ tz: e.target.value })}>
          {zoneChoices(filters.tz).map((z) => (
            <option key={z} value={z}>
              {z}
            </option>
          ))}
        </select>
      </span>
      <span className="muted range-note" data-range>
        {range.drawnTo < range.to
          ? `${range.from} → ${addDays(range.drawnTo, -1)} (${daysBetween(range.from, range.drawnTo)} of ${range.days} days, ${filters.tz})`
          : `${range.from} → ${addDays(range.to, -1)} (${range.days} days, ${filters.tz})`}
      </span>
    </form>
  )
}
