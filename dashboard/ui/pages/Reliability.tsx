import type { ReactNode } from 'react'
import type { ReliabilityResponse } from '../../../schemas/reliability'
import { useApi, useMeta } from '../api'
import { Card } from '../components/Card'
import { DataTable } from '../components/DataTable'
import { Figure } from '../components/Figure'
import { Rate } from '../components/Rate'
import { Empty, Loadable, NoDataYet, NotReported } from '../components/States'
import { formatCount, formatDecimal } from '../format'
import { useFilters } from '../hooks'
import { reliabilityPlan } from '../plans'
import {
  agentRows,
  categoryRows,
  compactionTiles,
  EMPTY_TEXT,
  headlineTiles,
  internalErrorRows,
  mcpRows,
  modelRows,
  pluginRows,
  sectionState,
  skillRows,
  statusRows,
  teamRows,
  type ApiRow,
  type SectionName,
  type Tile,
} from '../prepare/reliability'

const SUBHEADING = { fontSize: '0.9rem', margin: '12px 0 6px' } as const

/** A named cell that says on hover what a placeholder name stands for. */
function Name({ label, hint }: { label: string; hint: string | undefined }) {
  return hint ? (
    <span title={hint} data-placeholder="">
      {label}
    </span>
  ) : (
    label
  )
}

function Tiles({ id, tiles }: { id: string; tiles: Tile[] }) {
  return (
    <div className="stats" data-tiles={id}>
      {tiles.map((t) => (
        <div key={t.id} className="stat" data-stat={t.id} title={t.hint}>
          <div className="stat-label">{t.label}</div>
          <div className="stat-value" data-value>
            {t.rate ? <Rate numerator={t.rate.numerator} denominator={t.rate.denominator} of={t.rate.of} /> : t.value}
          </div>
        </div>
      ))}
    </div>
  )
}

/** One section of the answer: "not reported" (not zero), "nothing recorded", or its figures. */
function Section<K extends SectionName>({
  d,
  name,
  what,
  children,
}: {
  d: ReliabilityResponse
  name: K
  what: string
  children: (data: NonNullable<ReliabilityResponse[K]>) => ReactNode
}) {
  const state = sectionState(d, name)
  if (state.kind === 'not-reported') return <NotReported what={what} source="events" coverage={state.coverage} none="none happened" id={name} />
  if (state.kind === 'empty') return <Empty>{EMPTY_TEXT[name]}</Empty>
  return <>{children(state.data)}</>
}

function ApiTable({ id, caption, first, rows }: { id: string; caption: string; first: string; rows: ApiRow[] }) {
  return (
    <DataTable
      id={id}
      caption={caption}
      rows={rows}
      rowKey={(r) => r.key}
      columns={[
        {
          key: 'name',
          header: first,
          render: (r) => (
            <span data-group={r.key} title={r.hint}>
              {r.label}
            </span>
          ),
        },
        { key: 'requests', header: 'Requests', align: 'right', render: (r) => <Figure value={r.requests} format={formatCount} /> },
        { key: 'errors', header: 'Errors', align: 'right', render: (r) => <Figure value={r.errors} format={formatCount} /> },
        {
          key: 'errorRate',
          header: 'Error rate',
          align: 'right',
          render: (r) =>
            r.errors === null ? <Figure value={null} format={formatCount} /> : <Rate numerator={r.errors} denominator={r.attempts} of="requests failed" />,
        },
        { key: 'retriesExhausted', header: 'Retries exhausted', align: 'right', render: (r) => <Figure value={r.retriesExhausted} format={formatCount} /> },
        { key: 'refusals', header: 'Refusals', align: 'right', render: (r) => <Figure value={r.refusals} format={formatCount} /> },
      ]}
    />
  )
}

/** Admins and managers: how Claude Code sessions go — API failures, sub-agents, skills, plugins, MCP servers, compactions. */
export function ReliabilityPage() {
  const { filters, range } = useFilters()
  const meta = useMeta()
  const reliability = useApi(reliabilityPlan(filters, range).reliability)

  if (meta.data && meta.data.data.events === 0) return <NoDataYet />
  return (
    <div className="page">
      <h1>Reliability</h1>
      <div className="grid">
        <Card id="api-reliability" wide title="API requests and failures" subtitle="Requests that failed for good, exhausted retries and refusals">
          <Loadable query={reliability} height={120}>
            {(d) => (
              <Section d={d} name="api" what="API errors and refusals">
                {() => <Tiles id="api" tiles={headlineTiles(d)} />}
              </Section>
            )}
          </Loadable>
        </Card>

        <Card id="api-by-model" title="By model" subtitle="Error rate = errors ÷ (requests + errors)">
          <Loadable query={reliability}>
            {(d) => (
              <Section d={d} name="api" what="API errors by model">
                {(api) => <ApiTable id="api-by-model" caption="API requests, errors and refusals by model" first="Model" rows={modelRows(api)} />}
              </Section>
            )}
          </Loadable>
        </Card>

        <Card id="api-by-team" title="By team" subtitle="Teams as the directory names them; — where a team sends no events">
          <Loadable query={reliability}>
            {(d) => (
              <Section d={d} name="api" what="API errors by team">
                {(api) => <ApiTable id="api-by-team" caption="API requests, errors and refusals by team" first="Team" rows={teamRows(api)} />}
              </Section>
            )}
          </Loadable>
        </Card>

        <Card id="mcp" wide title="MCP servers" subtitle="Connections and failures by server (its plugin or transport when the name is hidden)">
          <Loadable query={reliability}>
            {(d) => (
              <Section d={d} name="mcp" what="MCP server connections">
                {(mcp) => (
                  <DataTable
                    id="mcp"
                    caption="MCP server connections and failures by server"
                    rows={mcpRows(mcp)}
                    rowKey={(r) => r.key}
                    columns={[
                      {
                        key: 'server',
                        header: 'Server',
                        render: (r) => (
                          <span data-group={r.label} title={r.hint}>
                            {r.label} {r.hidden ? <span className="tag">{r.kind}</span> : null}
                          </span>
                        ),
                      },
                      { key: 'connects', header: 'Connects', align: 'right', render: (r) => formatCount(r.connects) },
                      { key: 'failures', header: 'Failures', align: 'right', render: (r) => formatCount(r.failures) },
                      {
                        key: 'failureRate',
                        header: 'Failure rate',
                        align: 'right',
                        render: (r) => <Rate numerator={r.failures} denominator={r.attempts} of="connection attempts failed" />,
                      },
                      { key: 'topErrorCode', header: 'Top error', render: (r) => <code>{r.topErrorCode}</code> },
                      { key: 'users', header: 'Users', align: 'right', render: (r) => formatCount(r.users) },
                    ]}
                  />
                )}
              </Section>
            )}
          </Loadable>
        </Card>

        <Card id="api-errors" title="Errors and refusals" subtitle="Errors by HTTP status; refusals by category">
          <Loadable query={reliability}>
            {(d) => (
              <Section d={d} name="api" what="API errors and refusals">
                {(api) => (
                  <>
                    <DataTable
                      id="errors-by-status"
                      caption="API errors by status code"
                      rows={statusRows(api)}
                      rowKey={(r) => r.key}
                      empty="No API errors in this range."
                      columns={[
                        { key: 'status', header: 'Status', render: (r) => <span data-status={r.key}>{r.label}</span> },
                        { key: 'errors', header: 'Errors', align: 'right', render: (r) => formatCount(r.errors) },
                        { key: 'retriesExhausted', header: 'Retries exhausted', align: 'right', render: (r) => formatCount(r.retriesExhausted) },
                      ]}
                    />
                    <h3 style={SUBHEADING}>Refusals by category</h3>
                    <DataTable
                      id="refusals-by-category"
                      caption="Refusals by category"
                      rows={categoryRows(api)}
                      rowKey={(r) => r.key}
                      empty="No refusals in this range."
                      columns={[
                        { key: 'category', header: 'Category', render: (r) => <Name label={r.label} hint={r.hint} /> },
                        { key: 'refusals', header: 'Refusals', align: 'right', render: (r) => formatCount(r.refusals) },
                      ]}
                    />
                  </>
                )}
              </Section>
            )}
          </Loadable>
        </Card>

        <Card id="subagents" title="Sub-agents" subtitle="Completions by agent type. Their tokens and cost: the Cost page, by query source">
          <Loadable query={reliability}>
            {(d) => (
              <Section d={d} name="subagents" what="Sub-agent completions">
                {(s) => (
                  <DataTable
                    id="subagents"
                    caption="Sub-agent completions by agent type"
                    rows={agentRows(s)}
                    rowKey={(r) => r.key}
                    columns={[
                      { key: 'agent', header: 'Agent type', render: (r) => <Name label={r.label} hint={r.hint} /> },
                      { key: 'completions', header: 'Completions', align: 'right', render: (r) => formatCount(r.completions) },
                      { key: 'users', header: 'Users', align: 'right', render: (r) => formatCount(r.users) },
                      { key: 'mean', header: 'Mean time', align: 'right', render: (r) => r.mean },
                      { key: 'p50', header: 'Median time', align: 'right', render: (r) => r.p50 },
                      { key: 'toolUses', header: 'Tool uses per run', align: 'right', render: (r) => formatDecimal(r.toolUsesPerRun) },
                    ]}
                  />
                )}
              </Section>
            )}
          </Loadable>
        </Card>

        <Card id="skills" title="Skills" subtitle="Skills run, by name and what invoked them">
          <Loadable query={reliability}>
            {(d) => (
              <Section d={d} name="skills" what="Skills">
                {(s) => (
                  <>
                    <p className="muted" style={{ margin: '0 0 8px' }}>
                      <strong data-value="skill-activations">{formatCount(s.activations)}</strong> {s.activations === 1 ? 'run' : 'runs'} by{' '}
                      <strong data-value="skill-users">{formatCount(s.users)}</strong> {s.users === 1 ? 'user' : 'users'}
                    </p>
                    <DataTable
                      id="skills"
                      caption="Skills run by name and trigger"
                      rows={skillRows(s)}
                      rowKey={(r) => r.key}
                      columns={[
                        { key: 'skill', header: 'Skill', render: (r) => <Name label={r.label} hint={r.hint} /> },
                        { key: 'trigger', header: 'Invoked by', render: (r) => r.trigger },
                        { key: 'activations', header: 'Runs', align: 'right', render: (r) => formatCount(r.activations) },
                        { key: 'users', header: 'Users', align: 'right', render: (r) => formatCount(r.users) },
                      ]}
                    />
                  </>
                )}
              </Section>
            )}
          </Loadable>
        </Card>

        <Card
          id="plugins"
          title="Plugins"
          subtitle="Enabled at session start (an inventory, not use) and installed; sessions are estimates, typically within 0.3 %"
        >
          <Loadable query={reliability}>
            {(d) => (
              <Section d={d} name="plugins" what="Plugins">
                {(s) => (
                  <DataTable
                    id="plugins"
                    caption="Plugins enabled and installed"
                    rows={pluginRows(s)}
                    rowKey={(r) => r.key}
                    columns={[
                      { key: 'plugin', header: 'Plugin', render: (r) => <Name label={r.label} hint={r.hint} /> },
                      { key: 'usersLoaded', header: 'Users with it enabled', align: 'right', render: (r) => formatCount(r.usersLoaded) },
                      { key: 'sessionsLoaded', header: 'Sessions', align: 'right', render: (r) => formatCount(r.sessionsLoaded) },
                      { key: 'installs', header: 'Installs', align: 'right', render: (r) => formatCount(r.installs) },
                    ]}
                  />
                )}
              </Section>
            )}
          </Loadable>
        </Card>

        <Card id="compaction" title="Compaction" subtitle="Conversations compacted to fit the context window">
          <Loadable query={reliability}>
            {(d) => (
              <Section d={d} name="compaction" what="Compactions">
                {(c) => <Tiles id="compaction" tiles={compactionTiles(c)} />}
              </Section>
            )}
          </Loadable>
        </Card>

        <Card id="internal-errors" title="Internal errors" subtitle="Unexpected errors inside Claude Code, by name and code">
          <Loadable query={reliability}>
            {(d) => (
              <Section d={d} name="internalErrors" what="Internal errors">
                {(s) => (
                  <DataTable
                    id="internal-errors"
                    caption="Internal errors by name and code"
                    rows={internalErrorRows(s)}
                    rowKey={(r) => r.key}
                    columns={[
                      { key: 'name', header: 'Error', render: (r) => r.name },
                      { key: 'code', header: 'Code', render: (r) => <code>{r.code}</code> },
                      { key: 'errors', header: 'Count', align: 'right', render: (r) => formatCount(r.errors) },
                      { key: 'users', header: 'Users', align: 'right', render: (r) => formatCount(r.users) },
                    ]}
                  />
                )}
              </Section>
            )}
          </Loadable>
        </Card>
      </div>
    </div>
  )
}
