import { useMutation } from '@tanstack/react-query'
import { type ReactNode, useId, useState } from 'react'
import type { SimulateResponse } from '../../../schemas/simulate'
import { type ApiRequestError, simulatePolicy } from '../api'
import type { Params } from '../filters'
import { formatCount } from '../format'
import { comparisonRows, detailNote, parseSettings, RECORDED_LABELS, VERDICT_LABELS, verdictSummary } from '../prepare/simulate'
import { DataTable } from './DataTable'
import { Empty } from './States'
import { UserLink } from './UserLink'

const EXAMPLE =
  '{\n  "permissions": {\n    "deny": ["Bash(curl:*)", "Bash(git push --force:*)"],\n    "ask": ["Bash(git push:*)"],\n    "allow": ["Bash(npm run test:*)"]\n  }\n}'
const VERDICTS = Object.keys(VERDICT_LABELS) as (keyof SimulateResponse['verdicts'])[]
const SUBHEADING = { fontSize: '0.9rem', margin: '16px 0 6px' } as const

/**
 * The policy simulator: a managed-settings.json, typed or loaded, decided against the tool calls recorded
 * in the page's range and filters (POST /api/v1/policy/simulate). Runs only when asked.
 */
export function PolicySimulator({ params, carry }: { params: Params; carry: string }) {
  const id = useId()
  const [text, setText] = useState('')
  const [problem, setProblem] = useState<string | null>(null)
  const run = useMutation<SimulateResponse, ApiRequestError, Record<string, unknown>>({ mutationFn: (settings) => simulatePolicy(params, settings) })
  const submit = () => {
    const parsed = parseSettings(text)
    if ('error' in parsed) {
      setProblem(parsed.error)
      return
    }
    setProblem(null)
    run.mutate(parsed.settings)
  }
  const userLink = (user: string) => <UserLink user={user} search={carry} />
  return (
    <div data-simulator>
      <form
        className="directory-source"
        onSubmit={(e) => {
          e.preventDefault()
          submit()
        }}
      >
        <label htmlFor={`${id}-file`}>Settings file</label>
        <input
          id={`${id}-file`}
          type="file"
          accept=".json,application/json"
          data-simulator-file
          onChange={(e) => {
            const file = e.target.files?.[0]
            if (file) void file.text().then(setText)
          }}
        />
        <label htmlFor={`${id}-text`}>or paste it</label>
        <textarea id={`${id}-text`} rows={7} placeholder={EXAMPLE} value={text} onChange={(e) => setText(e.target.value)} data-simulator-text />
        <span />
        <div>
          <button type="submit" className="primary" disabled={run.isPending} data-simulator-run>
            {run.isPending ? 'Simulating…' : 'Simulate over this range'}
          </button>
        </div>
      </form>
      {problem ? (
        <p className="form-error" role="alert" data-simulator-problem>
          {problem}
        </p>
      ) : null}
      {run.isError ? (
        <p className="form-error" role="alert">
          {run.error.message}
        </p>
      ) : null}
      {run.data ? <Results r={run.data} userLink={userLink} /> : null}
    </div>
  )
}

function Results({ r, userLink }: { r: SimulateResponse; userLink: (user: string) => ReactNode }) {
  const note = detailNote(r)
  return (
    <div data-simulation aria-live="polite">
      <p data-simulation-summary>
        {formatCount(r.scanned.calls)} tool decisions in the range{r.scanned.truncated ? ' (the most frequent 50 000 distinct calls were read)' : ''}.{' '}
        {verdictSummary(r)}
      </p>
      {note ? <p className="muted">{note}</p> : null}
      {r.invalidRules.length > 0 ? (
        <div className="form-error" role="alert" data-invalid-rules>
          {r.invalidRules.map((i) => (
            <p key={`${i.list} ${i.rule}`}>
              {i.list} “{i.rule}”: {i.error}
            </p>
          ))}
        </div>
      ) : null}

      <h3 style={SUBHEADING}>Compared with what happened</h3>
      <DataTable
        id="simulation-comparison"
        caption="Recorded outcome of each tool call against what these rules decide"
        rows={comparisonRows(r.comparison)}
        rowKey={(row) => row.recorded}
        empty="No tool calls in this range."
        columns={[
          { key: 'recorded', header: 'What happened', render: (row) => row.label },
          ...VERDICTS.map((v) => ({
            key: v,
            header: VERDICT_LABELS[v],
            align: 'right' as const,
            render: (row: ReturnType<typeof comparisonRows>[number]) => formatCount(row.cells[v]),
          })),
        ]}
      />

      <h3 style={SUBHEADING}>Who a change would affect</h3>
      <p data-simulation-changes>
        Would stop <strong>{formatCount(r.newlyDenied.calls)}</strong> calls that ran, by {formatCount(r.newlyDenied.users)}{' '}
        {r.newlyDenied.users === 1 ? 'user' : 'users'}; would no longer deny <strong>{formatCount(r.noLongerDenied.calls)}</strong> calls a policy denied, by{' '}
        {formatCount(r.noLongerDenied.users)} {r.noLongerDenied.users === 1 ? 'user' : 'users'}.
      </p>
      {r.newlyDenied.topUsers.length > 0 ? (
        <DataTable
          id="simulation-newly-denied"
          caption="Users whose calls these rules would newly deny"
          rows={r.newlyDenied.topUsers}
          rowKey={(u) => u.user}
          columns={[
            { key: 'user', header: 'Would be stopped', render: (u) => userLink(u.user) },
            { key: 'team', header: 'Team', render: (u) => u.team || <span className="muted">(not reported)</span> },
            { key: 'calls', header: 'Calls', align: 'right', render: (u) => formatCount(u.calls) },
          ]}
        />
      ) : null}

      <h3 style={SUBHEADING}>By rule</h3>
      <DataTable
        id="simulation-rules"
        caption="Calls each rule decides (the first match in deny → ask → allow)"
        rows={r.rules}
        rowKey={(rule) => `${rule.list} ${rule.rule}`}
        empty="These settings have no permission rules."
        columns={[
          { key: 'list', header: 'List', render: (rule) => <span className={`tag${rule.list === 'deny' ? ' warn' : ''}`}>{rule.list}</span> },
          { key: 'rule', header: 'Rule', render: (rule) => <code>{rule.rule}</code> },
          { key: 'calls', header: 'Calls', align: 'right', render: (rule) => formatCount(rule.calls) },
          { key: 'users', header: 'Users', align: 'right', render: (rule) => formatCount(rule.users) },
          { key: 'teams', header: 'Teams', render: (rule) => rule.teams.slice(0, 5).join(', ') + (rule.teams.length > 5 ? ` +${rule.teams.length - 5}` : '') },
        ]}
      />

      <h3 style={SUBHEADING}>Recorded policy denials, and the rule that fired</h3>
      {r.denials.length === 0 ? (
        <Empty>No policy denials were recorded in this range.</Empty>
      ) : (
        <DataTable
          id="simulation-denials"
          caption="Recorded policy denials with the rule of these settings that most likely fired"
          rows={r.denials}
          rowKey={(d) => `${d.tool} ${d.command ?? ''} ${d.commandName ?? ''}`}
          columns={[
            { key: 'tool', header: 'Tool', render: (d) => d.tool },
            {
              key: 'command',
              header: 'Command',
              render: (d) =>
                d.command ? <code>{d.command}</code> : d.commandName ? <code>{d.commandName} …</code> : <span className="muted">(not sent)</span>,
            },
            { key: 'calls', header: 'Denials', align: 'right', render: (d) => formatCount(d.calls) },
            { key: 'users', header: 'Users', align: 'right', render: (d) => formatCount(d.users) },
            {
              key: 'rule',
              header: 'Rule',
              render: (d) =>
                d.rule === null ? (
                  <span className="muted">none of these: another settings file or source</span>
                ) : d.verdict === 'unknown' ? (
                  <span title="The telemetry lacks what this rule needs to be sure">
                    <code>{d.rule}</code> <span className="muted">(likely)</span>
                  </span>
                ) : (
                  <code>{d.rule}</code>
                ),
            },
          ]}
        />
      )}
      <p className="muted" style={{ fontSize: '0.8rem' }}>
        {RECORDED_LABELS.policy_denied}: decision reject, source config. Hooks, permission modes, other settings files and people's own answers are outside the
        rules simulated here.
      </p>
    </div>
  )
}
