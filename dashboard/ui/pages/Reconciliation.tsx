import { useQueryClient } from '@tanstack/react-query'
import { useEffect, useId, useState } from 'react'
import { ApiRequestError, BillingImportError, importBilling, useApi } from '../api'
import { Card } from '../components/Card'
import { DataTable, type Column } from '../components/DataTable'
import { Empty, Loadable } from '../components/States'
import { formatCount, formatUsd } from '../format'
import { useFilters } from '../hooks'
import { reconciliationExportUrl, reconciliationPlan, reconciliationRowsRequest } from '../plans'
import {
  billingUpload,
  reconciliationPager,
  reconciliationView,
  signedUsd,
  uploadProblems,
  type DayLine,
  type PersonLine,
  type UploadProblem,
} from '../prepare/reconciliation'

const dayColumns: Column<DayLine>[] = [
  { key: 'date', header: 'Day (UTC)', render: (d) => d.date },
  { key: 'telemetry', header: 'Telemetry', align: 'right', render: (d) => d.telemetry },
  { key: 'billed', header: 'Billed', align: 'right', render: (d) => d.billed },
  { key: 'difference', header: 'Difference', align: 'right', render: (d) => d.difference },
  { key: 'subagents', header: 'Sub-agents', align: 'right', render: (d) => d.subagents },
  { key: 'status', header: 'Status', render: (d) => <span data-day-status={d.flagged ? 'flagged' : 'ok'}>{d.status}</span> },
]

const personColumns: Column<PersonLine>[] = [
  { key: 'date', header: 'Day (UTC)', render: (r) => r.date },
  { key: 'user', header: 'Person', render: (r) => r.user },
  { key: 'telemetry', header: 'Telemetry', align: 'right', render: (r) => r.telemetry },
  { key: 'billed', header: 'Billed', align: 'right', render: (r) => r.billed },
  { key: 'difference', header: 'Difference', align: 'right', render: (r) => r.difference },
  { key: 'subagents', header: 'Sub-agents', align: 'right', render: (r) => r.subagents },
  { key: 'cause', header: 'Likely cause', render: (r) => <span title={r.detail}>{r.cause}</span> },
  { key: 'detail', header: 'Why', render: (r) => r.detail },
]

const problemColumns: Column<UploadProblem>[] = [
  { key: 'row', header: 'Row', render: (p) => p.row },
  { key: 'field', header: 'Field', render: (p) => p.field },
  { key: 'message', header: 'Problem', render: (p) => <span data-row-errors>{p.message}</span> },
]

/** Finance and admins import what Anthropic bills: the Admin API's JSON pages, or a billing CSV. */
function ImportCard() {
  const id = useId()
  const queryClient = useQueryClient()
  const [status, setStatus] = useState<{ ok: boolean; text: string } | null>(null)
  const [problems, setProblems] = useState<UploadProblem[]>([])
  const [busy, setBusy] = useState(false)

  const upload = async (name: string, text: string) => {
    setStatus(null)
    setProblems([])
    const prepared = billingUpload(name, text)
    if ('error' in prepared) {
      setStatus({ ok: false, text: `Not imported: ${prepared.error}` })
      return
    }
    setBusy(true)
    try {
      const done = await importBilling(prepared.body, prepared.contentType)
      const first = done.days[0]
      const last = done.days[done.days.length - 1]
      const days =
        done.days.length === 0
          ? 'no day (the file has no records)'
          : done.days.length === 1
            ? `1 day, ${first}`
            : `${formatCount(done.days.length)} days, ${first} to ${last}`
      const people = done.users === 1 ? '1 person' : `${formatCount(done.users)} people`
      setStatus({ ok: true, text: `Imported ${formatUsd(done.costUsd)} billed to ${people} over ${days} from ${name}.` })
      await queryClient.invalidateQueries()
    } catch (error) {
      if (error instanceof BillingImportError) setProblems(uploadProblems(error.body))
      setStatus({ ok: false, text: `Not imported: ${error instanceof ApiRequestError ? error.message : String(error)}` })
    } finally {
      setBusy(false)
    }
  }

  return (
    <Card
      id="billing-import"
      wide
      title="Import billed usage"
      subtitle="The Claude Code Analytics Admin API's JSON pages, or a CSV with the header date,user_email,model,cost_usd[,input_tokens,output_tokens,cache_read_tokens,cache_creation_tokens]. An import replaces the days it holds."
    >
      <div className="directory-source">
        <label htmlFor={`${id}-file`}>File</label>
        <input
          id={`${id}-file`}
          type="file"
          accept=".csv,.json,text/csv,application/json"
          disabled={busy}
          data-billing-file
          onChange={(e) => {
            const file = e.target.files?.[0]
            if (file) void file.text().then((text) => upload(file.name, text))
            e.target.value = ''
          }}
        />
      </div>
      {status ? (
        <p className={status.ok ? 'form-ok' : 'form-error'} role={status.ok ? 'status' : 'alert'} data-billing-status={status.ok ? 'imported' : 'failed'}>
          {status.text}
        </p>
      ) : null}
      {problems.length > 0 ? (
        <DataTable
          id="billing-problems"
          caption="Rows of the file that were refused"
          columns={problemColumns}
          rows={problems}
          rowKey={(p) => `${p.row} ${p.field}`}
        />
      ) : null}
    </Card>
  )
}

/** What Anthropic bills against what the telemetry says, per UTC day and person, with the likely cause of each difference. */
export function ReconciliationPage() {
  const { filters } = useFilters()
  const first = reconciliationPlan(filters).reconciliation
  const query = useApi(first)
  const view = query.data ? reconciliationView(query.data) : null
  // Which page of rows is shown: the first comes with the page's request; another range starts at the first again.
  const [at, setAt] = useState({ url: first.url, offset: 0 })
  const offset = at.url === first.url ? at.offset : 0
  const later = useApi(reconciliationRowsRequest(filters, offset), offset > 0)
  const rowsAnswer = offset > 0 ? later.data : query.data
  const rows = rowsAnswer ? reconciliationView(rowsAnswer).rows : []
  // While a page loads, the pager already says which rows are coming.
  const pageOf = rowsAnswer?.page ?? (query.data ? { ...query.data.page, offset } : null)
  const pager = pageOf ? reconciliationPager(pageOf, rowsAnswer?.rows.length ?? Math.max(0, Math.min(pageOf.limit, pageOf.rows - offset))) : null
  // The pager is below the rows: once another page is shown, it is read from the top of its card.
  const [turned, setTurned] = useState(false)
  useEffect(() => {
    if (!turned || !rowsAnswer) return
    setTurned(false)
    const card = document.querySelector<HTMLElement>('[data-panel="reconciliation-people"]')
    if (!card) return
    // The table scrolls inside its card: back to its first row, and the card's top below the (sticky) filter bar.
    const table = card.querySelector('.table-wrap')
    if (table) table.scrollTop = 0
    const bar = document.querySelector('form.filters')
    const covered = bar && getComputedStyle(bar).position === 'sticky' ? bar.getBoundingClientRect().height : 0
    const top = card.getBoundingClientRect().top
    if (top < covered || top > window.innerHeight) window.scrollTo({ top: window.scrollY + top - covered - 8 })
  }, [turned, rowsAnswer])
  const go = (to: number | null) => {
    if (to === null) return
    setAt({ url: first.url, offset: to })
    setTurned(true)
  }

  return (
    <div className="page">
      <h1>Reconciliation</h1>
      <p className="muted">
        UTC days, as Anthropic bills them; the zone, team, person and model filters do not apply here. Telemetry is the Cost page&apos;s figure; — means not
        reported, never zero.
      </p>
      <Loadable query={query}>
        {() =>
          view ? (
            <>
              {view.nothingImported ? (
                <Empty>
                  <span data-billing-empty>
                    No billing data imported yet — upload the Claude Code Analytics Admin API&apos;s JSON pages or a billing CSV below, or set
                    CCSCOPE_ANTHROPIC_ADMIN_KEY so that ccscope polls Anthropic for it.
                  </span>
                </Empty>
              ) : null}
              <section className="stats" data-panel="reconciliation-tiles" aria-label="Billed and telemetry cost for the range">
                {view.tiles.map((t) => (
                  <div key={t.id} className="stat" data-stat={t.id} title={t.hint}>
                    <div className="stat-label">{t.label}</div>
                    <div className="stat-value" data-value>
                      {t.value}
                    </div>
                    <div className="stat-change neutral">{t.hint}</div>
                  </div>
                ))}
              </section>
              <div className="grid">
                {/* Nothing to reconcile yet: the way to import comes first. */}
                {view.nothingImported ? <ImportCard /> : null}
                <Card id="reconciliation-days" wide title="Per day" subtitle={view.thresholdNote}>
                  <DataTable
                    id="reconciliation-days"
                    caption="Telemetry and billed cost per UTC day"
                    columns={dayColumns}
                    rows={view.days}
                    rowKey={(d) => d.date}
                    rowClass={(d) => (d.flagged ? 'highlight' : undefined)}
                  />
                </Card>
                {view.causes.length > 0 ? (
                  <Card id="reconciliation-causes" title="Differences by likely cause" subtitle="Person-days whose bill and telemetry differ">
                    <ul data-causes>
                      {view.causes.map((c) => (
                        <li key={c.cause} data-cause={c.cause}>
                          {c.label}: {formatCount(c.rows)} person-day{c.rows === 1 ? '' : 's'}, {signedUsd(c.differenceUsd)}
                        </li>
                      ))}
                    </ul>
                  </Card>
                ) : null}
                <Card
                  id="reconciliation-people"
                  wide
                  title="Per day and person"
                  subtitle="Over-threshold rows first, then the largest differences; the totals above are over every row"
                  actions={
                    <a
                      className="button"
                      href={reconciliationExportUrl(filters)}
                      download
                      data-export="reconciliation"
                      aria-label="Export every row of the reconciliation as CSV"
                    >
                      Export CSV
                    </a>
                  }
                >
                  {offset > 0 && !later.data ? (
                    <Loadable query={later} height={240}>
                      {() => null}
                    </Loadable>
                  ) : (
                    <DataTable
                      id="reconciliation-people"
                      caption="Telemetry and billed cost per UTC day and person"
                      columns={personColumns}
                      rows={rows}
                      rowKey={(r) => r.key}
                      rowClass={(r) => (r.flagged ? 'highlight' : undefined)}
                      empty="No cost in the telemetry and nothing billed in this range."
                    />
                  )}
                  {pager ? (
                    <nav className="pager" aria-label="Pages of rows" data-pager>
                      <button type="button" className="linkish" disabled={pager.previous === null} onClick={() => go(pager.previous)} data-page="previous">
                        ← Previous
                      </button>
                      <span data-pager-label>{pager.label}</span>
                      <button type="button" className="linkish" disabled={pager.next === null} onClick={() => go(pager.next)} data-page="next">
                        Next →
                      </button>
                    </nav>
                  ) : null}
                </Card>
                {view.nothingImported ? null : <ImportCard />}
              </div>
            </>
          ) : null
        }
      </Loadable>
    </div>
  )
}
