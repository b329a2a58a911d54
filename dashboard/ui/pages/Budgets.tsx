import { useQueryClient } from '@tanstack/react-query'
import { useId, useState } from 'react'
import type { Alert, Budget, BudgetStatus } from '../../../schemas/budgets'
import { ApiRequestError, deleteBudget, saveBudget, useApi } from '../api'
import { Card } from '../components/Card'
import { DataTable, type Column } from '../components/DataTable'
import { ReportsPanel } from '../components/ReportsPanel'
import { Empty, Loadable } from '../components/States'
import { formatInstant } from '../format'
import { budgetsPlan } from '../plans'
import { alertLabel, budgetFromForm, budgetView, deliveryView, emptyForm, formOf, type BudgetForm } from '../prepare/budgets'
import { budgetHistoryRequest } from '../requests'

const browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC'

/** Finance and admins: budgets with spend to date, forecast and crossing day; the alert log with each webhook delivery. */
export function BudgetsPage() {
  const plan = budgetsPlan()
  const budgets = useApi(plan.budgets)
  const alerts = useApi(plan.alerts)
  const schedules = useApi(plan.schedules)
  const queryClient = useQueryClient()
  const [editing, setEditing] = useState<Budget | 'new' | null>(null)
  const refresh = () =>
    queryClient.invalidateQueries({
      predicate: (q) => ['/api/v1/budgets', '/api/v1/alerts', '/api/v1/reports'].some((prefix) => String(q.queryKey[0]).startsWith(prefix)),
    })

  return (
    <div className="page">
      <div className="page-title">
        <h1>Budgets and reports</h1>
        {editing === null ? (
          <button type="button" className="primary" onClick={() => setEditing('new')} data-budget-new>
            New budget
          </button>
        ) : null}
      </div>
      {editing !== null ? (
        <BudgetEditor
          key={editing === 'new' ? 'new' : editing.id}
          budget={editing === 'new' ? null : editing}
          onDone={() => {
            setEditing(null)
            void refresh()
          }}
        />
      ) : null}
      <Loadable query={budgets}>
        {(d) =>
          d.budgets.length === 0 ? (
            <Card id="budgets-empty" wide title="No budgets yet">
              <Empty>
                Set a budget for the organization, a team, a cost center or a person, per month or for a custom period. ccscope forecasts the period's end from
                the recent run rate and alerts (by webhook) at 75 % and 95 % and when the forecast goes over.
              </Empty>
            </Card>
          ) : (
            <>
              <p className="muted" data-budgets-as-of>
                Spend up to {formatInstant(d.asOf, browserZone)} ({browserZone}), the Cost page's figures for the same scope and days.
              </p>
              <details className="budget-method">
                <summary>How the forecast is made</summary>
                <p className="muted">{d.method} Each budget states the method's error on its own past months.</p>
              </details>
              <div className="grid">
                {d.budgets.map(({ budget, status }) => (
                  <BudgetCard key={budget.id} budget={budget} status={status} onEdit={() => setEditing(budget)} onDeleted={() => void refresh()} />
                ))}
              </div>
            </>
          )
        }
      </Loadable>
      <Card
        id="alert-log"
        wide
        title="Alert log"
        subtitle="Each threshold alerts once per period; every webhook delivery is retried until it gets through or is marked failed"
      >
        <Loadable query={alerts}>{(d) => (d.alerts.length === 0 ? <Empty>No alert has fired.</Empty> : <AlertTable alerts={d.alerts} />)}</Loadable>
      </Card>
      <Loadable query={schedules}>{(d) => <ReportsPanel data={d} timeZone={browserZone} onChange={() => void refresh()} />}</Loadable>
    </div>
  )
}

function BudgetCard({ budget, status, onEdit, onDeleted }: { budget: Budget; status: BudgetStatus; onEdit: () => void; onDeleted: () => void }) {
  const view = budgetView(budget, status)
  const [history, setHistory] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const remove = async () => {
    if (!window.confirm(`Delete the budget "${budget.name}"? Its history and alerts are kept.`)) return
    try {
      await deleteBudget(budget.id)
      onDeleted()
    } catch (e) {
      setError(e instanceof ApiRequestError ? e.message : String(e))
    }
  }
  return (
    <Card
      id={`budget-${budget.id}`}
      title={budget.name}
      subtitle={`${view.scope} · ${view.period}`}
      actions={
        <>
          <button type="button" onClick={onEdit} data-budget-edit>
            Edit
          </button>
          <button type="button" onClick={() => void remove()}>
            Delete
          </button>
        </>
      }
    >
      <div className={`budget-figures tone-${view.tone}`} data-budget-tone={view.tone}>
        <p>
          <span className="budget-spent" data-budget-spent>
            {view.spent}
          </span>{' '}
          of {view.amount} <span className="muted">({view.percent})</span>
        </p>
        <div
          className="budget-track"
          role="img"
          aria-label={`${view.spent} spent of ${view.amount}; forecast ${view.forecast}`}
          title={`Spent ${view.spent}; forecast ${view.forecast}; budget ${view.amount}`}
        >
          {view.bar.forecast !== null ? <div className="budget-forecast" style={{ width: `${view.bar.forecast}%` }} /> : null}
          <div className="budget-spent-bar" style={{ width: `${view.bar.spent}%` }} />
          <div className="budget-line" style={{ left: `${view.bar.amount}%` }} />
        </div>
        <dl className="budget-facts">
          <dt>Forecast at period end</dt>
          <dd data-budget-forecast>{view.forecast}</dd>
          <dt>Crossing</dt>
          <dd data-budget-crossing>{view.crossing}</dd>
          <dt>Run rate</dt>
          <dd>{view.runRate}</dd>
          <dt>Forecast error</dt>
          <dd>{view.error}</dd>
          <dt>Alerts</dt>
          <dd>
            at {budget.thresholds.map((t) => `${t}%`).join(', ') || 'no threshold'}
            {budget.forecastAlert ? ', and when the forecast goes over' : ''} ·{' '}
            {budget.webhooks.length === 0
              ? 'no webhook (shown in the log only)'
              : `${budget.webhooks.length} webhook${budget.webhooks.length === 1 ? '' : 's'}`}
          </dd>
        </dl>
      </div>
      {error ? (
        <p className="form-error" role="alert">
          {error}
        </p>
      ) : null}
      <button type="button" className="linkish" onClick={() => setHistory(!history)} aria-expanded={history}>
        {history ? 'Hide changes' : 'Who changed what'}
      </button>
      {history ? <BudgetHistory id={budget.id} /> : null}
    </Card>
  )
}

function BudgetHistory({ id }: { id: string }) {
  const history = useApi(budgetHistoryRequest(id))
  return (
    <Loadable query={history}>
      {(d) => (
        <ul className="budget-history" data-budget-history>
          {d.changes.map((c) => (
            <li key={`${c.at}-${c.action}`}>
              {formatInstant(c.at, browserZone)} · {c.by} · {c.action}
              {c.budget ? ` · $${c.budget.amountUsd.toLocaleString('en-US')} · alerts at ${c.budget.thresholds.join(', ')}%` : ''}
            </li>
          ))}
        </ul>
      )}
    </Loadable>
  )
}

const alertColumns: Column<Alert>[] = [
  { key: 'firedAt', header: 'Fired', render: (a) => formatInstant(a.firedAt, browserZone) },
  { key: 'budget', header: 'Budget', render: (a) => a.budgetName },
  { key: 'kind', header: 'Alert', render: (a) => alertLabel(a) },
  {
    key: 'deliveries',
    header: 'Delivery',
    render: (a) =>
      a.deliveries.length === 0 ? (
        <span className="muted">no webhook</span>
      ) : (
        a.deliveries.map((d) => {
          const v = deliveryView(d, browserZone, formatInstant)
          return (
            <span key={d.id} className={`tag ${v.tone}`} title={v.detail} data-delivery={d.status}>
              {v.label}
            </span>
          )
        })
      ),
  },
  { key: 'message', header: 'Message', render: (a) => <span className="wrap">{a.message}</span> },
]

function AlertTable({ alerts }: { alerts: Alert[] }) {
  return <DataTable id="alerts" caption="Alerts, newest first" columns={alertColumns} rows={alerts} rowKey={(a) => a.id} />
}

function BudgetEditor({ budget, onDone }: { budget: Budget | null; onDone: () => void }) {
  const id = useId()
  const [form, setForm] = useState<BudgetForm>(budget ? formOf(budget) : emptyForm(browserZone))
  const [error, setError] = useState<string | null>(null)
  const [saving, setSaving] = useState(false)
  const set = <K extends keyof BudgetForm>(key: K, value: BudgetForm[K]) => setForm({ ...form, [key]: value })
  const save = async () => {
    const checked = budgetFromForm(form)
    if ('error' in checked) return setError(checked.error)
    setSaving(true)
    try {
      await saveBudget(checked.budget, budget?.id)
      onDone()
    } catch (e) {
      setError(e instanceof ApiRequestError ? e.message : String(e))
    } finally {
      setSaving(false)
    }
  }
  return (
    <Card id="budget-editor" wide title={budget ? `Edit ${budget.name}` : 'New budget'}>
      <form
        className="budget-form"
        onSubmit={(e) => {
          e.preventDefault()
          void save()
        }}
      >
        <label htmlFor={`${id}-name`}>Name</label>
        <input id={`${id}-name`} value={form.name} onChange={(e) => set('name', e.target.value)} placeholder="Platform team, December" data-field="name" />
        <label htmlFor={`${id}-scope`}>Whose spend</label>
        <div className="budget-row">
          <select
            id={`${id}-scope`}
            value={form.scopeKind}
            onChange={(e) => set('scopeKind', e.target.value as BudgetForm['scopeKind'])}
            data-field="scopeKind"
          >
            <option value="organization">The organization</option>
            <option value="team">A team</option>
            <option value="costCenter">A cost center</option>
            <option value="user">A person</option>
          </select>
          {form.scopeKind !== 'organization' ? (
            <input
              aria-label="Team, cost center or email"
              value={form.scopeValue}
              onChange={(e) => set('scopeValue', e.target.value)}
              placeholder={form.scopeKind === 'user' ? 'ana@example.com' : form.scopeKind === 'team' ? 'platform' : 'CC-100'}
              data-field="scopeValue"
            />
          ) : null}
        </div>
        <label htmlFor={`${id}-period`}>Period</label>
        <div className="budget-row">
          <select id={`${id}-period`} value={form.periodKind} onChange={(e) => set('periodKind', e.target.value as BudgetForm['periodKind'])}>
            <option value="month">Every calendar month</option>
            <option value="custom">From … to …</option>
          </select>
          {form.periodKind === 'custom' ? (
            <>
              <input type="date" aria-label="First day" value={form.firstDay} onChange={(e) => set('firstDay', e.target.value)} />
              <input type="date" aria-label="Last day (included)" value={form.lastDay} onChange={(e) => set('lastDay', e.target.value)} />
            </>
          ) : null}
        </div>
        <label htmlFor={`${id}-amount`}>Amount (USD)</label>
        <input
          id={`${id}-amount`}
          inputMode="decimal"
          value={form.amount}
          onChange={(e) => set('amount', e.target.value)}
          placeholder="5000"
          data-field="amount"
        />
        <label htmlFor={`${id}-tz`}>Time zone</label>
        <input id={`${id}-tz`} value={form.timeZone} onChange={(e) => set('timeZone', e.target.value)} />
        <label htmlFor={`${id}-thresholds`}>Alert at (% of the amount)</label>
        <div className="budget-row">
          <input id={`${id}-thresholds`} value={form.thresholds} onChange={(e) => set('thresholds', e.target.value)} data-field="thresholds" />
          <label className="check">
            <input type="checkbox" checked={form.forecastAlert} onChange={(e) => set('forecastAlert', e.target.checked)} /> and when the forecast goes over
          </label>
        </div>
        <label htmlFor={`${id}-hooks`}>Webhooks</label>
        <textarea
          id={`${id}-hooks`}
          rows={2}
          value={form.webhooks}
          onChange={(e) => set('webhooks', e.target.value)}
          placeholder={'One URL per line. Slack incoming webhooks (hooks.slack.com) get a Slack message, others a JSON document.'}
          data-field="webhooks"
        />
        {error ? (
          <p className="form-error budget-form-wide" role="alert" data-budget-error>
            {error}
          </p>
        ) : null}
        <div className="budget-form-wide budget-row">
          <button type="submit" className="primary" disabled={saving} data-budget-save>
            {saving ? 'Saving…' : budget ? 'Save changes' : 'Create budget'}
          </button>
          <button type="button" onClick={onDone}>
            Cancel
          </button>
        </div>
      </form>
    </Card>
  )
}
