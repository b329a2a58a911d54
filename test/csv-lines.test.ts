import { stringify } from 'csv-stringify/sync'
import { describe, expect, it } from 'vitest'
import { CsvLines, type CsvCell } from '../dashboard/api/queries/csv-lines'

/** The export's lines are csv-stringify's, byte for byte, whatever the cells hold. */
const HOSTILE = [
  '',
  'plain',
  'a,b',
  'say "hi"',
  'two\nlines',
  'cr\rhere',
  '=HYPERLINK("http://x")',
  '+1',
  '-1',
  '-cmd',
  '@SUM(A1)',
  '\tTab',
  '\uFF1Dfull-width',
  '\uFF0B1',
  '\uFF0D1',
  '\uFF20x',
  "'quoted",
  '1.50',
  '1e+21',
  'NaN',
  'Infinity',
  '-Infinity',
  '12abc',
  '1.5.5',
  ' 1',
  'alice@example.com',
  'ünïcödé, 名前',
  '2026-12-05',
]
const NUMBERS = [0, -0, 1, -1, 1.5, -2.25, 0.1 + 0.2, 1e21, -1e21, 1e-7, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 123456789.123]
const FIGURES = NUMBERS.filter((n) => n >= 0 || Number.isNaN(n)).map((n) => n.toFixed(2))

function rng(seed: number) {
  let s = seed
  return () => {
    s = (s * 1103515245 + 12345) % 2 ** 31
    return s / 2 ** 31
  }
}

describe('CSV lines (csv-lines.ts)', () => {
  it('writes what csv-stringify writes, header and records, on hostile text and edge numbers', () => {
    const random = rng(7)
    const pick = <T>(xs: readonly T[]): T => xs.slice(Math.floor(random() * xs.length))[0] as T
    const columns = ['row_type', 'period', 'user', 'display_name', 'cost_usd', 'requests', 'rate']
    const rows: CsvCell[][] = []
    for (let i = 0; i < 2_000; i++)
      rows.push([pick(['data', 'total']), pick(HOSTILE), pick(HOSTILE), pick(HOSTILE), pick([...FIGURES, '']), pick(NUMBERS), pick([...NUMBERS, ''])])
    for (const text of HOSTILE) rows.push(['data', text, text, text, text, 0, ''])
    const lines = new CsvLines(10)
    const ours = lines.header(columns) + rows.map((r) => lines.line(r)).join('')
    expect(ours).toBe(stringify(rows, { header: true, columns, escape_formulas: true }))
  })

  it('guards formulas in text but leaves numbers as numbers', () => {
    const lines = new CsvLines()
    expect(lines.line(['-1', -1, '=1+1', '1.50', 1.5])).toBe("'-1,-1,'=1+1,1.50,1.5\n")
  })
})
