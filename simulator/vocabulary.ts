/**
 * The simulator's catalog (catalog.ts) as the seeder's vocabulary (bench/seed-vocabulary.ts): the demo's
 * backfilled history is generated in the engine by the seeder, from the same teams, models and prices,
 * tools, commands, MCP servers, plugins, skills, agents, versions, terminals and hosts as the sessions
 * the simulator sends live. Pure data: no OpenTelemetry here, so the seeder can import it.
 */
import type { SeedVocabulary } from '../bench/seed-vocabulary'
import {
  AGENTS,
  BASH_COMMANDS,
  DENIED_COMMANDS,
  HOSTS,
  MCP_TOOLS,
  MODELS,
  PLUGINS,
  SKILLS,
  TEAMS,
  TERMINALS,
  TOOL_MIX,
  VERSIONS,
  type ModelName,
} from './catalog'
import type { Weighted } from './random'

/** The seeder's weights are integers: the catalog's, to a tenth. */
const SCALE = 10

function scaled<T>(items: Weighted<T>): Array<readonly [T, number]> {
  return items.map(([item, weight]) => [item, Math.max(1, Math.round(weight * SCALE))] as const)
}

function distinct(values: readonly string[]): string[] {
  return [...new Set(values)]
}

/** The catalog's shell commands with `{test}` and `{build}` replaced by every team's, sharing the placeholder's weight. */
function bashCommands(): Array<readonly [string, string, number]> {
  const tests = distinct(TEAMS.map((t) => t.testCommand))
  const builds = distinct(TEAMS.map((t) => t.buildCommand))
  const out: Array<readonly [string, string, number]> = []
  for (const [command, weight] of BASH_COMMANDS) {
    const expanded = command === '{test}' ? tests : command === '{build}' ? builds : [command]
    for (const full of expanded) out.push([full.split(' ')[0] ?? full, full, Math.max(1, Math.round((weight * SCALE) / expanded.length))])
  }
  return out
}

export function catalogVocabulary(): SeedVocabulary {
  const commands = bashCommands()
  const models = Object.entries(MODELS) as Array<[ModelName, (typeof MODELS)[ModelName]]>
  return {
    teams: TEAMS.map((t) => ({ id: t.id, department: t.department, costCenter: t.costCenter })),
    models: models.map(([name, p]) => ({ name, input: p.input, output: p.output, cacheRead: p.cacheRead, cacheCreation: p.cacheWrite })),
    // As the fleet's users choose theirs (fleet.ts: current versions run Opus 5.5 or Sonnet 5; old ones Opus 5).
    sessionModels: [
      ['claude-opus-5-5', 54],
      ['claude-sonnet-5', 33],
      ['claude-opus-5', 13],
    ],
    auxiliaryModel: 'claude-haiku-5',
    versions: scaled(VERSIONS),
    terminals: scaled(TERMINALS),
    hosts: HOSTS.map((h) => [{ type: h.type, version: h.version, arch: h.arch }, h.weight] as const),
    tools: scaled(TOOL_MIX),
    bashCommands: commands.filter(([name]) => !DENIED_COMMANDS.has(name)),
    deniedCommands: commands.filter(([name]) => DENIED_COMMANDS.has(name)).map(([name, full]) => [name, full] as const),
    mcpTools: Object.entries(MCP_TOOLS).flatMap(([server, tools]) => tools.map((tool) => [server, tool] as const)),
    agents: [...AGENTS],
    skills: [...SKILLS],
    plugins: [...PLUGINS],
    mcpServers: Object.keys(MCP_TOOLS),
    loadedPlugins: [...PLUGINS],
    languages: distinct(TEAMS.flatMap((t) => t.languages.map(([language]) => language))),
  }
}
