import { parse } from 'csv-parse/browser/esm/sync'
import { DIRECTORY_CSV_COLUMNS, directoryEntrySchema, MAX_DIRECTORY_ENTRIES, type DirectoryEntry } from '../../../schemas/directory'

/**
 * A directory CSV checked before it is loaded: each row with its line in the file, the entry it makes, and
 * what is wrong with it, by the same schema the API applies (schemas/directory.ts). The load is offered only
 * when every row is valid: it replaces the whole directory, so a half-loaded file would drop people.
 */
export interface PreviewRow {
  /** The row's line in the file (the header is line 1). */
  line: number
  user: string
  entry: DirectoryEntry | null
  errors: string[]
}

export interface DirectoryPreview {
  rows: PreviewRow[]
  /** Problems with the file as a whole (unreadable CSV, unknown or missing columns, too many rows). */
  fileErrors: string[]
  valid: number
  invalid: number
  seats: number
  /** The entries to load: every row, when none has an error; else none. */
  entries: DirectoryEntry[] | null
}

const COLUMNS = Object.keys(DIRECTORY_CSV_COLUMNS)
const FIELD_LABEL: Record<string, string> = {
  user: 'user',
  displayName: 'display_name',
  team: 'team',
  department: 'department',
  costCenter: 'cost_center',
  manager: 'manager',
  seat: 'seat',
}

export function previewDirectoryCsv(text: string): DirectoryPreview {
  const empty = (fileErrors: string[]): DirectoryPreview => ({ rows: [], fileErrors, valid: 0, invalid: 0, seats: 0, entries: null })
  let records: string[][]
  try {
    records = parse(text, { skip_empty_lines: true, trim: true, bom: true, relax_column_count: true }) as string[][]
  } catch (error) {
    return empty([`The file is not readable CSV: ${(error as Error).message}`])
  }
  const [header, ...body] = records
  if (!header)
    return empty([
      'The file is empty: it needs a header row (user,display_name,team,department,cost_center,manager,seat; all but user optional) and one row per person.',
    ])
  const unknown = header.filter((h) => !COLUMNS.includes(h))
  const fileErrors: string[] = []
  if (unknown.length > 0)
    fileErrors.push(`Unknown column${unknown.length > 1 ? 's' : ''} ${unknown.map((u) => `"${u}"`).join(', ')}; the columns are ${COLUMNS.join(', ')}.`)
  if (!header.includes('user')) fileErrors.push('The header has no "user" column: each person is identified by the email (or id) Claude Code sends.')
  if (body.length > MAX_DIRECTORY_ENTRIES) fileErrors.push(`${body.length} rows: at most ${MAX_DIRECTORY_ENTRIES} people in one directory.`)
  if (fileErrors.length > 0) return empty(fileErrors)

  const seen = new Map<string, number>()
  const rows: PreviewRow[] = body.map((cells, i) => {
    const line = i + 2
    const errors: string[] = []
    if (cells.length !== header.length) errors.push(`${cells.length} cells where the header has ${header.length}`)
    const raw: Record<string, string> = {}
    header.forEach((column, c) => {
      raw[DIRECTORY_CSV_COLUMNS[column as keyof typeof DIRECTORY_CSV_COLUMNS]] = cells[c] ?? ''
    })
    const parsed = directoryEntrySchema.safeParse(raw)
    if (!parsed.success) {
      // The first problem of each field: an empty user is not also "not printable".
      const fields = new Set<string>()
      for (const issue of parsed.error.issues) {
        const field = FIELD_LABEL[String(issue.path[0])] ?? 'row'
        if (!fields.has(field)) errors.push(`${field}: ${issue.message}`)
        fields.add(field)
      }
    }
    const user = raw.user ?? ''
    const first = seen.get(user)
    if (user !== '' && first !== undefined) errors.push(`${user} is already on line ${first}`)
    else if (user !== '') seen.set(user, line)
    return { line, user, entry: parsed.success && errors.length === 0 ? parsed.data : null, errors }
  })
  const invalid = rows.filter((r) => r.errors.length > 0).length
  const entries = invalid === 0 ? rows.map((r) => r.entry).filter((e): e is DirectoryEntry => e !== null) : null
  return { rows, fileErrors, valid: rows.length - invalid, invalid, seats: rows.filter((r) => r.entry?.seat).length, entries }
}

/** One person's entry as the edit form holds it (all text but the seat). */
export type EntryForm = { [K in keyof DirectoryEntry]: DirectoryEntry[K] extends boolean ? boolean : string }

export function entryForm(entry?: DirectoryEntry): EntryForm {
  return entry ? { ...entry } : { user: '', displayName: '', team: '', department: '', costCenter: '', manager: '', seat: false }
}

/** The form as an entry, checked by the API's schema, or the first problem with its field named. */
export function entryFromForm(form: EntryForm): { entry: DirectoryEntry } | { error: string } {
  const parsed = directoryEntrySchema.safeParse(form)
  if (parsed.success) return { entry: parsed.data }
  const issue = parsed.error.issues[0]
  return { error: `${FIELD_LABEL[String(issue?.path[0])] ?? 'entry'}: ${issue?.message ?? 'invalid'}` }
}
