/**
 * A user of the fleet made to order, for scenarios written by hand (the tests' OTLP factory): the
 * identity a scenario names, and everything else a planned user has (an installation's user.id, a host,
 * a terminal, the latest version), drawn from the name, so that the same name is the same installation
 * every time. Records of such a user go through the same path as the fleet's (simulator/otlp.ts).
 */
import { HOSTS, LATEST_VERSION, REGION_OFFSET_MIN, TEAMS } from './catalog'
import { MINUTE, type SignIn, type SimUser } from './fleet'
import { Rng, deriveSeed } from './random'

export interface UserSpec {
  /**
   * What ccscope resolves the user to: sent as enduser.id (set in OTEL_RESOURCE_ATTRIBUTES), or as
   * user.email too when signed in. Without one, only the installation's user.id identifies the user.
   */
  key?: string
  /** team.id, the only key of OTEL_RESOURCE_ATTRIBUTES the scenario's organization sets besides enduser.id. */
  team: string
  /** Default: 'enduser' with a key, 'installation' without. */
  signIn?: Exclude<SignIn, 'installation'>
  version?: string
}

/** FNV-1a: a name as a 32-bit number, to seed the user's draws. */
function hashName(name: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0
  return h
}

export function scenarioUser(spec: UserSpec): SimUser {
  const name = spec.key ?? ''
  const rng = new Rng(deriveSeed(hashName(name), hashName(spec.team)))
  const userId = rng.hex(64)
  const signIn: SignIn = spec.key === undefined ? 'installation' : (spec.signIn ?? 'enduser')
  const base = TEAMS[0]
  const host = HOSTS[0]
  if (!base || !host) throw new Error('the catalog has no teams or hosts')
  return {
    index: 0,
    key: spec.key ?? userId,
    email: name,
    userId,
    accountUuid: rng.uuid(),
    organizationId: new Rng(deriveSeed(0)).uuid(),
    signIn,
    provider: signIn === 'installation' ? 'bedrock' : 'firstParty',
    team: { ...base, id: spec.team, department: '', costCenter: '' },
    region: 'us-east',
    offsetMs: REGION_OFFSET_MIN['us-east'] * MINUTE,
    version: spec.version ?? LATEST_VERSION,
    host,
    terminal: 'vscode',
    mainModel: 'claude-opus-5-5',
    effort: 'medium',
    intensity: 1,
    lifecycle: 'steady',
    turningDay: 0,
    plugins: [],
    skills: [],
    agents: [],
    mcpServers: [],
    formatterHook: false,
    bypassProne: false,
    eventsOn: true,
  }
}
