import { useId, useState } from 'react'
import type { DirectoryEntry } from '../../../schemas/directory'
import { ApiRequestError, saveDirectoryEntry } from '../api'
import { entryForm, entryFromForm, type EntryForm } from '../prepare/directory'
import { Card } from './Card'

const FIELDS: { key: Exclude<keyof EntryForm, 'user' | 'seat'>; label: string; placeholder: string }[] = [
  { key: 'displayName', label: 'Name', placeholder: 'Ana Lima' },
  { key: 'team', label: 'Team', placeholder: 'platform' },
  { key: 'department', label: 'Department', placeholder: 'Engineering' },
  { key: 'costCenter', label: 'Cost center', placeholder: 'CC-100' },
  { key: 'manager', label: 'Manager', placeholder: 'lee@example.com' },
]

/** Adds a person to the directory, or edits one entry; the rest of the directory stays as it is. */
export function DirectoryEntryEditor({ entry, onDone }: { entry: DirectoryEntry | null; onDone: (saved: boolean) => void }) {
  const id = useId()
  const [form, setForm] = useState<EntryForm>(entryForm(entry ?? undefined))
  const [error, setError] = useState<string | null>(null)
  const [saving, setSaving] = useState(false)
  const save = async () => {
    const checked = entryFromForm(form)
    if ('error' in checked) return setError(checked.error)
    setSaving(true)
    try {
      await saveDirectoryEntry(checked.entry)
      onDone(true)
    } catch (e) {
      setError(e instanceof ApiRequestError ? e.message : String(e))
    } finally {
      setSaving(false)
    }
  }
  return (
    <Card
      id="directory-entry"
      wide
      title={entry ? `Edit ${entry.user}` : 'Add a person'}
      subtitle="Empty team, department or cost center: the telemetry's own applies"
    >
      <form
        className="budget-form"
        onSubmit={(e) => {
          e.preventDefault()
          void save()
        }}
      >
        {entry ? null : (
          <>
            <label htmlFor={`${id}-user`}>User (email or id)</label>
            <input id={`${id}-user`} value={form.user} onChange={(e) => setForm({ ...form, user: e.target.value })} data-entry-field="user" />
          </>
        )}
        {FIELDS.map((f) => (
          <span key={f.key} style={{ display: 'contents' }}>
            <label htmlFor={`${id}-${f.key}`}>{f.label}</label>
            <input
              id={`${id}-${f.key}`}
              value={form[f.key]}
              placeholder={f.placeholder}
              onChange={(e) => setForm({ ...form, [f.key]: e.target.value })}
              data-entry-field={f.key}
            />
          </span>
        ))}
        <span />
        <label className="check">
          <input type="checkbox" checked={form.seat} onChange={(e) => setForm({ ...form, seat: e.target.checked })} data-entry-field="seat" /> holds a licensed
          seat
        </label>
        {error ? (
          <p className="form-error budget-form-wide" role="alert" data-entry-error>
            {error}
          </p>
        ) : null}
        <div className="budget-form-wide budget-row">
          <button type="submit" className="primary" disabled={saving} data-entry-save>
            {saving ? 'Saving…' : entry ? 'Save' : 'Add'}
          </button>
          <button type="button" onClick={() => onDone(false)}>
            Cancel
          </button>
        </div>
      </form>
    </Card>
  )
}
