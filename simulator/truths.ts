/**
 * What a run sent, counted as ccscope's rules count it (warehouse/RULES.md), so that a check can
 * compare /api/v1/summary with it: users and sessions with any record; prompts and API requests from
 * events; cost and tokens of every request (events, or metric points for sessions that send no
 * events); tool decisions; policy denials = tool_decision reject with source config.
 */
import type { ModelName } from './catalog'

export interface TokenTotals {
  input: number
  output: number
  cacheRead: number
  cacheCreation: number
}

export interface Truths {
  /** [from, to): every record's time falls inside. */
  range: { from: string; to: string }
  users: number
  /** Distinct (user, UTC day) pairs with any record: the divisor of cost per active user-day. */
  activeUserDays: number
  sessions: number
  /** Sessions whose install sends metrics only. */
  metricsOnlySessions: number
  prompts: number
  /** api_request events. */
  apiRequests: number
  /** Requests known only from cost/token metric points (metrics-only sessions). */
  metricsOnlyRequests: number
  /** Total cost in micro-dollars (exact) and USD. */
  costMicros: number
  costUsd: number
  tokens: TokenTotals
  toolDecisions: { accept: number; reject: number }
  policyDenials: number
  /** tool_decision rejected by a PreToolUse hook (source hook). */
  hookBlocks: number
  /** Rejected by the user (user_reject / user_abort). */
  userRejects: number
  toolResults: { success: number; failure: number }
  hookExecutions: number
  permissionModeChanges: number
  toBypassPermissions: number
  managedSettingsResolved: number
  apiErrors: number
  linesAdded: number
  linesRemoved: number
  commits: number
  pullRequests: number
  editDecisions: { accept: number; reject: number }
  activeTimeSeconds: { user: number; cli: number }
  /** Records sent. */
  logRecords: number
  metricPoints: number
  byModel: Record<string, { requests: number; costMicros: number }>
  byTeam: Record<string, { users: number; sessions: number; costMicros: number }>
  denialsByTarget: Record<string, number>
  byVersion: Record<string, number>
}

/** Accumulates truths while sessions are generated. */
/** The record's entry for `key`, made by `make` the first time. */
function entry<K extends string, V>(record: Partial<Record<K, V>>, key: K, make: () => V): V {
  const found = record[key]
  if (found !== undefined) return found
  const made = make()
  record[key] = made
  return made
}

export class Tally {
  private readonly userKeys = new Set<string>()
  private readonly teamUsers = new Map<string, Set<string>>()
  private readonly userDays = new Set<string>()
  readonly t: Truths

  constructor(range: { from: Date; to: Date }) {
    this.t = {
      range: { from: range.from.toISOString(), to: range.to.toISOString() },
      users: 0,
      activeUserDays: 0,
      sessions: 0,
      metricsOnlySessions: 0,
      prompts: 0,
      apiRequests: 0,
      metricsOnlyRequests: 0,
      costMicros: 0,
      costUsd: 0,
      tokens: { input: 0, output: 0, cacheRead: 0, cacheCreation: 0 },
      toolDecisions: { accept: 0, reject: 0 },
      policyDenials: 0,
      hookBlocks: 0,
      userRejects: 0,
      toolResults: { success: 0, failure: 0 },
      hookExecutions: 0,
      permissionModeChanges: 0,
      toBypassPermissions: 0,
      managedSettingsResolved: 0,
      apiErrors: 0,
      linesAdded: 0,
      linesRemoved: 0,
      commits: 0,
      pullRequests: 0,
      editDecisions: { accept: 0, reject: 0 },
      activeTimeSeconds: { user: 0, cli: 0 },
      logRecords: 0,
      metricPoints: 0,
      byModel: {},
      byTeam: {},
      denialsByTarget: {},
      byVersion: {},
    }
  }

  session(userKey: string, team: string, version: string, eventsOn: boolean): void {
    const t = this.t
    t.sessions++
    if (!eventsOn) t.metricsOnlySessions++
    if (!this.userKeys.has(userKey)) {
      this.userKeys.add(userKey)
      t.users++
      t.byVersion[version] = (t.byVersion[version] ?? 0) + 1
    }
    const team_ = entry(t.byTeam, team, () => ({ users: 0, sessions: 0, costMicros: 0 }))
    team_.sessions++
    let members = this.teamUsers.get(team)
    if (!members) {
      members = new Set()
      this.teamUsers.set(team, members)
    }
    if (!members.has(userKey)) {
      members.add(userKey)
      team_.users++
    }
  }

  request(team: string, model: ModelName, micros: number, tokens: TokenTotals, asEvent: boolean): void {
    const t = this.t
    if (asEvent) t.apiRequests++
    else t.metricsOnlyRequests++
    t.costMicros += micros
    t.costUsd = t.costMicros / 1e6
    t.tokens.input += tokens.input
    t.tokens.output += tokens.output
    t.tokens.cacheRead += tokens.cacheRead
    t.tokens.cacheCreation += tokens.cacheCreation
    const m = entry(t.byModel, model, () => ({ requests: 0, costMicros: 0 }))
    m.requests++
    m.costMicros += micros
    const team_ = t.byTeam[team]
    if (team_) team_.costMicros += micros
  }

  denial(target: string): void {
    this.t.policyDenials++
    this.t.denialsByTarget[target] = (this.t.denialsByTarget[target] ?? 0) + 1
  }

  /** Notes the UTC days a user's records fall on. */
  activity(userKey: string, times: Iterable<number>): void {
    for (const ms of times) {
      const key = `${userKey}|${Math.floor(ms / 86_400_000)}`
      if (!this.userDays.has(key)) {
        this.userDays.add(key)
        this.t.activeUserDays++
      }
    }
  }

  snapshot(): Truths {
    return structuredClone(this.t)
  }
}

const int = (n: number) => Math.round(n).toLocaleString('en-US')
const usd = (micros: number) => `$${(micros / 1e6).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`

/** The closing summary: aligned plain-text tables. */
export function formatTruths(t: Truths): string {
  const rows: Array<[string, string]> = [
    ['range', `${t.range.from} .. ${t.range.to}`],
    ['users', int(t.users)],
    ['active user-days', `${int(t.activeUserDays)} (${usd(t.activeUserDays ? t.costMicros / t.activeUserDays : 0)} per active user-day)`],
    ['sessions', `${int(t.sessions)} (${int(t.metricsOnlySessions)} metrics-only)`],
    ['prompts', int(t.prompts)],
    ['API requests (events)', int(t.apiRequests)],
    ['requests from metrics only', int(t.metricsOnlyRequests)],
    ['cost USD', `${(t.costMicros / 1e6).toFixed(6)}`],
    ['tokens input', int(t.tokens.input)],
    ['tokens output', int(t.tokens.output)],
    ['tokens cache read', int(t.tokens.cacheRead)],
    ['tokens cache creation', int(t.tokens.cacheCreation)],
    ['tool decisions accept', int(t.toolDecisions.accept)],
    ['tool decisions reject', int(t.toolDecisions.reject)],
    ['policy denials', int(t.policyDenials)],
    ['hook blocks', int(t.hookBlocks)],
    ['user rejects', int(t.userRejects)],
    ['tool results ok / failed', `${int(t.toolResults.success)} / ${int(t.toolResults.failure)}`],
    ['hook executions', int(t.hookExecutions)],
    ['permission mode changes', `${int(t.permissionModeChanges)} (${int(t.toBypassPermissions)} to bypassPermissions)`],
    ['managed settings resolved', int(t.managedSettingsResolved)],
    ['API errors', int(t.apiErrors)],
    ['lines added / removed', `${int(t.linesAdded)} / ${int(t.linesRemoved)}`],
    ['commits / PRs', `${int(t.commits)} / ${int(t.pullRequests)}`],
    ['edit decisions accept / reject', `${int(t.editDecisions.accept)} / ${int(t.editDecisions.reject)}`],
    ['active time user / cli (h)', `${(t.activeTimeSeconds.user / 3600).toFixed(1)} / ${(t.activeTimeSeconds.cli / 3600).toFixed(1)}`],
    ['log records sent', int(t.logRecords)],
    ['metric points sent', int(t.metricPoints)],
  ]
  const width = Math.max(...rows.map(([k]) => k.length))
  const lines = ['Simulated fleet: what was sent', ...rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`)]

  const table = (title: string, header: string[], body: string[][]) => {
    const widths = header.map((h, c) => Math.max(h.length, ...body.map((r) => (r[c] ?? '').length)))
    const fmt = (r: string[]) => '  ' + r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0))).join('  ')
    lines.push('', title, fmt(header), ...body.map(fmt))
  }
  table(
    'By model',
    ['model', 'requests', 'cost'],
    Object.entries(t.byModel)
      .sort((a, b) => b[1].costMicros - a[1].costMicros)
      .map(([m, v]) => [m, int(v.requests), usd(v.costMicros)]),
  )
  table(
    'By team',
    ['team', 'users', 'sessions', 'cost'],
    Object.entries(t.byTeam)
      .sort((a, b) => b[1].costMicros - a[1].costMicros)
      .map(([team, v]) => [team || '(none)', int(v.users), int(v.sessions), usd(v.costMicros)]),
  )
  table(
    'Policy denials by target',
    ['target', 'denials'],
    Object.entries(t.denialsByTarget)
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => [k, int(v)]),
  )
  table(
    'Users by Claude Code version',
    ['version', 'users'],
    Object.entries(t.byVersion)
      .sort((a, b) => b[0].localeCompare(a[0], 'en', { numeric: true }))
      .map(([k, v]) => [k, int(v)]),
  )
  return lines.join('\n')
}
