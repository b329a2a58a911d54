import { useId, useState } from 'react'
import type { SchedulesResponse } from '../../../schemas/reports'
import { ApiRequestError, createSchedule, deleteSchedule } from '../api'
import { destinationLabel, KIND_LABEL, runLabel, scheduleFromForm, type ScheduleForm } from '../prepare/reports'
import { Card } from './Card'
import { Empty } from './States'

/** Reports without a login: download last week's digest and last month's CSV, schedule them, and see each delivery. */
export function ReportsPanel({ data, timeZone, onChange }: { data: SchedulesResponse; timeZone: string; onChange: () => void }) {
  const email = data.email
  const id = useId()
  const tz = encodeURIComponent(timeZone)
  const [form, setForm] = useState<ScheduleForm>({ name: '', kind: 'weeklyDigest', where: 'webhook', url: '', timeZone })
  const [error, setError] = useState<string | null>(null)
  const [saving, setSaving] = useState(false)
  const set = <K extends keyof ScheduleForm>(key: K, value: ScheduleForm[K]) => setForm({ ...form, [key]: value })
  const add = async () => {
    const checked = scheduleFromForm(form)
    if ('error' in checked) return setError(checked.error)
    setSaving(true)
    try {
      await createSchedule(checked.schedule)
      setForm({ ...form, name: '', url: '' })
      setError(null)
      onChange()
    } catch (e) {
      setError(e instanceof ApiRequestError ? e.message : String(e))
    } finally {
      setSaving(false)
    }
  }
  const remove = async (scheduleId: string) => {
    try {
      await deleteSchedule(scheduleId)
      onChange()
    } catch (e) {
      setError(e instanceof ApiRequestError ? e.message : String(e))
    }
  }
  const runsOf = (scheduleId: string) => data.runs.filter((r) => r.scheduleId === scheduleId).slice(0, 3)
  return (
    <Card id="reports" wide title="Reports" subtitle={`Weeks run Monday to Sunday and months from the 1st, in ${timeZone}`}>
      <p className="report-links">
        <a href={`/api/v1/reports/weekly-digest?format=html&tz=${tz}`} target="_blank" rel="noreferrer" data-report-link="digest-html">
          Last week's digest
        </a>
        <a href={`/api/v1/reports/weekly-digest?format=markdown&tz=${tz}`} target="_blank" rel="noreferrer">
          as Markdown
        </a>
        <a href={`/api/v1/reports/monthly-cost.csv?tz=${tz}`} download data-report-link="monthly-csv">
          Last month's cost CSV
        </a>
      </p>
      {data.schedules.length === 0 ? (
        <Empty>
          No report is scheduled. Schedule one below: it goes out at once for the latest complete period, then each week or month.
          {email ? '' : ' E-mail needs an SMTP server (CCSCOPE_SMTP_URL); until then, use a webhook or the folder.'}
        </Empty>
      ) : (
        <ul className="report-schedules" data-report-schedules>
          {data.schedules.map((s) => (
            <li key={s.id}>
              <div>
                <strong>{s.name}</strong> · {KIND_LABEL[s.kind]} · to {destinationLabel(s)}
                <button type="button" className="linkish" onClick={() => void remove(s.id)} aria-label={`Delete the schedule ${s.name}`}>
                  delete
                </button>
              </div>
              {runsOf(s.id).map((r) => {
                const v = runLabel(r)
                return (
                  <span key={r.firstDay} className={`tag ${v.tone}`} data-report-run={r.status}>
                    {v.text}
                  </span>
                )
              })}
            </li>
          ))}
        </ul>
      )}
      <form
        className="budget-form report-form"
        onSubmit={(e) => {
          e.preventDefault()
          void add()
        }}
      >
        <label htmlFor={`${id}-name`}>Schedule</label>
        <input id={`${id}-name`} value={form.name} onChange={(e) => set('name', e.target.value)} placeholder="Finance weekly" data-field="scheduleName" />
        <label htmlFor={`${id}-kind`}>Report</label>
        <select id={`${id}-kind`} value={form.kind} onChange={(e) => set('kind', e.target.value as ScheduleForm['kind'])}>
          <option value="weeklyDigest">{KIND_LABEL.weeklyDigest}</option>
          <option value="monthlyCostCsv">{KIND_LABEL.monthlyCostCsv}</option>
        </select>
        <label htmlFor={`${id}-where`}>Send to</label>
        <div className="budget-row">
          <select id={`${id}-where`} value={form.where} onChange={(e) => set('where', e.target.value as ScheduleForm['where'])}>
            <option value="webhook">A webhook</option>
            <option value="folder">The reports folder on the server</option>
          </select>
          {form.where === 'webhook' ? (
            <input
              aria-label="Webhook URL"
              value={form.url}
              onChange={(e) => set('url', e.target.value)}
              placeholder="https://hooks.slack.com/services/…"
              data-field="scheduleUrl"
            />
          ) : null}
        </div>
        {error ? (
          <p className="form-error budget-form-wide" role="alert" data-schedule-error>
            {error}
          </p>
        ) : null}
        <div className="budget-form-wide">
          <button type="submit" className="primary" disabled={saving} data-schedule-add>
            {saving ? 'Scheduling…' : 'Schedule'}
          </button>
        </div>
      </form>
    </Card>
  )
}
