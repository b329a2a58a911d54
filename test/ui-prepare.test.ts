import { describe, expect, it } from 'vitest'
import type { SummaryResponse } from '../schemas/analytics'
import { dateRange, datasetParams, dayIn, DEFAULT_FILTERS, filtersToSearch, parseFilters, toQueryString, type Filters } from '../dashboard/ui/filters'
import {
  change,
  formatChartPeriod,
  formatCount,
  formatDuration,
  formatPercent,
  formatPeriod,
  formatUsd,
  formatUsdTick,
  tooltipValue,
  MIN_RATE_DENOMINATOR,
  rateView,
  usdFormatFor,
} from '../dashboard/ui/format'
import { comparedWith, comparison, comparisonNote, headlineStats } from '../dashboard/ui/prepare/overview'
import { previousCovered } from '../schemas/data-start'
import {
  barItems,
  blankBefore,
  dataStartIn,
  daysOf,
  durationUnit,
  MAX_PERIOD_LABELS,
  niceTicks,
  OTHER_COLOR,
  PALETTE,
  partialPeriods,
  periodLabelInterval,
  seriesColors,
  seriesMax,
  singleSeries,
  stackedSeries,
} from '../dashboard/ui/prepare/series'

describe('filters in the URL', () => {
  it('round-trip, leaving defaults out', () => {
    const filters: Filters = {
      preset: 'custom',
      from: '2026-11-01',
      to: '2026-11-14',
      tz: 'Europe/Berlin',
      teams: ['web', 'mobile'],
      user: 'dana@example.com',
      model: 'claude-opus-5-5',
    }
    const search = filtersToSearch(filters)
    expect(search.toString()).toBe('from=2026-11-01&to=2026-11-14&tz=Europe%2FBerlin&team=web&team=mobile&user=dana%40example.com&model=claude-opus-5-5')
    expect(parseFilters(search)).toEqual(filters)
    expect(filtersToSearch(DEFAULT_FILTERS).toString()).toBe('')
    expect(filtersToSearch({ ...DEFAULT_FILTERS, preset: '7d' }, new URLSearchParams('by=team')).toString()).toBe('by=team&range=7d')
  })

  it('fall back to defaults on nonsense', () => {
    expect(parseFilters(new URLSearchParams('range=1y&from=2026-13-01&to=x&team='))).toEqual(DEFAULT_FILTERS)
    expect(parseFilters(new URLSearchParams('from=2026-11-20&to=2026-11-01')).preset).toBe('30d')
  })

  it('cover whole days ending today in the zone', () => {
    const now = new Date('2026-11-29T23:30:00Z')
    expect(dateRange({ ...DEFAULT_FILTERS, preset: '7d' }, now)).toEqual({ from: '2026-11-23', to: '2026-11-30', days: 7, drawnTo: '2026-11-30' })
    // Already the 30th in Kolkata.
    expect(dateRange({ ...DEFAULT_FILTERS, preset: '7d', tz: 'Asia/Kolkata' }, now)).toEqual({
      from: '2026-11-24',
      to: '2026-12-01',
      days: 7,
      drawnTo: '2026-12-01',
    })
    const custom = dateRange({ ...DEFAULT_FILTERS, preset: 'custom', from: '2026-11-01', to: '2026-11-14' }, now)
    expect(custom).toEqual({ from: '2026-11-01', to: '2026-11-15', days: 14, drawnTo: '2026-11-15' })
  })

  it('cover calendar months: this month whole (drawn to today), last month whole, in the zone', () => {
    const now = new Date('2026-12-01T02:00:00Z')
    // Already December in UTC: this month is December, drawn up to today; last month is November.
    expect(dateRange({ ...DEFAULT_FILTERS, preset: 'mtd' }, now)).toEqual({ from: '2026-12-01', to: '2027-01-01', days: 31, drawnTo: '2026-12-02' })
    expect(dateRange({ ...DEFAULT_FILTERS, preset: 'lastMonth' }, now)).toEqual({ from: '2026-11-01', to: '2026-12-01', days: 30, drawnTo: '2026-12-01' })
    // Still 30 November in Los Angeles.
    expect(dateRange({ ...DEFAULT_FILTERS, preset: 'mtd', tz: 'America/Los_Angeles' }, now)).toEqual({
      from: '2026-11-01',
      to: '2026-12-01',
      days: 30,
      drawnTo: '2026-12-01',
    })
    expect(dateRange({ ...DEFAULT_FILTERS, preset: 'lastMonth', tz: 'America/Los_Angeles' }, now)).toEqual({
      from: '2026-10-01',
      to: '2026-11-01',
      days: 31,
      drawnTo: '2026-11-01',
    })
    // January's last month is last year's December; the presets survive the URL.
    expect(dateRange({ ...DEFAULT_FILTERS, preset: 'lastMonth' }, new Date('2027-01-15T12:00:00Z'))).toMatchObject({ from: '2026-12-01', to: '2027-01-01' })
    expect(parseFilters(filtersToSearch({ ...DEFAULT_FILTERS, preset: 'mtd' })).preset).toBe('mtd')
    // A custom range reaching past today is drawn up to today.
    expect(dateRange({ ...DEFAULT_FILTERS, preset: 'custom', from: '2026-11-20', to: '2026-12-31' }, now).drawnTo).toBe('2026-12-02')
  })

  it('send each dataset only the filters it knows', () => {
    const filters: Filters = { ...DEFAULT_FILTERS, teams: ['web'], user: 'u@x', model: 'm' }
    const range = { from: '2026-11-01', to: '2026-11-08', days: 7, drawnTo: '2026-11-08' }
    expect(datasetParams(filters, 'cost', range)).toMatchObject({ team: ['web'], user: 'u@x', model: 'm' })
    expect(datasetParams(filters, 'adoption', range)).not.toHaveProperty('model')
    expect(datasetParams(filters, 'summary', range)).not.toHaveProperty('model')
    expect(toQueryString({ team: ['a', 'b'], user: '', limit: 5 })).toBe('team=a&team=b&limit=5')
  })
})

describe('partial periods on a chart', () => {
  it('are the last one while the range reaches the present and those whose rows say they are cut, and the tooltip names them', () => {
    const rows = [
      { period: '2026-12-04', complete: true, costUsd: 5 },
      { period: '2026-12-05', complete: false, costUsd: 0.1, group: 'web' },
      { period: '2026-12-05', complete: false, costUsd: 0.2, group: 'api' },
      { period: '2026-11-30', complete: false, costUsd: 1 },
      { period: '2026-12-03', costUsd: 2 },
    ]
    expect(partialPeriods(rows, ['2026-11-30', '2026-12-03', '2026-12-04', '2026-12-05'], false)).toEqual(['2026-11-30', '2026-12-05'])
    // Today so far, before any row of today arrived: still partial, from the answer's own flag.
    expect(partialPeriods([], ['2026-12-04', '2026-12-05'], true)).toEqual(['2026-12-05'])
    expect(partialPeriods([], ['2026-12-04', '2026-12-05'], false)).toEqual([])
    expect(formatChartPeriod('2026-12-05', ['2026-12-05'])).toBe(`${formatPeriod('2026-12-05')} (partial)`)
    expect(formatChartPeriod('2026-12-04', ['2026-12-05'])).toBe(formatPeriod('2026-12-04'))
  })
})

describe('y-axis ticks', () => {
  it('step by 1, 2, 2.5 or 5 × 10^k from 0 to at or past the largest value', () => {
    expect(niceTicks(38_000)).toEqual([0, 10_000, 20_000, 30_000, 40_000])
    expect(niceTicks(7)).toEqual([0, 2, 4, 6, 8])
    expect(niceTicks(3)).toEqual([0, 1, 2, 3])
    expect(niceTicks(0)).toEqual([0, 1])
    // Durations in the unit the largest reads in: 777.8 hours step by 200 hours, not 194.4.
    const seconds = 777.8 * 3600
    expect(durationUnit(seconds)).toBe(3600)
    expect(niceTicks(seconds, 3600).map((t) => t / 3600)).toEqual([0, 200, 400, 600, 800])
    expect(niceTicks(45 * 60, durationUnit(45 * 60)).map((t) => t / 60)).toEqual([0, 20, 40, 60])
    for (const largest of [1, 9, 11, 99, 101, 1234, 38_000, 1.8e6, 0.5 * 3600])
      for (const unit of [1, 60, 3600]) {
        const ticks = niceTicks(largest, unit)
        expect(ticks.at(-1), `${largest} ${unit}`).toBeGreaterThanOrEqual(largest)
        expect(ticks.length, `${largest} ${unit}`).toBeLessThanOrEqual(6)
      }
  })

  it('reach the largest value of the series drawn', () => {
    const data = [
      { period: 'a', sessions: 3, prompts: 40 },
      { period: 'b', sessions: 9, prompts: 12 },
    ]
    expect(seriesMax(data, ['sessions'])).toBe(9)
    expect(seriesMax(data, ['sessions', 'prompts'])).toBe(40)
    expect(seriesMax([], ['sessions'])).toBe(0)
  })
})

describe('period labels on an x axis', () => {
  it('shows every period up to five, then an even step that keeps at most five', () => {
    expect(periodLabelInterval(0)).toBe(0)
    expect(periodLabelInterval(5)).toBe(0)
    expect(periodLabelInterval(6)).toBe(1)
    expect(periodLabelInterval(30)).toBe(5)
    for (const n of [1, 7, 8, 13, 14, 15, 30, 31, 90, 365]) {
      const shown = Math.ceil(n / (periodLabelInterval(n) + 1))
      expect(shown, String(n)).toBeLessThanOrEqual(MAX_PERIOD_LABELS)
      expect(shown, String(n)).toBeGreaterThanOrEqual(Math.min(n, 3))
    }
  })
})

describe('formatting', () => {
  it('reads like a person writes', () => {
    expect(formatUsd(1234.567)).toBe('$1,234.57')
    expect(formatUsd(250_000)).toBe('$250K')
    expect(formatUsd(null)).toBe('—')
    // Money on an axis: short, no trailing cents.
    expect([0, 500, 0.25, 2.5, 4000, 16_000, 1_500_000].map(formatUsdTick)).toEqual(['$0', '$500', '$0.25', '$2.5', '$4K', '$16K', '$1.5M'])
    // Parts of one total share the largest one's scale.
    const parts = usdFormatFor([193_500, 121_100, 72_432.82, 0])
    expect([193_500, 121_100, 72_432.82, 0].map(parts)).toEqual(['$193.5K', '$121.1K', '$72.4K', '$0'])
    expect(usdFormatFor([10.5, 3.5])(3)).toBe('$3.00')
    expect(usdFormatFor([250_000, null])(null)).toBe('—')
    expect(formatCount(9999)).toBe('9,999')
    expect(formatCount(12_345)).toBe('12.3K')
    expect(formatPercent(0.1234)).toBe('12.3%')
    expect(formatPercent(0.0004)).toBe('0.04%')
    expect(formatDuration(42)).toBe('42s')
    expect(formatDuration(3 * 3600 + 20 * 60)).toBe('3h 20m')
    expect(formatPeriod('2026-11-03')).toBe('Nov 3')
    expect(formatPeriod('2026-11-03T14:00')).toBe('Nov 3, 14:00')
  })

  it('states the change against the previous period', () => {
    expect(change(120, 100)).toEqual({ text: '+20%', direction: 'up' })
    expect(change(50, 100)).toEqual({ text: '−50%', direction: 'down' })
    expect(change(5, 0)).toEqual({ text: 'new', direction: 'up' })
    expect(change(0, 0)).toEqual({ text: '—', direction: 'flat' })
    expect(change(999, 100)).toEqual({ text: '+899%', direction: 'up' })
    // A change that rounds to nothing is flat: not "▼ −0%" (seen on the edit accept rate, 0.8978 vs 0.8980).
    expect(change(0.8978, 0.898)).toEqual({ text: '0%', direction: 'flat' })
    expect(change(100_001, 100_000)).toEqual({ text: '0%', direction: 'flat' })
    expect(change(1_667, 100)).toEqual({ text: '16.7×', direction: 'up' })
    expect(change(946_660, 100)).toEqual({ text: '9,467×', direction: 'up' })
  })

  it('calls a change unknown when either side is not reported, never a fall to or rise from zero', () => {
    expect(change(null, 100)).toEqual({ text: '—', direction: 'flat' })
    expect(change(100, null)).toEqual({ text: '—', direction: 'flat' })
    expect(change(100, undefined)).toEqual({ text: '—', direction: 'flat' })
  })

  it('shows a rate on a tiny denominator with its counts, flagged', () => {
    expect(rateView(1, 1)).toEqual({ text: '100%', counts: '1 of 1', low: true })
    expect(rateView(4_000, 10_000)).toEqual({ text: '40%', counts: '4,000 of 10K', low: false })
    expect(rateView(0, MIN_RATE_DENOMINATOR).low).toBe(false)
    expect(rateView(0, MIN_RATE_DENOMINATOR - 1).low).toBe(true)
    expect(rateView(null, 10)).toEqual({ text: '—', counts: '', low: false })
    expect(rateView(0, 0)).toEqual({ text: '—', counts: '', low: false })
  })

  it("names what a change is measured against: the API's previous span, the same elapsed time when the period is not over", () => {
    const previous = { from: '2026-11-19T00:00:00.000Z', to: '2026-11-25T14:15:00.000Z', timeZone: 'UTC' }
    expect(comparisonNote(previous, true)).toEqual({
      text: 'vs same span before',
      title: 'Compared with Nov 19, 00:00 – Nov 25, 14:15 (UTC): the period is not over, so it is compared with the same elapsed time of the one before',
    })
    expect(comparisonNote(previous, false).text).toBe('vs previous period')
    expect(comparisonNote({ ...previous, timeZone: 'Asia/Kolkata' }, false).title).toBe('Compared with Nov 19, 05:30 – Nov 25, 19:45 (Asia/Kolkata)')
    expect(comparisonNote(null, true).text).toBe('nothing to compare yet')
  })
})

describe('chart data', () => {
  it('gives the top 8 groups and Other nine distinct colours, Other always grey', () => {
    const keys = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'Other']
    const colors = seriesColors(keys)
    expect(new Set(colors.values()).size).toBe(9)
    expect(colors.get('Other')).toBe(OTHER_COLOR)
    expect(PALETTE).not.toContain(OTHER_COLOR)
    expect(seriesColors(['Other', 'x']).get('x')).toBe(PALETTE[0])
  })

  it('fills quiet days with zero, in order', () => {
    const days = daysOf('2026-11-01', '2026-11-04')
    expect(days).toEqual(['2026-11-01', '2026-11-02', '2026-11-03'])
    expect(
      singleSeries(
        [
          { period: '2026-11-03', costUsd: 2 },
          { period: '2026-11-01', costUsd: 1 },
        ],
        'costUsd',
        days,
      ),
    ).toEqual([
      { period: '2026-11-01', value: 1 },
      { period: '2026-11-02', value: 0 },
      { period: '2026-11-03', value: 2 },
    ])
  })

  it('draws a day whose row does not report the measure as a gap (null), not as 0', () => {
    // A team whose event senders were all quiet that day: its metrics report cost, its denials are unknown.
    const days = daysOf('2026-11-14', '2026-11-17')
    const rows = [
      { period: '2026-11-14', policyDenials: 3 },
      { period: '2026-11-15', policyDenials: null },
    ]
    expect(singleSeries(rows, 'policyDenials', days)).toEqual([
      { period: '2026-11-14', value: 3 },
      { period: '2026-11-15', value: null },
      { period: '2026-11-16', value: 0 },
    ])
    expect(tooltipValue(null, formatCount)).toBe('not reported')
    expect(tooltipValue(0, formatCount)).toBe('0')
  })

  it('stacks groups largest first and folds the rest into Other', () => {
    const rows = [
      { period: 'd1', group: 'a', costUsd: 5 },
      { period: 'd1', group: 'b', costUsd: 3 },
      { period: 'd2', group: 'c', costUsd: 1 },
      { period: 'd2', group: '', costUsd: 0.5 },
    ]
    const { data, keys } = stackedSeries(rows, 'costUsd', 3)
    expect(keys).toEqual(['a', 'b', 'Other'])
    expect(data).toEqual([
      { period: 'd1', a: 5, b: 3, Other: 0 },
      { period: 'd2', a: 0, b: 0, Other: 1.5 },
    ])
    // Totals are kept: nothing is lost to folding.
    const sum = data.reduce((s, p) => s + keys.reduce((t, k) => t + (p[k] as number), 0), 0)
    expect(sum).toBe(9.5)
  })

  it('ranks bars with their share, labelling what was not reported', () => {
    expect(
      barItems(
        [
          { group: 'x', costUsd: 1 },
          { group: '', costUsd: 3 },
          { group: 'z', costUsd: 0 },
        ],
        'costUsd',
      ),
    ).toEqual([
      { label: '(not reported)', value: 3, share: 0.75 },
      { label: 'x', value: 1, share: 0.25 },
    ])
  })

  it('headline figures compare with the previous period', () => {
    const base: SummaryResponse = {
      range: { from: '', to: '', timeZone: 'UTC' },
      users: 10,
      sessions: 40,
      apiRequests: 100,
      costUsd: 50,
      costPerActiveUserDay: 1.25,
      tokens: { input: 0, output: 0, cacheRead: 0, cacheCreation: 0 },
      cacheSavingsUsd: 0,
      prompts: 0,
      editAcceptRate: 0.8,
      toolDecisions: { accept: 90, reject: 10 },
      policyDenials: 4,
      policyDenialRate: 0.04,
      editDecisions: 100,
      coverage: { users: 10, usersWithEvents: 10, usersWithMetrics: 10 },
      partial: false,
    }
    const stats = headlineStats(base, { ...base, users: 8, costUsd: 100, policyDenials: 4 })
    const byId = Object.fromEntries(stats.map((s) => [s.id, s]))
    expect(byId['active-users']).toMatchObject({ value: '10', change: { text: '+25%', direction: 'up' }, upIsGood: true })
    expect(byId['cost']).toMatchObject({ value: '$50.00', change: { text: '−50%', direction: 'down' }, upIsGood: false })
    expect(byId['policy-denials']?.change.direction).toBe('flat')
    expect(byId['edit-accept-rate']?.value).toBe('80%')
  })

  it('a metrics-only range shows event figures as not reported, with the reason, and no change', () => {
    const metricsOnly: SummaryResponse = {
      range: { from: '', to: '', timeZone: 'UTC' },
      users: 3,
      sessions: 5,
      apiRequests: null,
      costUsd: 12,
      costPerActiveUserDay: 2,
      tokens: { input: 0, output: 0, cacheRead: 0, cacheCreation: 0 },
      cacheSavingsUsd: 0,
      prompts: null,
      editAcceptRate: 0.5,
      toolDecisions: null,
      policyDenials: null,
      policyDenialRate: null,
      editDecisions: 4,
      coverage: { users: 3, usersWithEvents: 0, usersWithMetrics: 3 },
      partial: true,
    }
    const byId = Object.fromEntries(headlineStats(metricsOnly, { ...metricsOnly, policyDenials: 7 }).map((s) => [s.id, s]))
    expect(byId['policy-denials']).toMatchObject({ value: '—', change: { text: '—', direction: 'flat' } })
    expect(byId['policy-denials']?.notReported).toBe(
      'Not reported: of 3 active users, 0 send events and 3 send metrics, and this figure needs the source nobody here sends',
    )
    expect(byId['cost']?.notReported).toBeUndefined()
  })
})

describe('a comparison with a period the data does not reach back to', () => {
  const previous = { from: '2026-10-08T13:15:00.000Z', to: '2026-11-07T00:00:00.000Z', timeZone: 'UTC' }
  it('is not made: the change is unknown and the note says why', () => {
    // ccscope's first record came on 6 November 10:09, inside the 30 days before: a month against a few hours.
    const first = '2026-11-06T10:09:00.000Z'
    expect(previousCovered(previous.from, first)).toBe(false)
    expect(comparedWith({ range: previous, costUsd: 3 }, first)).toBeNull()
    const note = comparisonNote(previous, true, first)
    expect(note.text).toBe('no earlier data')
    expect(note.title).toMatch(/^Not compared: ccscope's data begins after the start of the period before/)
  })
  it('is made when the data begins at or before the period before', () => {
    expect(previousCovered(previous.from, '2026-10-08T13:15:00.000Z')).toBe(true)
    expect(comparedWith({ range: previous, costUsd: 3 }, '2026-09-01T00:00:00.000Z')).toEqual({ range: previous, costUsd: 3 })
    expect(comparisonNote(previous, true, '2026-09-01T00:00:00.000Z').text).toBe('vs same span before')
    // Unknown (meta not loaded, or no data at all): the API's comparison stands.
    expect(previousCovered(previous.from, null)).toBe(true)
  })
  it("follows the API's judgment where it gives one (compare=previous answers previousCovered)", () => {
    const answer = { partial: true, range: { timeZone: 'America/New_York' }, previous: null, previousCovered: false, dataFirst: '2026-11-06T15:09:00.000Z' }
    // Even with /meta not loaded yet: the API said the span before is not covered.
    const c = comparison(answer, undefined)
    expect(c.previous).toBeNull()
    expect(c.note.text).toBe('no earlier data')
    expect(c.note.title).toBe(
      "Not compared: ccscope's data begins after the start of the period before (its first record: Nov 6, 10:09 America/New_York), which would hold only part of a period",
    )
    // Covered: the previous answer stands and the note names its span.
    const covered = comparison({ partial: false, range: { timeZone: 'UTC' }, previous: { range: previous }, previousCovered: true }, undefined)
    expect(covered.previous).toEqual({ range: previous })
    expect(covered.note.text).toBe('vs previous period')
  })
})

describe('a chart over days before ccscope had any data', () => {
  const days = ['2026-11-29', '2026-11-30', '2026-12-01', '2026-12-02', '2026-12-03']
  it('draws the days before the first record as gaps, not zeros, and marks where the data begins', () => {
    // The first record, 2 December 03:00 UTC, is 1 December 22:00 in New York: there the data begins a day earlier.
    expect(dayIn('2026-12-02T03:00:00.000Z', 'UTC')).toBe('2026-12-02')
    expect(dayIn('2026-12-02T03:00:00.000Z', 'America/New_York')).toBe('2026-12-01')
    const utc = dataStartIn(days, dayIn('2026-12-02T03:00:00.000Z', 'UTC'), 'day')
    expect(utc).toEqual({ before: ['2026-11-29', '2026-11-30', '2026-12-01'], start: '2026-12-02' })
    expect(dataStartIn(days, dayIn('2026-12-02T03:00:00.000Z', 'America/New_York'), 'day').start).toBe('2026-12-01')
    // A period without a row is a quiet day (0); before the data it is not reported (null).
    const series = blankBefore(singleSeries([{ period: '2026-12-02', costUsd: 4 }], 'costUsd', days), utc)
    expect(series.map((p) => p.value)).toEqual([null, null, null, 4, 0])
    const stacked = blankBefore(
      [
        { period: '2026-12-01', a: 0, b: 0 },
        { period: '2026-12-02', a: 1, b: 2 },
      ],
      utc,
    )
    expect(stacked).toEqual([
      { period: '2026-12-01', a: null, b: null },
      { period: '2026-12-02', a: 1, b: 2 },
    ])
  })
  it('cuts whole weeks only, and nothing when the data begins with the chart or is unknown', () => {
    const weeks = ['2026-11-16', '2026-11-23', '2026-11-30']
    // The week of 16 November ends before 24 November; the week of the 23rd holds the first record.
    expect(dataStartIn(weeks, '2026-11-24', 'week')).toEqual({ before: ['2026-11-16'], start: '2026-11-23' })
    expect(dataStartIn(weeks, '2026-11-23', 'week')).toEqual({ before: ['2026-11-16'], start: '2026-11-23' })
    expect(dataStartIn(weeks, '2026-11-16', 'week')).toEqual({ before: [], start: undefined })
    expect(dataStartIn(days, null, 'day')).toEqual({ before: [], start: undefined })
    const data = singleSeries([], 'costUsd', days)
    expect(blankBefore(data, { before: [], start: undefined })).toBe(data)
  })
})

describe('a rate per day', () => {
  it('has no value on a day without its denominator (no decisions is not a denial rate of 0 %)', () => {
    const days = ['2026-12-01', '2026-12-02', '2026-12-03']
    const rows = [
      { period: '2026-12-01', policyDenialRate: 0.25 },
      { period: '2026-12-03', policyDenialRate: 0 },
    ]
    expect(singleSeries(rows, 'policyDenialRate', days, null).map((p) => p.value)).toEqual([0.25, null, 0])
    // A count's quiet day is 0, as before.
    expect(singleSeries([{ period: '2026-12-01', policyDenials: 2 }], 'policyDenials', days).map((p) => p.value)).toEqual([2, 0, 0])
  })
})
