import type { ReactNode } from 'react'
import { Link, useParams } from 'react-router'
import { useApi } from '../api'
import { Card } from '../components/Card'
import { Empty, ErrorBox, Skeleton } from '../components/States'
import { TimelineTable } from '../components/TimelineTable'
import { TraceWaterfalls } from '../components/TraceWaterfall'
import { formatCount, formatDuration, formatInstant, formatUsd } from '../format'
import { Figure } from '../components/Figure'
import { useFilters } from '../hooks'
import { sessionPlan } from '../plans'
import { NOT_REPORTED } from '../prepare/series'
import { waterfalls } from '../prepare/traces'
import { durationSeconds, userHref } from '../prepare/users'

function Fact({ id, label, children, small }: { id: string; label: string; children: ReactNode; small?: boolean }) {
  return (
    <div className="stat" data-stat={id}>
      <div className="stat-label">{label}</div>
      <div className="stat-value" data-value style={{ fontSize: small ? '0.9rem' : '1.05rem', overflowWrap: 'break-word' }}>
        {children}
      </div>
    </div>
  )
}

/** A user key that may wrap before its "@" (not in the middle of a name) in a narrow tile. */
function BreakableKey({ text }: { text: string }) {
  const at = text.indexOf('@')
  return at > 0 ? (
    <>
      {text.slice(0, at)}
      <wbr />
      {text.slice(at)}
    </>
  ) : (
    <>{text}</>
  )
}

/** One session: who, when, what it cost, and everything it did in order, with policy denials marked. */
export function SessionPage() {
  const id = useParams().session ?? ''
  const { filters } = useFilters()
  const query = useApi(sessionPlan(id).session)

  return (
    <div className="page">
      <h1 style={{ overflowWrap: 'anywhere' }}>
        Session{' '}
        <code style={{ fontSize: '1rem' }} data-session={id}>
          {id}
        </code>
      </h1>
      {query.isPending ? (
        <>
          <Skeleton height={96} label="Loading the session" />
          <Skeleton height={320} label="Loading the timeline" />
        </>
      ) : query.isError ? (
        query.error.status === 404 ? (
          <Empty>ccscope holds nothing for session {id}: the link may be wrong, or its data has expired.</Empty>
        ) : (
          <ErrorBox error={query.error} retry={() => void query.refetch()} />
        )
      ) : (
        (() => {
          const { session, preamble, prompts, truncated, spans, spansTruncated, subagents } = query.data
          return (
            <>
              <div className="stats" data-panel="session-summary" style={{ gridTemplateColumns: 'repeat(auto-fit, minmax(150px, 1fr))' }}>
                <Fact id="user" label="User" small>
                  <Link to={userHref(session.user, filters)} data-user={session.user}>
                    {session.user ? <BreakableKey text={session.user} /> : NOT_REPORTED}
                  </Link>
                </Fact>
                <Fact id="team" label="Team">
                  {session.team || NOT_REPORTED}
                </Fact>
                <Fact id="start" label={`Start (${filters.tz})`}>
                  {formatInstant(session.start, filters.tz)}
                </Fact>
                <Fact id="end" label={`End (${filters.tz})`}>
                  {formatInstant(session.end, filters.tz)}
                </Fact>
                <Fact id="duration" label="Length">
                  {formatDuration(durationSeconds(session.start, session.end))}
                </Fact>
                <Fact id="prompts" label="Prompts">
                  <Figure value={session.prompts} format={formatCount} />
                </Fact>
                <Fact id="api-requests" label="API requests">
                  <Figure value={session.apiRequests} format={formatCount} />
                </Fact>
                <Fact id="cost" label="Cost">
                  {formatUsd(session.costUsd)}
                </Fact>
                <Fact id="subagent-cost" label="Sub-agents">
                  {subagents ? (
                    <span title={`Cost of the sub-agents this session spawned, of ${formatUsd(subagents.metricCostUsd)} by the cost metric`}>
                      {formatUsd(subagents.costUsd)}
                    </span>
                  ) : (
                    <span className="not-reported" title="Not reported: this session sent no cost metric, which is where sub-agent cost is told apart">
                      —
                    </span>
                  )}
                </Fact>
                <Fact id="tool-decisions" label="Tool decisions">
                  <Figure value={session.toolDecisions} format={formatCount} />
                </Fact>
                <Fact id="policy-denials" label="Policy denials">
                  {(session.policyDenials ?? 0) > 0 ? (
                    <span className="tag bad">{formatCount(session.policyDenials)}</span>
                  ) : (
                    <Figure value={session.policyDenials} format={formatCount} />
                  )}
                </Fact>
              </div>
              {spans.length > 0 ? (
                <Card
                  id="session-traces"
                  title="Traces"
                  subtitle={`Each prompt's API requests and tool runs as Claude Code's beta traces timed them; red bars failed.${spansTruncated ? ' The session has more spans than one page holds: only the first ones are shown.' : ''}`}
                  wide
                >
                  <TraceWaterfalls traces={waterfalls(spans)} timeZone={filters.tz} />
                </Card>
              ) : null}
              <Card
                id="session-timeline"
                title="Timeline"
                subtitle={`Each prompt with its API requests, tool decisions and results, in order; times in ${filters.tz}. Rows in red are policy denials.${
                  spans.length === 0 && prompts.length > 0
                    ? ' No traces for this session: Claude Code sends them with CLAUDE_CODE_ENHANCED_TELEMETRY_BETA=1 and OTEL_TRACES_EXPORTER=otlp.'
                    : ''
                }`}
                wide
              >
                {truncated ? (
                  <p
                    className="tag warn"
                    role="note"
                    data-truncated
                    style={{ display: 'block', borderRadius: 6, padding: '6px 10px', margin: '0 0 10px', fontSize: '0.85rem' }}
                  >
                    This session has more events than one page holds: only the first ones are shown.
                  </p>
                ) : null}
                {preamble.length === 0 && prompts.length === 0 ? (
                  <Empty>No events for this session: it sent metrics only (its cost and tokens count, but Claude Code's event log was not exported).</Empty>
                ) : (
                  <TimelineTable session={query.data} timeZone={filters.tz} />
                )}
              </Card>
            </>
          )
        })()
      )}
    </div>
  )
}
