import { useQueryClient } from '@tanstack/react-query'
import { useId, useMemo, useState } from 'react'
import type { DirectoryResponse } from '../../../schemas/directory'
import { ApiRequestError, loadDirectory, removeDirectoryEntry, useApi } from '../api'
import { Card } from '../components/Card'
import { DirectoryEntryEditor } from '../components/DirectoryEntryEditor'
import { DataTable, useShownRows, type Column } from '../components/DataTable'
import { Empty, Loadable } from '../components/States'
import { formatCount, formatInstant } from '../format'
import { directoryPlan } from '../plans'
import { previewDirectoryCsv, type DirectoryPreview, type PreviewRow } from '../prepare/directory'

type Entry = DirectoryResponse['entries'][number]

function entryColumns(edit: (e: Entry) => void, remove: (e: Entry) => void): Column<Entry>[] {
  return [
    { key: 'user', header: 'User', render: (e) => e.user },
    {
      key: 'actions',
      header: '',
      render: (e) => (
        <span>
          <button type="button" className="linkish" onClick={() => edit(e)} aria-label={`Edit ${e.user}`} data-entry-edit={e.user}>
            edit
          </button>
          <span aria-hidden="true" style={{ margin: '0 6px' }}>
            ·
          </span>
          <button type="button" className="linkish" onClick={() => remove(e)} aria-label={`Remove ${e.user}`} data-entry-remove={e.user}>
            remove
          </button>
        </span>
      ),
    },
    { key: 'displayName', header: 'Name', render: (e) => e.displayName },
    { key: 'team', header: 'Team', render: (e) => e.team },
    { key: 'department', header: 'Department', render: (e) => e.department },
    { key: 'costCenter', header: 'Cost center', render: (e) => e.costCenter },
    { key: 'manager', header: 'Manager', render: (e) => e.manager },
    { key: 'seat', header: 'Seat', render: (e) => (e.seat ? 'yes' : 'no') },
  ]
}

const previewColumns: Column<PreviewRow>[] = [
  { key: 'line', header: 'Line', align: 'right', render: (r) => r.line },
  { key: 'user', header: 'User', render: (r) => r.user || <span className="muted">(empty)</span> },
  // What is wrong comes before the other fields: on a phone it is the column in view.
  { key: 'status', header: 'Check', render: (r) => (r.errors.length === 0 ? 'ready' : <span data-row-errors>{r.errors.join('; ')}</span>) },
  { key: 'team', header: 'Team', render: (r) => r.entry?.team ?? '' },
  { key: 'costCenter', header: 'Cost center', render: (r) => r.entry?.costCenter ?? '' },
  { key: 'seat', header: 'Seat', render: (r) => (r.entry ? (r.entry.seat ? 'yes' : 'no') : '') },
]

/** The rows a preview lists: the ones with problems when there are any (those need fixing), else every row. */
function PreviewTable({ preview }: { preview: DirectoryPreview }) {
  const rows = preview.invalid > 0 ? preview.rows.filter((r) => r.errors.length > 0) : preview.rows
  const { shown, more } = useShownRows(rows)
  return (
    <>
      <DataTable
        id="directory-preview"
        caption="Rows of the file, checked"
        columns={previewColumns}
        rows={shown}
        rowKey={(r) => String(r.line)}
        rowClass={(r) => (r.errors.length > 0 ? 'denied' : undefined)}
      />
      {more}
    </>
  )
}

/** Admins: who is who (name, team, department, cost center, seat), loaded from a CSV checked row by row first. */
export function DirectoryPage() {
  const id = useId()
  const queryClient = useQueryClient()
  const current = useApi(directoryPlan().directory)
  const [source, setSource] = useState<{ name: string; text: string } | null>(null)
  const [status, setStatus] = useState<{ ok: boolean; text: string } | null>(null)
  const [loading, setLoading] = useState(false)
  const preview = useMemo(() => (source ? previewDirectoryCsv(source.text) : null), [source])
  const { shown, more } = useShownRows(current.data?.entries ?? [])
  const [editing, setEditing] = useState<Entry | 'new' | null>(null)
  const removeEntry = async (e: Entry) => {
    if (!window.confirm(`Remove ${e.user} from the directory?`)) return
    try {
      await removeDirectoryEntry(e.user)
      setStatus({ ok: true, text: `Removed ${e.user}.` })
      await queryClient.invalidateQueries()
    } catch (error) {
      setStatus({ ok: false, text: `Not removed: ${error instanceof ApiRequestError ? error.message : String(error)}` })
    }
  }

  const choose = (name: string, text: string) => {
    setStatus(null)
    setSource(text.trim() === '' ? null : { name, text })
  }
  const load = async () => {
    if (!preview?.entries) return
    setLoading(true)
    try {
      const done = await loadDirectory(preview.entries)
      setStatus({ ok: true, text: `Loaded ${formatCount(done.loaded)} people (${formatCount(done.seats)} seats) from ${source?.name ?? 'the pasted text'}.` })
      setSource(null)
      // Teams, departments and cost centers come from the directory on every page: everything is asked again.
      await queryClient.invalidateQueries()
    } catch (error) {
      setStatus({ ok: false, text: `Not loaded: ${error instanceof ApiRequestError ? error.message : String(error)}` })
    } finally {
      setLoading(false)
    }
  }

  return (
    <div className="page">
      <h1>Directory</h1>
      <div className="grid">
        <Card
          id="directory-import"
          wide
          title="Load a directory"
          subtitle="A CSV with the header user,display_name,team,department,cost_center,manager,seat; loading it replaces the whole directory"
        >
          <div className="directory-source">
            <label htmlFor={`${id}-file`}>CSV file</label>
            <input
              id={`${id}-file`}
              type="file"
              accept=".csv,text/csv"
              data-directory-file
              onChange={(e) => {
                const file = e.target.files?.[0]
                if (file) void file.text().then((text) => choose(file.name, text))
              }}
            />
            <label htmlFor={`${id}-paste`}>or paste it</label>
            <textarea
              id={`${id}-paste`}
              rows={4}
              placeholder={'user,display_name,team,department,cost_center,manager,seat\nana@example.com,Ana Lima,web,Engineering,CC-100,lee@example.com,yes'}
              onChange={(e) => choose('the pasted text', e.target.value)}
            />
          </div>
          {status ? (
            <p className={status.ok ? 'form-ok' : 'form-error'} role={status.ok ? 'status' : 'alert'} data-directory-status={status.ok ? 'loaded' : 'failed'}>
              {status.text}
            </p>
          ) : null}
          {preview ? (
            <div data-directory-preview>
              {preview.fileErrors.length > 0 ? (
                <div className="form-error" role="alert" data-file-errors>
                  {preview.fileErrors.map((e) => (
                    <p key={e}>{e}</p>
                  ))}
                </div>
              ) : (
                <>
                  <p data-preview-summary>
                    {formatCount(preview.rows.length)} people in {source?.name}: {formatCount(preview.valid)} ready
                    {preview.invalid > 0
                      ? `, ${formatCount(preview.invalid)} with problems (listed below; fix them and choose the file again)`
                      : `, ${formatCount(preview.seats)} with a seat`}
                    .
                  </p>
                  {preview.entries ? (
                    <button type="button" className="primary" disabled={loading} onClick={() => void load()} data-directory-load>
                      {loading ? 'Loading…' : `Replace the directory with these ${formatCount(preview.entries.length)} people`}
                    </button>
                  ) : null}
                  <PreviewTable preview={preview} />
                </>
              )}
            </div>
          ) : null}
        </Card>
        {editing !== null ? (
          <DirectoryEntryEditor
            key={editing === 'new' ? 'new' : editing.user}
            entry={editing === 'new' ? null : editing}
            onDone={(saved) => {
              setEditing(null)
              // Teams and cost centers come from the directory on every page: everything is asked again.
              if (saved) void queryClient.invalidateQueries()
            }}
          />
        ) : null}
        <Card
          id="directory-current"
          wide
          actions={
            editing === null ? (
              <button type="button" onClick={() => setEditing('new')} data-entry-add>
                Add a person
              </button>
            ) : undefined
          }
          title="Loaded directory"
          subtitle={
            current.data?.loadedAt
              ? `Loaded ${formatInstant(current.data.loadedAt, 'UTC')} UTC`
              : 'Where it names a team, department or cost center, that wins over the telemetry'
          }
        >
          <Loadable query={current}>
            {(d) =>
              d.entries.length === 0 ? (
                <Empty>
                  No directory loaded: teams, departments and cost centers come from the telemetry's own attributes, and seat utilization is not known.
                </Empty>
              ) : (
                <>
                  <p className="muted">
                    {formatCount(d.entries.length)} people, {formatCount(d.entries.filter((e) => e.seat).length)} with a seat.
                  </p>
                  <DataTable
                    id="directory"
                    caption="The loaded directory"
                    columns={entryColumns(setEditing, (e) => void removeEntry(e))}
                    rows={shown}
                    rowKey={(e) => e.user}
                  />
                  {more}
                </>
              )
            }
          </Loadable>
        </Card>
      </div>
    </div>
  )
}
