/**
 * The demo fleet's history as the seeder's sessions (bench/seed-sessions.ts): the same users and the
 * same sessions, day by day, as the simulator plans them (fleet.ts: teams, regions and their office
 * hours, weekends, intensity, users ramping up or going quiet), with each session's size drawn like the
 * simulator's (prompts log-normal around 5·intensity^0.6, ~19 events and ~15 metric points a prompt).
 * What happens inside a session (event kinds, tokens, tools, decisions) the engine makes, from the
 * catalog's vocabulary. Pure: no OpenTelemetry, no engine.
 */
import type { SeedShape } from '../bench/seed'
import type { SeedSession, SeedUser, SessionsPlan } from '../bench/seed-sessions'
import { planDay, planUsers, resolvePeriod, type SimUser } from './fleet'
import { deriveSeed, Rng } from './random'

/** Events a prompt brings (its user_prompt, requests, tool decisions and results, responses). */
export const EVENTS_PER_PROMPT = 19
/** Metric points a prompt brings (cost, tokens, active time, lines, …) and how many are exported a minute. */
const POINTS_PER_PROMPT = 15
const POINTS_PER_MINUTE = 5
/** Between a session's events: ~19 events a prompt over ~3 minutes. */
const EVENT_GAP_MS = 10_000

/**
 * What the engine makes of each session, measured on the simulator's sessions (200 users, 30 days):
 * its mix of events (per mille of all events: tool decisions 273, tool results 251, API requests 247,
 * hooks 77, responses 53, prompts 53, the rest openers and rarities) and its requests' tokens (input
 * ~100, output ~570, cache creation ~5 500, cache reads ~66 000 on average): about $0.06 a request.
 */
export const DEMO_SHAPE: SeedShape = {
  eventsPerTurn: EVENTS_PER_PROMPT,
  eventMix: [
    ['api_request', 247],
    ['assistant_response', 53],
    ['tool_decision', 273],
    ['tool_result', 251],
    ['hook_execution_complete', 77],
    ['permission_mode_changed', 1],
  ],
  maxInputTokens: 190,
  maxOutputTokens: 1130,
  maxCacheCreationTokens: 11_000,
  cacheReadPerEvent: 700,
  // As ccscope stores it by default; the demo follows CCSCOPE_STORE_CONTENT.
  content: false,
}

export interface HistoryOptions {
  users: number
  days: number
  seed: number
  /** End of the history (exclusive). */
  end: Date
  /** What the collector makes of user.email and enduser.id (a pseudonym with CCSCOPE_PSEUDONYMIZE_KEY); default as sent. */
  identity?: (value: string) => string
}

/**
 * What ccscope stores of this user (as simulator/otlp.ts sends it): identity by sign-in method, after
 * `identity` (the collector's pseudonymisation of user.email and enduser.id, if any).
 */
export function seedUser(user: SimUser, identity: (value: string) => string = (v) => v): SeedUser {
  const oauth = user.signIn === 'oauth'
  return {
    key: user.signIn === 'installation' ? user.key : identity(user.email),
    email: oauth ? identity(user.email) : '',
    enduserId: user.signIn === 'installation' ? '' : identity(user.email),
    accountUuid: oauth ? user.accountUuid : '',
    organizationId: oauth ? user.organizationId : '',
    userId: user.userId,
    team: { id: user.team.id, department: user.team.department, costCenter: user.team.costCenter },
    version: user.version,
    host: { type: user.host.type, version: user.host.version, arch: user.host.arch },
    terminal: user.terminal,
    model: user.mainModel,
    eventsOn: user.eventsOn,
  }
}

/** The period's sessions (those starting in [end − days, end)), in start order. */
export function demoHistory(options: HistoryOptions): SessionsPlan & { simUsers: SimUser[] } {
  const period = resolvePeriod(options.days, options.end)
  const simUsers = planUsers({ seed: options.seed, users: options.users, days: options.days })
  const sessions: SeedSession[] = []
  const window = { from: period.from, lastStart: period.end - 1 }
  for (let day = 0; day <= period.days; day++) {
    for (const user of simUsers) {
      for (const plan of planDay(options.seed, user, day, period.days, period.firstUtcMidnight, window)) {
        const rng = new Rng(deriveSeed(plan.seed, 7))
        const prompts = rng.logNormalInt(5 * Math.pow(plan.intensity, 0.6), 0.65, 1, 40)
        sessions.push({ user: user.index, startMs: plan.startMs, events: 2 + prompts * EVENTS_PER_PROMPT, points: 1 + prompts * POINTS_PER_PROMPT })
      }
    }
  }
  sessions.sort((a, b) => a.startMs - b.startMs || a.user - b.user)
  return {
    seed: options.seed,
    users: simUsers.map((u) => seedUser(u, options.identity)),
    simUsers,
    sessions,
    eventGapMs: EVENT_GAP_MS,
    pointsPerMinute: POINTS_PER_MINUTE,
    endMs: period.end,
  }
}
