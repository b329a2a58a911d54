import { describe, expect, it } from 'vitest'
import { entryForm, entryFromForm, previewDirectoryCsv } from '../dashboard/ui/prepare/directory'

const HEADER = 'user,display_name,team,department,cost_center,seat'

describe('directory CSV preview', () => {
  it('turns a good file into entries, seats counted, with the same defaults as the API', () => {
    const p = previewDirectoryCsv(`\uFEFF${HEADER}\nana@x.com,Ana,web,Eng,CC-1,yes\n\nbo@x.com,"Bo, Jr",,,,\n`)
    expect(p.fileErrors).toEqual([])
    expect(p.invalid).toBe(0)
    expect(p.seats).toBe(1)
    expect(p.entries).toEqual([
      { user: 'ana@x.com', displayName: 'Ana', team: 'web', department: 'Eng', costCenter: 'CC-1', manager: '', seat: true },
      { user: 'bo@x.com', displayName: 'Bo, Jr', team: '', department: '', costCenter: '', manager: '', seat: false },
    ])
    // Columns in any order, some left out.
    expect(previewDirectoryCsv('team,user\nweb,cy@x.com').entries).toEqual([
      { user: 'cy@x.com', displayName: '', team: 'web', department: '', costCenter: '', manager: '', seat: false },
    ])
  })

  it('names each bad row by its line, and offers nothing to load while any row is bad', () => {
    const p = previewDirectoryCsv(
      `${HEADER}\nana@x.com,Ana,web,Eng,CC-1,yes\n,No User,web,,,\nana@x.com,Again,web,,,\ndee@x.com,Dee,web,,,maybe\ned@x.com,Ed\n`,
    )
    expect(p.entries).toBeNull()
    expect(p.valid).toBe(1)
    expect(p.invalid).toBe(4)
    const byLine = Object.fromEntries(p.rows.map((r) => [r.line, r.errors]))
    expect(byLine[2]).toEqual([])
    expect(byLine[3]).toEqual(['user: must not be empty'])
    expect(byLine[4]).toEqual(['ana@x.com is already on line 2'])
    expect(byLine[5]).toEqual(['seat: must be yes or no (true/false, 1/0, or empty for no)'])
    expect(byLine[6]).toEqual(['2 cells where the header has 6'])
  })

  it('refuses a file it cannot read as a directory, saying why', () => {
    expect(previewDirectoryCsv('').fileErrors[0]).toMatch(/empty/)
    expect(previewDirectoryCsv('email,name\na@x.com,A').fileErrors).toEqual([
      'Unknown columns "email", "name"; the columns are user, display_name, team, department, cost_center, manager, seat.',
      'The header has no "user" column: each person is identified by the email (or id) Claude Code sends.',
    ])
    expect(previewDirectoryCsv(`${HEADER}\n"unclosed,quote`).fileErrors[0]).toMatch(/^The file is not readable CSV: /)
  })
})

describe('one entry edited', () => {
  it('checks the form with the API schema and names the field', () => {
    const form = { ...entryForm(), user: 'ana@x.com', team: 'web', manager: 'lee@x.com' }
    expect(entryFromForm(form)).toEqual({
      entry: { user: 'ana@x.com', displayName: '', team: 'web', department: '', costCenter: '', manager: 'lee@x.com', seat: false },
    })
    expect(entryFromForm({ ...form, user: ' ' })).toEqual({ error: 'user: must not be empty' })
    expect(entryFromForm({ ...form, manager: 'a\u0007b' })).toEqual({ error: 'manager: must be printable text' })
  })
})
