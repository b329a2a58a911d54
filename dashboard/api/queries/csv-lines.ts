import { stringify } from 'csv-stringify/sync'

/**
 * CSV lines for a large export, byte for byte what csv-stringify writes for the same rows (with escape_formulas),
 * at a fraction of its cost per cell. csv-stringify allocates ~350 bytes for every cell it writes (a context, two
 * tuples, the separator arrays); the CSV export by user per day writes ~170 k cells a request at 10 M events, and
 * the collector's garbage was most of its JavaScript time (docs/benchmarks.md).
 *
 * - A text cell (labels: periods, teams, people) is escaped by csv-stringify itself, quoting and formula guard
 *   included, once per distinct value: an export repeats the same people and periods on many rows.
 * - A number is written as csv-stringify writes one (`'' + value`, never quoted or prefixed: a negative figure stays
 *   a figure), and so is a figure's digits (`numeric`: what toFixed made of a number, which holds no delimiter,
 *   quote, line break or leading formula character). Anything else goes through csv-stringify.
 *
 * test/csv-lines.test.ts compares the lines with csv-stringify's on hostile text and edge numbers.
 */
export type CsvCell = string | number

/** What toFixed and String write for a finite or non-finite number: nothing a spreadsheet or a CSV parser reads otherwise. */
const NUMERIC = /^(?:\d+(?:\.\d+)?(?:e[+-]\d+)?|NaN|Infinity)$/

export class CsvLines {
  private readonly text = new Map<string, string>()

  constructor(private readonly maxCached = 100_000) {}

  /** The header line (csv-stringify's). */
  header(columns: readonly string[]): string {
    return stringify([], { header: true, columns: [...columns], escape_formulas: true })
  }

  /** One record as a line, `\n` at its end. */
  line(cells: readonly CsvCell[]): string {
    let out = ''
    let first = true
    for (const cell of cells) {
      if (!first) out += ','
      first = false
      out += typeof cell === 'number' ? `${cell}` : NUMERIC.test(cell) ? cell : this.escaped(cell)
    }
    return `${out}\n`
  }

  private escaped(value: string): string {
    const known = this.text.get(value)
    if (known !== undefined) return known
    // csv-stringify ends its one record with the record delimiter; what is before it is the cell.
    const cell = stringify([[value]], { escape_formulas: true }).slice(0, -1)
    if (this.text.size < this.maxCached) this.text.set(value, cell)
    return cell
  }
}
