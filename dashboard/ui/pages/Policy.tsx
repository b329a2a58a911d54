import { useState } from 'react'
import { Link, useSearchParams } from 'react-router'
import { useApi, useMeta } from '../api'
import { Card } from '../components/Card'
import { BlockedDrill } from '../components/BlockedDrill'
import { CoveragePanel, FloorInput } from '../components/CoveragePanel'
import { WastePanel } from '../components/WastePanel'
import { UserLink } from '../components/UserLink'
import { PolicySimulator } from '../components/PolicySimulator'
import { DataTable } from '../components/DataTable'
import { BarList, TrendChart } from '../components/charts'
import { Segmented } from '../components/Segmented'
import { Rate } from '../components/Rate'
import { MoversTable } from '../components/MoversTable'
import { Empty, Loadable, NoDataYet, NotReported } from '../components/States'
import { datasetParams, dayIn, filtersToSearch } from '../filters'
import { formatCount, formatPercent } from '../format'
import { useFilters, useViewParam } from '../hooks'
import { blockedDrill, policyPlan, versionFloorOf } from '../plans'
import {
  MOVER_OPTIONS,
  MOVER_VALUES,
  blockedItems,
  denialSummary,
  escalationRows,
  hookRows,
  modeRows,
  sourceRows,
  toolRows,
  moversSubtitle,
} from '../prepare/policy'
import { blankBefore, dataStartIn, daysOf, singleSeries, partialPeriods } from '../prepare/series'

const ESCALATIONS_SHOWN = 10
const SUBHEADING = { fontSize: '0.9rem', margin: '0 0 6px' } as const

/** Admins' view: what policy refuses, who refuses it (rules, hooks, people), what moved this week, and who escalated. */
export function PolicyPage() {
  const { filters, range, search: urlSearch } = useFilters()
  const [moversBy, setMoversBy] = useViewParam('by', MOVER_VALUES, 'tool')
  const [allEscalations, setAllEscalations] = useState(false)
  const meta = useMeta()
  // Every panel's request starts at once (on the first load, before the app has even loaded: early.ts).
  const plan = policyPlan(filters, range, urlSearch)
  const daily = useApi(plan.daily)
  const policy = useApi(plan.policy)
  const byTool = useApi(plan.byTool)
  const commands = useApi(plan.commands)
  const mcp = useApi(plan.mcp)
  const movers = useApi(plan.movers)
  const coverage = useApi(plan.coverage)
  const waste = useApi(plan.waste)
  const floor = versionFloorOf(urlSearch)
  const [, setSearchParams] = useSearchParams()
  const setFloor = (value: string) => {
    const next = new URLSearchParams(urlSearch)
    if (value.trim()) next.set('floor', value.trim())
    else next.delete('floor')
    setSearchParams(next)
  }
  const denials = useApi(plan.denials ?? { url: '/api/v1/policy/denials', kind: 'denials' }, plan.denials !== undefined)
  const drill = blockedDrill(urlSearch)
  /** This page with a drill-down open (or closed: no name). */
  const drillHref = (param: 'blocked' | 'blockedMcp' | null, name?: string) => {
    const next = new URLSearchParams(urlSearch)
    next.delete('blocked')
    next.delete('blockedMcp')
    if (param && name) next.set(param, name)
    const text = next.toString()
    return `/policy${text ? `?${text}` : ''}`
  }
  const days = daysOf(range.from, range.drawnTo)
  // Days before ccscope's first record are blank, not 0: nobody was reporting yet.
  const start = dataStartIn(days, dayIn(meta.data?.data.first, filters.tz), 'day')
  const search = filtersToSearch(filters).toString()
  const carry = search ? `?${search}` : ''
  const moversLabel = MOVER_OPTIONS.find((o) => o.value === moversBy)?.label ?? moversBy

  if (meta.data && meta.data.data.events === 0) return <NoDataYet />
  return (
    <div className="page">
      <h1>Policy</h1>
      <div className="grid">
        <Card id="denial-rate" title="Policy denials per day" subtitle={`Tool uses refused by a settings rule (source config); days in ${filters.tz}`} wide>
          <Loadable query={daily} height={220}>
            {(d) => {
              const s = denialSummary(d.totals)
              if (s.notReported) return <NotReported what="Policy denials" source="events" coverage={d.coverage} none="no denials" id="policy-denials" />
              if (s.decisions === 0) return <Empty>No tool decisions in this range for these filters.</Empty>
              return (
                <>
                  <p className="muted" style={{ margin: '0 0 8px' }} data-summary="denial-rate">
                    <strong data-value="policy-denials">{formatCount(s.denials)}</strong> policy denials of{' '}
                    <span data-value="decisions">{formatCount(s.decisions)}</span> decisions:{' '}
                    <strong data-value="policy-denial-rate">{formatPercent(s.rate)}</strong>
                  </p>
                  <div className="grid">
                    <div>
                      <h3 style={SUBHEADING}>Denial rate</h3>
                      <TrendChart
                        label="Policy-denial rate per day"
                        partial={partialPeriods(d.rows, days, d.partial)}
                        data={blankBefore(singleSeries(d.rows, 'policyDenialRate', days, null), start)}
                        dataStart={start.start}
                        format={formatPercent}
                      />
                    </div>
                    <div>
                      <h3 style={SUBHEADING}>Denials</h3>
                      <TrendChart
                        label="Policy denials per day"
                        partial={partialPeriods(d.rows, days, d.partial)}
                        data={blankBefore(singleSeries(d.rows, 'policyDenials', days), start)}
                        dataStart={start.start}
                        format={formatCount}
                        kind="bar"
                      />
                    </div>
                  </div>
                </>
              )
            }}
          </Loadable>
        </Card>

        <Card id="decisions-by-source" title="Decisions by source" subtitle="Who allowed or refused each tool use">
          <Loadable query={policy}>
            {(d) => (
              <DataTable
                id="decisions-by-source"
                caption="Tool decisions by source and outcome"
                rows={sourceRows(d.decisionsBySource)}
                rowKey={(r) => r.key}
                empty="No tool decisions in this range."
                columns={[
                  {
                    key: 'source',
                    header: 'Source',
                    render: (r) => (
                      <span data-source={r.source}>
                        {r.label} {r.source ? <code className="muted">{r.source}</code> : null}
                      </span>
                    ),
                  },
                  {
                    key: 'outcome',
                    header: 'Outcome',
                    render: (r) => <span className={`tag ${r.outcome === 'allowed' ? 'good' : r.outcome === 'denied' ? 'bad' : ''}`}>{r.outcome}</span>,
                  },
                  { key: 'decisions', header: 'Decisions', align: 'right', render: (r) => formatCount(r.decisions) },
                  { key: 'share', header: 'Share', align: 'right', render: (r) => formatPercent(r.share) },
                ]}
              />
            )}
          </Loadable>
        </Card>

        <Card id="policy-by-tool" title="By tool" subtitle="Sorted by policy denials">
          <Loadable query={byTool}>
            {(d) => (
              <DataTable
                id="policy-by-tool"
                caption="Tool decisions and denials by tool"
                rows={toolRows(d.rows)}
                rowKey={(r) => r.tool}
                empty="No tool decisions in this range."
                columns={[
                  { key: 'tool', header: 'Tool', render: (r) => r.label },
                  { key: 'decisions', header: 'Decisions', align: 'right', render: (r) => formatCount(r.decisions) },
                  { key: 'policyDenials', header: 'Policy denials', align: 'right', render: (r) => formatCount(r.policyDenials) },
                  {
                    key: 'policyDenialRate',
                    header: 'Denial rate',
                    align: 'right',
                    render: (r) => <Rate numerator={r.policyDenials} denominator={r.decisions} of="decisions denied" />,
                  },
                  { key: 'hookRejects', header: 'Hook rejects', align: 'right', render: (r) => formatCount(r.hookRejects) },
                  { key: 'userRejects', header: 'User rejects', align: 'right', render: (r) => formatCount(r.userRejects) },
                ]}
              />
            )}
          </Loadable>
        </Card>

        <Card id="blocked-commands" title="Top blocked commands" subtitle="Bash commands (first word) denied by a settings rule">
          <Loadable query={commands}>
            {(d) => (
              <BarList
                id="blocked-commands"
                items={blockedItems(d.rows)}
                format={formatCount}
                empty="No Bash command was denied by policy in this range."
                hrefOf={(command) => drillHref('blocked', command)}
              />
            )}
          </Loadable>
        </Card>

        <Card id="blocked-mcp" title="Blocked MCP servers" subtitle="MCP tool uses denied by a settings rule, by server">
          <Loadable query={mcp}>
            {(d) => (
              <BarList
                id="blocked-mcp"
                items={blockedItems(d.rows)}
                format={formatCount}
                empty="No MCP server was denied by policy in this range."
                hrefOf={(server) => drillHref('blockedMcp', server)}
              />
            )}
          </Loadable>
        </Card>

        {drill ? (
          <Card
            id="blocked-drill"
            wide
            title={'command' in drill ? `Who was denied ${drill.command}` : `Who was denied MCP server ${drill.mcpServer}`}
            subtitle="Policy denials in this range, by team, user and session"
            actions={
              <Link to={drillHref(null)} className="muted" data-drill-close>
                Close
              </Link>
            }
          >
            <Loadable query={denials} height={160}>
              {(d) => <BlockedDrill d={d} carry={carry} timeZone={filters.tz} />}
            </Loadable>
          </Card>
        ) : null}

        <Card
          id="movers"
          title="Week-over-week movers"
          subtitle={movers.data ? moversSubtitle(movers.data, filters.tz) : 'Policy denials, the last 7 days of the range against the 7 before'}
          actions={<Segmented label="Movers by" options={MOVER_OPTIONS} value={moversBy} onChange={setMoversBy} />}
          wide
        >
          <Loadable query={movers}>{(d) => <MoversTable d={d} by={moversBy} label={moversLabel} carry={carry} drillHref={drillHref} />}</Loadable>
        </Card>

        <Card id="hooks" title="Hook blocks" subtitle="Hook runs (hook_execution_complete) and the tool uses they blocked">
          <Loadable query={policy}>
            {(d) =>
              d.hooks.executions === 0 ? (
                <Empty>No hook ran in this range.</Empty>
              ) : (
                <>
                  <p className="muted" style={{ margin: '0 0 8px' }}>
                    <strong data-value="hook-executions">{formatCount(d.hooks.executions)}</strong> executions,{' '}
                    <strong data-value="hook-blocks">{formatCount(d.hooks.blocks)}</strong> blocks
                  </p>
                  <DataTable
                    id="hooks"
                    caption="Hook executions and blocks by hook"
                    rows={hookRows(d.hooks.byHook)}
                    rowKey={(r) => r.key}
                    columns={[
                      { key: 'hookName', header: 'Hook', render: (r) => r.hookName },
                      { key: 'source', header: 'Hooks allowed', render: (r) => r.source },
                      { key: 'executions', header: 'Executions', align: 'right', render: (r) => formatCount(r.executions) },
                      { key: 'blocks', header: 'Blocks', align: 'right', render: (r) => formatCount(r.blocks) },
                      {
                        key: 'blockRate',
                        header: 'Block rate',
                        align: 'right',
                        render: (r) => <Rate numerator={r.blocks} denominator={r.executions} of="runs blocked" />,
                      },
                    ]}
                  />
                </>
              )
            }
          </Loadable>
        </Card>

        <Card id="escalations" title="Permission-mode escalations" subtitle={`Switches to bypassPermissions; times in ${filters.tz}`}>
          <Loadable query={policy}>
            {(d) => {
              if (d.escalations.total === 0 && d.modeChanges.length === 0) return <Empty>No permission-mode changes in this range.</Empty>
              const rows = escalationRows(d.escalations.latest, filters.tz)
              const shown = allEscalations ? rows : rows.slice(0, ESCALATIONS_SHOWN)
              return (
                <>
                  <p className="muted" style={{ margin: '0 0 8px' }}>
                    <strong data-value="escalations">{formatCount(d.escalations.total)}</strong> escalations to bypass permissions in the range
                  </p>
                  <DataTable
                    id="escalations"
                    caption="Latest escalations to bypassPermissions, newest first"
                    rows={shown}
                    rowKey={(r) => r.key}
                    empty="Nobody switched to bypass permissions in this range."
                    columns={[
                      { key: 'time', header: 'Time', render: (r) => <time dateTime={r.time}>{r.timeText}</time> },
                      {
                        key: 'user',
                        header: 'User',
                        render: (r) => (r.user ? <UserLink user={r.user} search={carry} /> : <span className="muted">(not reported)</span>),
                      },
                      {
                        key: 'session',
                        header: 'Session',
                        render: (r) =>
                          r.sessionId ? (
                            <Link to={`/sessions/${encodeURIComponent(r.sessionId)}${carry}`} title={r.sessionId} aria-label={`Session ${r.sessionId}`}>
                              <code>{r.sessionShort}</code>
                            </Link>
                          ) : (
                            <span className="muted">—</span>
                          ),
                      },
                      { key: 'fromMode', header: 'From', render: (r) => r.fromMode },
                      { key: 'trigger', header: 'Trigger', render: (r) => r.trigger },
                    ]}
                  />
                  {rows.length > ESCALATIONS_SHOWN ? (
                    <p style={{ margin: '8px 0 0' }}>
                      <button type="button" onClick={() => setAllEscalations(!allEscalations)} aria-expanded={allEscalations}>
                        {allEscalations ? `Show the latest ${ESCALATIONS_SHOWN}` : `Show all ${formatCount(rows.length)}`}
                      </button>
                    </p>
                  ) : null}
                  <h3 style={{ ...SUBHEADING, marginTop: 16 }}>Mode changes by target mode</h3>
                  <DataTable
                    id="mode-changes"
                    caption="Permission-mode changes by target mode"
                    rows={modeRows(d.modeChanges)}
                    rowKey={(r) => r.mode}
                    rowClass={(r) => (r.escalation ? 'highlight' : undefined)}
                    empty="No permission-mode changes in this range."
                    columns={[
                      { key: 'mode', header: 'To mode', render: (r) => r.label },
                      { key: 'changes', header: 'Changes', align: 'right', render: (r) => formatCount(r.changes) },
                      { key: 'users', header: 'Users', align: 'right', render: (r) => formatCount(r.users) },
                    ]}
                  />
                </>
              )
            }}
          </Loadable>
        </Card>

        <Card
          id="coverage"
          wide
          title="Coverage: versions and managed settings"
          subtitle="Every user active in the range: the Claude Code version they ran last and the managed settings in force"
          actions={<FloorInput value={floor ?? ''} onApply={(value) => setFloor(value)} />}
        >
          <Loadable query={coverage}>{(d) => <CoveragePanel d={d} carry={carry} timeZone={filters.tz} />}</Loadable>
        </Card>
        <Card
          id="waste"
          wide
          title="Waste patterns"
          subtitle="Denial loops, costly sessions with no accepted edit, retry storms and runaway sub-agents across the organization in this range; each with its rule, its price where telemetry gives one, and example sessions"
        >
          <Loadable query={waste}>{(d) => <WastePanel d={d} carry={carry} />}</Loadable>
        </Card>
        <Card
          id="policy-simulator"
          wide
          title="Simulate a policy"
          subtitle="Paste or load a managed-settings.json: its allow / ask / deny rules decide every tool call recorded in this range, and you see what would change and for whom"
        >
          <PolicySimulator params={datasetParams(filters, 'summary', range)} carry={carry} />
        </Card>
      </div>
    </div>
  )
}
