/**
 * Who the simulated developers are, and when they work.
 *
 * Users belong to teams (hence departments and cost centers) and regions (hence time zones); they run
 * a Claude Code version (a tail lags behind), sign in one of three ways, have a personal intensity
 * (log-normal: a few heavy users, many moderate ones) and a lifecycle: steady, occasional, ramping up
 * (a newcomer whose use grows) or going quiet (stops part-way through the period). Each local weekday
 * they are likely to work, weekends rarely; sessions start in local office hours, with a tail into the
 * evening.
 */
import {
  AGENTS,
  EMAIL_DOMAIN,
  FIRST_NAMES,
  HOSTS,
  LAST_NAMES,
  LATEST_VERSION,
  PLUGINS,
  REGION_OFFSET_MIN,
  SKILLS,
  TEAMS,
  TERMINALS,
  VERSIONS,
  isOldVersion,
  type Host,
  type ModelName,
  type Region,
  type TeamSpec,
} from './catalog'
import { Rng, deriveSeed } from './random'

export const MINUTE = 60_000
export const HOUR = 3_600_000
export const DAY = 86_400_000

export type Lifecycle = 'steady' | 'occasional' | 'ramp' | 'quiet'

/** How identity reaches ccscope. */
export type SignIn =
  /** Claude for Work (OAuth): user.email, user.account_uuid, organization.id on every record; enduser.id too. */
  | 'oauth'
  /** API key / gateway: admins set enduser.id in OTEL_RESOURCE_ATTRIBUTES. */
  | 'enduser'
  /** Bedrock with no enduser.id configured: only the per-installation user.id identifies the user. */
  | 'installation'

export interface SimUser {
  index: number
  /** The key ccscope resolves (user.email → enduser.id → user.account_uuid → user.id). */
  key: string
  email: string
  /** user.id: 64 hex characters, per installation. */
  userId: string
  accountUuid: string
  organizationId: string
  signIn: SignIn
  provider: 'firstParty' | 'bedrock' | 'vertex'
  team: TeamSpec
  region: Region
  offsetMs: number
  version: string
  host: Host
  terminal: string
  mainModel: ModelName
  effort: 'medium' | 'high'
  /** Multiplies sessions and prompts per day; log-normal around 1. */
  intensity: number
  lifecycle: Lifecycle
  /** ramp: the day use starts; quiet: the day use stops. */
  turningDay: number
  plugins: string[]
  skills: string[]
  agents: string[]
  mcpServers: string[]
  /** A personal PostToolUse formatter hook on Edit|Write (never under managed-hooks-only). */
  formatterHook: boolean
  /** Switches to bypassPermissions now and then. */
  bypassProne: boolean
  /** false: the user's install sends metrics only (no events). */
  eventsOn: boolean
}

/** The simulated period [from, end), and the UTC midnight its days are counted from. */
export interface Period {
  from: number
  end: number
  days: number
  firstUtcMidnight: number
}

/** The `days` days before `end` (default now, rounded down to the minute). */
export function resolvePeriod(days: number, end?: Date): Period {
  const endMs = end ? end.getTime() : Math.floor(Date.now() / MINUTE) * MINUTE
  if (!Number.isFinite(endMs)) throw new Error('end is not a valid date')
  const from = endMs - days * DAY
  return { from, end: endMs, days, firstUtcMidnight: Math.floor(from / DAY) * DAY }
}

export interface FleetOptions {
  seed: number
  users: number
  days: number
}

function pickWeighted<T extends { weight: number }>(rng: Rng, items: readonly T[]): T {
  return rng.weighted(items.map((item) => [item, item.weight] as const))
}

export function planUsers({ seed, users: count, days }: FleetOptions): SimUser[] {
  const users: SimUser[] = []
  const taken = new Set<string>()
  const orgId = new Rng(deriveSeed(seed, 0)).uuid()
  for (let i = 0; i < count; i++) {
    const rng = new Rng(deriveSeed(seed, 1, i))
    const team = pickWeighted(rng, TEAMS)
    const region = rng.weighted(team.regions)
    let local = `${rng.pick(FIRST_NAMES)}.${rng.pick(LAST_NAMES)}`
    for (let n = 2; taken.has(local); n++) local = `${local.replace(/\d+$/, '')}${n}`
    taken.add(local)
    const email = `${local}@${EMAIL_DOMAIN}`
    const version = rng.weighted(VERSIONS)
    const old = isOldVersion(version)
    const signIn: SignIn = rng.weighted([
      ['oauth', 45],
      ['enduser', 51],
      ['installation', 4],
    ] as const)
    const userId = rng.hex(64)
    const accountUuid = rng.uuid()
    const lifecycle: Lifecycle =
      count < 4
        ? 'steady'
        : rng.weighted([
            ['steady', 74],
            ['occasional', 14],
            ['ramp', 6],
            ['quiet', 6],
          ] as const)
    const turningDay =
      lifecycle === 'ramp'
        ? rng.int(0, Math.floor(days * 0.5))
        : lifecycle === 'quiet'
          ? rng.int(Math.ceil(days * 0.3), Math.max(Math.ceil(days * 0.3), Math.floor(days * 0.7)))
          : 0
    const mcpServers = team.mcpServers.filter((_, k) => k === 0 || rng.chance(0.6))
    users.push({
      index: i,
      key: signIn === 'installation' ? userId : email,
      email,
      userId,
      accountUuid,
      organizationId: orgId,
      signIn,
      provider: signIn === 'installation' ? 'bedrock' : 'firstParty',
      team,
      region,
      offsetMs: REGION_OFFSET_MIN[region] * MINUTE,
      version,
      host: pickWeighted(rng, HOSTS),
      terminal: rng.weighted(TERMINALS),
      mainModel: old
        ? 'claude-opus-5'
        : rng.weighted([
            ['claude-opus-5-5', 62],
            ['claude-sonnet-5', 38],
          ] as const),
      effort: rng.chance(0.7) ? 'medium' : 'high',
      intensity: Math.min(4, rng.logNormal(1, 0.55)),
      lifecycle,
      turningDay,
      plugins: PLUGINS.filter(() => rng.chance(0.3)),
      skills: SKILLS.filter(() => rng.chance(0.4)),
      agents: AGENTS.filter((a) => a === 'Explore' || a === 'general-purpose' || rng.chance(0.4)),
      mcpServers,
      formatterHook: !team.managedHooksOnly && rng.chance(0.3),
      bypassProne: rng.chance(0.06),
      eventsOn: !team.metricsOnly && !rng.chance(0.03),
    })
  }
  // At least one user on an older version, whatever the draw (the fleet is meant to show the tail).
  if (count >= 5 && users.every((u) => u.version === LATEST_VERSION)) {
    const last = users[count - 1]
    if (last) {
      last.version = '2.1.290'
      last.mainModel = 'claude-opus-5'
    }
  }
  // At least one install that sends metrics only (OTEL_LOGS_EXPORTER unset): its cost comes from metrics.
  if (count >= 5 && users.every((u) => u.eventsOn)) {
    const quietest = users[count - 2]
    if (quietest) quietest.eventsOn = false
  }
  return users
}

/** Probability that the user works on local day `day` (0-based) of the period. */
export function activeProbability(user: SimUser, day: number, days: number, weekend: boolean): number {
  const base = user.lifecycle === 'occasional' ? (weekend ? 0.03 : 0.3) : weekend ? 0.1 : 0.88
  switch (user.lifecycle) {
    case 'ramp': {
      if (day < user.turningDay) return 0
      const growth = Math.min(1, (day - user.turningDay + 1) / Math.max(3, days * 0.35))
      return base * (0.35 + 0.65 * growth)
    }
    case 'quiet':
      return day < user.turningDay ? base : weekend ? 0 : 0.02
    default:
      return base
  }
}

/** Multiplier on a day's amount of work: ramping users grow into it. */
export function dayIntensity(user: SimUser, day: number, days: number): number {
  if (user.lifecycle !== 'ramp') return user.intensity
  const growth = Math.min(1, (day - user.turningDay + 1) / Math.max(3, days * 0.35))
  return user.intensity * (0.25 + 0.75 * growth)
}

/** Local start hour of a session: office hours, a lunch dip, an evening tail. */
const START_HOURS = [
  [7, 1],
  [8, 4],
  [9, 9],
  [10, 11],
  [11, 9],
  [12, 4],
  [13, 7],
  [14, 10],
  [15, 10],
  [16, 8],
  [17, 5],
  [18, 2],
  [19, 1.5],
  [20, 1.5],
  [21, 1],
  [22, 0.5],
] as const

export interface SessionPlan {
  user: SimUser
  /** Local day index within the period. */
  day: number
  /** Session index within the user's day. */
  ordinal: number
  startMs: number
  startType: 'fresh' | 'resume' | 'continue'
  /** Seed of the session's own randomness. */
  seed: number
  /** How much work the session holds (scales prompts). */
  intensity: number
}

/**
 * The sessions a user starts on local day `day`: the day begins at `firstLocalMidnightUtcMs + day·DAY`
 * shifted by the user's UTC offset. Only sessions starting inside [from, lastStart] are kept.
 */
export function planDay(
  seed: number,
  user: SimUser,
  day: number,
  days: number,
  firstUtcMidnightMs: number,
  window: { from: number; lastStart: number },
): SessionPlan[] {
  const rng = new Rng(deriveSeed(seed, 2, user.index, day))
  const dateMs = firstUtcMidnightMs + day * DAY
  const weekday = new Date(dateMs).getUTCDay()
  const weekend = weekday === 0 || weekday === 6
  if (!rng.chance(activeProbability(user, day, days, weekend))) return []
  const intensity = dayIntensity(user, day, days)
  const count = Math.min(7, 1 + rng.poisson((weekend ? 0.5 : 1.3) * Math.pow(intensity, 0.8)))
  const localMidnight = dateMs - user.offsetMs
  const plans: SessionPlan[] = []
  const starts: number[] = []
  for (let j = 0; j < count; j++) starts.push(localMidnight + rng.weighted(START_HOURS) * HOUR + rng.int(0, 3_599_999))
  starts.sort((a, b) => a - b)
  for (const [j, startMs] of starts.entries()) {
    const startType =
      j === 0
        ? 'fresh'
        : rng.weighted([
            ['fresh', 7],
            ['continue', 2],
            ['resume', 2],
          ] as const)
    const sessionSeed = deriveSeed(seed, 3, user.index, day, j)
    if (startMs < window.from || startMs > window.lastStart) continue
    plans.push({ user, day, ordinal: j, startMs, startType, seed: sessionSeed, intensity })
  }
  return plans
}
