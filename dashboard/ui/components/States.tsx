import type { UseQueryResult } from '@tanstack/react-query'
import type { ReactNode } from 'react'
import type { Coverage } from '../../../schemas/analytics'
import type { Role } from '../../../schemas/auth'
import type { ApiRequestError } from '../api'
import { useMe, useMeta } from '../api'

export function Skeleton({ height = 160, label = 'Loading' }: { height?: number; label?: string }) {
  return <div className="skeleton" style={{ height }} role="status" aria-label={label} aria-busy="true" />
}

/**
 * In place of a panel whose figures nobody in the range sends the source of (docs/numbers.md, "Not reported is not
 * zero"): says so, and which exporter would send them, rather than drawing zeros.
 */
export function NotReported({
  what,
  source,
  coverage,
  none = 'none',
  id = what,
}: {
  what: string
  source: 'events' | 'metrics'
  coverage: Coverage
  /** What "not reported" must not be read as ("no denials"). */
  none?: string
  /** The data-not-reported value tests and links find the panel by. */
  id?: string
}) {
  const exporter = source === 'events' ? 'OTEL_LOGS_EXPORTER' : 'OTEL_METRICS_EXPORTER'
  return (
    <div className="empty" role="note" data-not-reported={id}>
      {what} not reported: they come from Claude Code&apos;s {source}, and none of the {coverage.users.toLocaleString('en-US')} active users here sends {source}{' '}
      ({exporter}). This is not the same as {none}.
    </div>
  )
}

/** In place of what a role may not see (the server refused it with 403, or the page is not for the role). */
export function Forbidden({ role, what = 'this' }: { role: Role | undefined; what?: string }) {
  return (
    <div className="empty" role="note" data-forbidden>
      Your role{role ? ` (${role})` : ''} cannot see {what}. Ask an admin if you need it.
    </div>
  )
}

export function ErrorBox({ error, retry }: { error: ApiRequestError; retry?: () => void }) {
  const me = useMe()
  if (error.status === 403 && !/X-Requested-With|csrf/i.test(error.message)) return <Forbidden role={me.data?.role} />
  const hint =
    error.status === 0
      ? 'Check that ccscope is running and reachable.'
      : error.status === 400
        ? 'Change the filters above: one of them is not valid here.'
        : 'Try again; if it keeps failing, the server log says why.'
  return (
    <div className="error" role="alert">
      <strong>Could not load this panel.</strong> {error.message}. {hint}{' '}
      {retry ? (
        <button type="button" onClick={retry}>
          Retry
        </button>
      ) : null}
    </div>
  )
}

export function Empty({ children }: { children: ReactNode }) {
  return <div className="empty">{children}</div>
}

/** Renders a query's data, or a skeleton while it loads, or the error in place. */
export function Loadable<T>({ query, height, children }: { query: UseQueryResult<T, ApiRequestError>; height?: number; children: (data: T) => ReactNode }) {
  if (query.isPending) return <Skeleton {...(height ? { height } : {})} />
  if (query.isError) return <ErrorBox error={query.error} retry={() => void query.refetch()} />
  return <>{children(query.data)}</>
}

/**
 * The first-run state: nothing has arrived yet, so say how to send telemetry here (or, while a history
 * loads, that it is on its way). Meta is polled meanwhile, so the page fills in when data arrives.
 */
export function NoDataYet() {
  const meta = useMeta()
  const host = typeof window === 'undefined' ? 'localhost' : window.location.hostname
  const port = meta.data?.otlp.httpPort ?? 4318
  const auth = meta.data?.otlp.authRequired ?? false
  const env = [
    'export CLAUDE_CODE_ENABLE_TELEMETRY=1',
    'export OTEL_METRICS_EXPORTER=otlp',
    'export OTEL_LOGS_EXPORTER=otlp',
    'export OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf',
    `export OTEL_EXPORTER_OTLP_ENDPOINT=http://${host}:${port}`,
    ...(auth ? ['export OTEL_EXPORTER_OTLP_HEADERS="Authorization=Bearer <your ingest token>"'] : []),
    'export OTEL_RESOURCE_ATTRIBUTES="team.id=<team>,department=<department>,cost_center=<cost center>"',
  ].join('\n')
  if (meta.data?.loading?.state === 'loading')
    return (
      <div className="no-data" data-panel="no-data" data-loading>
        <h2>Loading {meta.data.loading.what} — the newest day shows in a moment</h2>
        <p>This page fills in by itself as the data arrives; no need to reload.</p>
      </div>
    )
  return (
    <div className="no-data" data-panel="no-data">
      <h2>No data yet — point Claude Code here</h2>
      <p>Set these in the environment of the developers' shells (or in managed settings), then use Claude Code as usual. Data shows up within a minute.</p>
      <pre>
        <code>{env}</code>
      </pre>
      <p className="muted">
        gRPC works too: port {meta.data?.otlp.grpcPort ?? 4317} with <code>OTEL_EXPORTER_OTLP_PROTOCOL=grpc</code>. See the README for managed-settings rollout.
      </p>
    </div>
  )
}
