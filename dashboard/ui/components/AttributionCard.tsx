import { ATTRIBUTION_BY, type AttributionBy, type AttributionResponse } from '../../../schemas/attribution'
import type { ApiRequest } from '../requests'
import { useApi } from '../api'
import { formatCount, formatUsd, usdFormatFor } from '../format'
import { useViewParam } from '../hooks'
import { Card } from './Card'
import { DataTable, type Column } from './DataTable'
import { Segmented } from './Segmented'
import { Empty, Loadable } from './States'

type Row = AttributionResponse['rows'][number]
const LABEL: Record<AttributionBy, string> = { repository: 'Repository', workflow: 'Workflow run', entrypoint: 'Entrypoint' }
const HOW: Record<AttributionBy, string> = {
  repository:
    'Claude Code sends vcs.repository.* with OTEL_METRICS_INCLUDE_REPOSITORY=true (v2.1.269+), or set vcs.repository.name in OTEL_RESOURCE_ATTRIBUTES',
  workflow:
    'Claude Code sends workflow.run_id on the requests of Workflow tool runs; a CI job can set cicd.pipeline.run.id and cicd.pipeline.name in OTEL_RESOURCE_ATTRIBUTES',
  entrypoint: 'Claude Code sends app.entrypoint (cli, sdk-ts, claude-vscode, …) on its events',
}

/** Cost by repository, workflow run or entrypoint (finance and admins), for whole UTC days of the page's range. */
export function AttributionCard({ request }: { request: ApiRequest<'attribution'> }) {
  const [by, setBy] = useViewParam<AttributionBy>('attr', ATTRIBUTION_BY, 'repository')
  const query = useApi(request)
  const columns: Column<Row>[] = [
    { key: 'group', header: LABEL[by], render: (r) => (r.workflowName ? `${r.group} (${r.workflowName})` : r.group) },
    { key: 'cost', header: 'Cost', align: 'right', render: (r) => formatUsd(r.costUsd) },
    { key: 'requests', header: 'Requests', align: 'right', render: (r) => formatCount(r.requests) },
    { key: 'sessions', header: 'Sessions', align: 'right', render: (r) => formatCount(r.sessions) },
    { key: 'users', header: 'Users', align: 'right', render: (r) => formatCount(r.users) },
  ]
  return (
    <Card
      id="attribution"
      wide
      title="Cost by repository, workflow and entrypoint"
      subtitle={`UTC days. ${HOW[by]}.`}
      actions={<Segmented label="Attribute by" options={ATTRIBUTION_BY.map((value) => ({ value, label: LABEL[value] }))} value={by} onChange={setBy} />}
    >
      <Loadable query={query}>
        {(d) => {
          const attributed = d.totals.eventsCostUsd - d.totals.unattributedUsd
          const usd = usdFormatFor([d.totals.costUsd, attributed, d.totals.unattributedUsd, d.totals.notAttributableUsd])
          return (
            <>
              <p className="muted" data-attribution-totals>
                {usd(d.totals.costUsd)} in all: {usd(attributed)} attributed, {usd(d.totals.unattributedUsd)} from requests that name no{' '}
                {LABEL[by].toLowerCase()}, {usd(d.totals.notAttributableUsd)} known only from cost metrics (no request attributes).
              </p>
              {d.rows.length === 0 ? (
                <Empty>
                  No request in this range names a {LABEL[by].toLowerCase()}. {HOW[by]}.
                </Empty>
              ) : (
                <DataTable id="attribution" caption={`Cost by ${LABEL[by].toLowerCase()}`} columns={columns} rows={d.rows} rowKey={(r) => r.group} />
              )}
            </>
          )
        }}
      </Loadable>
    </Card>
  )
}
