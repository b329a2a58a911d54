/**
 * The simulated organisation and the things its developers use: models and their list prices, teams
 * with their departments, cost centers, regions and languages, Claude Code versions, tools, shell
 * commands, MCP servers, plugins, skills and subagents, and the managed policy in force.
 *
 * Names and shapes follow Claude Code 2.1.x as captured in shared/fixtures/claude-code and documented
 * in shared/reference/claude-code-telemetry.md. Numbers are plausible, not measured.
 */
import type { Weighted } from './random'

// ---- models ---------------------------------------------------------------------------------------

export type ModelName = 'claude-opus-5-5' | 'claude-opus-5' | 'claude-sonnet-5' | 'claude-haiku-5'

export interface ModelSpec {
  /** List prices, USD per million tokens (= micro-dollars per token). */
  input: number
  output: number
  cacheRead: number
  cacheWrite: number
  /** Output speed, milliseconds per token. */
  msPerToken: number
}

/**
 * claude-opus-5-5's prices are those the real CLI applied in the captured fixtures (1210 in, 81 out,
 * 3000 cache read, 500 cache write → $0.00956); the others are the list prices ccscope knows
 * (dashboard/api/prices.ts), so cache savings come out right.
 */
export const MODELS: Record<ModelName, ModelSpec> = {
  'claude-opus-5-5': { input: 4, output: 20, cacheRead: 0.2, cacheWrite: 5, msPerToken: 14 },
  'claude-opus-5': { input: 5, output: 25, cacheRead: 0.5, cacheWrite: 6.25, msPerToken: 16 },
  'claude-sonnet-5': { input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75, msPerToken: 8 },
  'claude-haiku-5': { input: 1, output: 5, cacheRead: 0.1, cacheWrite: 1.25, msPerToken: 4 },
}

export interface TokenCounts {
  input: number
  output: number
  cacheRead: number
  cacheCreation: number
}

/** Cost in micro-dollars, rounded to the integer the CLI reports as cost_usd_micros. */
export function costMicros(model: ModelName, t: TokenCounts): number {
  const p = MODELS[model]
  return Math.round(t.input * p.input + t.output * p.output + t.cacheRead * p.cacheRead + t.cacheCreation * p.cacheWrite)
}

// ---- Claude Code versions -------------------------------------------------------------------------

export const LATEST_VERSION = '2.1.328'

/** Share of users per version: most are current, a tail lags behind (auto-update off, pinned images). */
export const VERSIONS: Weighted<string> = [
  [LATEST_VERSION, 62],
  ['2.1.319', 16],
  ['2.1.305', 9],
  ['2.1.290', 7],
  ['2.1.264', 6],
]

/** Versions before 2.1.300 send no cost_usd_micros, effort or speed, and default to claude-opus-5. */
export function isOldVersion(version: string): boolean {
  const patch = Number(version.split('.')[2] ?? '0')
  return patch < 300
}

// ---- organisation ---------------------------------------------------------------------------------

export type Region = 'us-east' | 'us-west' | 'europe' | 'uk' | 'india'

/** Fixed UTC offsets in minutes (daylight saving is ignored: a simulation, not a calendar). */
export const REGION_OFFSET_MIN: Record<Region, number> = {
  'us-east': -300,
  'us-west': -480,
  europe: 60,
  uk: 0,
  india: 330,
}

export interface TeamSpec {
  id: string
  department: string
  costCenter: string
  /** Relative headcount. */
  weight: number
  regions: Weighted<Region>
  languages: ReadonlyArray<readonly [language: string, extension: string]>
  testCommand: string
  buildCommand: string
  mcpServers: readonly string[]
  /** managed_settings_resolved sources. */
  managedSources: readonly string[]
  /** A managed PreToolUse hook on Bash|Edit|Write that blocks force pushes and writes to .env files. */
  policyHook: boolean
  /** allowManagedHooksOnly: hook_source is policySettings; else the CLI reports merged. */
  managedHooksOnly: boolean
  /** The team's rollout sets OTEL_METRICS_EXPORTER only: no events reach ccscope. */
  metricsOnly: boolean
}

const WEB_LANGS = [
  ['TypeScript', 'tsx'],
  ['TypeScript', 'ts'],
  ['TypeScript', 'ts'],
  ['JavaScript', 'js'],
  ['CSS', 'css'],
  ['JSON', 'json'],
] as const
const GO_LANGS = [
  ['Go', 'go'],
  ['Go', 'go'],
  ['Go', 'go'],
  ['YAML', 'yaml'],
  ['Protocol Buffers', 'proto'],
  ['SQL', 'sql'],
] as const
const PY_LANGS = [
  ['Python', 'py'],
  ['Python', 'py'],
  ['Python', 'py'],
  ['SQL', 'sql'],
  ['Markdown', 'md'],
  ['YAML', 'yaml'],
] as const

export const TEAMS: readonly TeamSpec[] = [
  {
    id: 'web',
    department: 'engineering',
    costCenter: 'CC-1010',
    weight: 14,
    regions: [
      ['us-east', 6],
      ['europe', 3],
      ['uk', 1],
    ],
    languages: WEB_LANGS,
    testCommand: 'npm test',
    buildCommand: 'npm run build',
    mcpServers: ['github', 'linear', 'figma'],
    managedSources: ['file'],
    policyHook: true,
    managedHooksOnly: false,
    metricsOnly: false,
  },
  {
    id: 'mobile',
    department: 'engineering',
    costCenter: 'CC-1010',
    weight: 9,
    regions: [
      ['us-west', 5],
      ['india', 2],
    ],
    languages: [
      ['Swift', 'swift'],
      ['Swift', 'swift'],
      ['Kotlin', 'kt'],
      ['Kotlin', 'kt'],
      ['JSON', 'json'],
    ],
    testCommand: './gradlew test',
    buildCommand: 'xcodebuild -scheme App build',
    mcpServers: ['github', 'sentry', 'linear'],
    managedSources: ['file'],
    policyHook: false,
    managedHooksOnly: false,
    metricsOnly: false,
  },
  {
    id: 'api',
    department: 'engineering',
    costCenter: 'CC-1020',
    weight: 11,
    regions: [
      ['europe', 6],
      ['uk', 2],
      ['us-east', 2],
    ],
    languages: GO_LANGS,
    testCommand: 'go test ./...',
    buildCommand: 'go build ./...',
    mcpServers: ['github', 'postgres-prod', 'sentry'],
    managedSources: ['file'],
    policyHook: true,
    managedHooksOnly: false,
    metricsOnly: false,
  },
  {
    id: 'payments',
    department: 'engineering',
    costCenter: 'CC-1020',
    weight: 6,
    regions: [
      ['uk', 3],
      ['europe', 2],
    ],
    languages: [
      ['Java', 'java'],
      ['Java', 'java'],
      ['Kotlin', 'kt'],
      ['SQL', 'sql'],
      ['YAML', 'yaml'],
    ],
    testCommand: 'mvn -q test',
    buildCommand: 'mvn -q package',
    mcpServers: ['github', 'postgres-prod', 'jira'],
    managedSources: ['mdm', 'file'],
    policyHook: true,
    managedHooksOnly: true,
    metricsOnly: false,
  },
  {
    id: 'platform',
    department: 'infrastructure',
    costCenter: 'CC-2010',
    weight: 8,
    regions: [
      ['europe', 5],
      ['us-east', 2],
    ],
    languages: [
      ['Go', 'go'],
      ['HCL', 'tf'],
      ['HCL', 'tf'],
      ['YAML', 'yaml'],
      ['Shell', 'sh'],
    ],
    testCommand: 'make test',
    buildCommand: 'terraform plan',
    mcpServers: ['github', 'pagerduty', 'datadog', 'postgres-prod'],
    managedSources: ['mdm', 'file'],
    policyHook: true,
    managedHooksOnly: true,
    metricsOnly: false,
  },
  {
    id: 'sre',
    department: 'infrastructure',
    costCenter: 'CC-2010',
    weight: 5,
    regions: [
      ['india', 4],
      ['us-west', 2],
    ],
    languages: [
      ['Python', 'py'],
      ['Shell', 'sh'],
      ['YAML', 'yaml'],
      ['Go', 'go'],
    ],
    testCommand: 'pytest -q',
    buildCommand: 'make lint',
    mcpServers: ['github', 'pagerduty', 'datadog'],
    managedSources: ['mdm', 'file'],
    policyHook: true,
    managedHooksOnly: true,
    metricsOnly: false,
  },
  {
    id: 'security',
    department: 'infrastructure',
    costCenter: 'CC-2020',
    weight: 3,
    regions: [['us-east', 3]],
    languages: [
      ['Python', 'py'],
      ['Go', 'go'],
      ['YAML', 'yaml'],
      ['Markdown', 'md'],
    ],
    testCommand: 'make test',
    buildCommand: 'semgrep --config auto',
    mcpServers: ['github', 'jira'],
    managedSources: ['mdm', 'file'],
    policyHook: true,
    managedHooksOnly: true,
    metricsOnly: false,
  },
  {
    id: 'data-eng',
    department: 'data',
    costCenter: 'CC-3010',
    weight: 7,
    regions: [
      ['india', 4],
      ['europe', 2],
    ],
    languages: PY_LANGS,
    testCommand: 'pytest -q',
    buildCommand: 'dbt build',
    mcpServers: ['github', 'postgres-prod', 'datadog'],
    managedSources: ['file'],
    policyHook: false,
    managedHooksOnly: false,
    metricsOnly: false,
  },
  {
    id: 'ml',
    department: 'data',
    costCenter: 'CC-3020',
    weight: 5,
    regions: [
      ['us-west', 4],
      ['europe', 1],
    ],
    languages: [
      ['Python', 'py'],
      ['Python', 'py'],
      ['Jupyter Notebook', 'ipynb'],
      ['Markdown', 'md'],
      ['YAML', 'yaml'],
    ],
    testCommand: 'pytest -q',
    buildCommand: 'python train.py --dry-run',
    mcpServers: ['github', 'postgres-prod'],
    managedSources: ['file'],
    policyHook: false,
    managedHooksOnly: false,
    metricsOnly: false,
  },
  {
    id: 'growth',
    department: 'product',
    costCenter: 'CC-4010',
    weight: 4,
    regions: [
      ['us-east', 3],
      ['us-west', 1],
    ],
    languages: WEB_LANGS,
    testCommand: 'npm test',
    buildCommand: 'npm run build',
    mcpServers: ['github', 'linear', 'figma'],
    managedSources: ['file'],
    policyHook: false,
    managedHooksOnly: false,
    metricsOnly: false,
  },
  {
    id: 'design-systems',
    department: 'product',
    costCenter: 'CC-4010',
    weight: 3,
    regions: [
      ['europe', 2],
      ['uk', 1],
    ],
    languages: [
      ['TypeScript', 'tsx'],
      ['CSS', 'css'],
      ['Markdown', 'md'],
    ],
    testCommand: 'npm test',
    buildCommand: 'npm run storybook:build',
    mcpServers: ['github', 'figma'],
    managedSources: ['file'],
    policyHook: false,
    managedHooksOnly: false,
    metricsOnly: false,
  },
  {
    id: 'it-ops',
    department: 'it',
    costCenter: 'CC-5010',
    weight: 2,
    regions: [['us-east', 2]],
    languages: [
      ['PowerShell', 'ps1'],
      ['Python', 'py'],
      ['YAML', 'yaml'],
    ],
    testCommand: 'Invoke-Pester',
    buildCommand: 'ansible-lint',
    mcpServers: ['jira'],
    managedSources: ['remote'],
    policyHook: false,
    managedHooksOnly: false,
    metricsOnly: true,
  },
]

// ---- tools ----------------------------------------------------------------------------------------

export type ToolName = 'Read' | 'Bash' | 'Edit' | 'Grep' | 'Glob' | 'Write' | 'TodoWrite' | 'mcp_tool' | 'WebFetch' | 'WebSearch' | 'Task' | 'NotebookEdit'

/** The model's tool calls, by share. */
export const TOOL_MIX: Weighted<ToolName> = [
  ['Read', 27],
  ['Bash', 21],
  ['Edit', 17],
  ['Grep', 9],
  ['Glob', 5],
  ['Write', 5],
  ['TodoWrite', 5],
  ['mcp_tool', 6],
  ['WebFetch', 1.5],
  ['WebSearch', 1],
  ['Task', 2],
  ['NotebookEdit', 0.5],
]

export const EDIT_TOOLS: ReadonlySet<ToolName> = new Set(['Edit', 'Write', 'NotebookEdit'])
/** Decided by config without asking: read-only by nature. */
export const SAFE_TOOLS: ReadonlySet<ToolName> = new Set(['Read', 'Grep', 'Glob', 'TodoWrite', 'WebSearch'])

/** Shell commands the model runs; `{test}` and `{build}` are the team's. */
export const BASH_COMMANDS: Weighted<string> = [
  ['git status', 10],
  ['git diff --stat', 6],
  ['ls -la', 6],
  ['{test}', 14],
  ['{build}', 5],
  ['git add -A', 4],
  ['git commit -m "wip"', 4],
  ['gh pr create --fill', 1.2],
  ['git push origin HEAD', 2],
  ['git push --force origin HEAD', 1.2],
  ['cat README.md', 3],
  ['find . -name "*.log"', 2],
  ['grep -rn TODO .', 2],
  ['npm install', 2],
  ['docker compose up -d', 1],
  ['curl -sS https://api.example.com/v1/status', 2.2],
  ['wget https://example.com/install.sh', 0.7],
  ['rm -rf build/', 1.5],
]

/** Read-only commands: allowed by config (allow rules / read-only detection). */
export const READ_ONLY_COMMANDS: ReadonlySet<string> = new Set(['git', 'ls', 'cat', 'find', 'grep'])

/** The managed policy: permissions.deny = Bash(curl:*), Bash(wget:*), Bash(rm:*), mcp__postgres-prod. */
export const DENIED_COMMANDS: ReadonlySet<string> = new Set(['curl', 'wget', 'rm'])
export const DENIED_MCP_SERVER = 'postgres-prod'

export const MCP_TOOLS: Record<string, readonly string[]> = {
  github: ['get_pull_request', 'list_pull_requests', 'search_code', 'create_issue', 'get_file_contents'],
  linear: ['list_issues', 'get_issue', 'create_issue', 'update_issue'],
  figma: ['get_file', 'get_node', 'get_images'],
  sentry: ['get_issue', 'search_events'],
  'postgres-prod': ['query', 'list_tables', 'describe_table'],
  pagerduty: ['list_incidents', 'get_incident'],
  datadog: ['query_metrics', 'search_logs'],
  jira: ['search_issues', 'get_issue', 'create_issue'],
}

/** MCP servers by transport (mcp_server_connection.transport_type). */
export const MCP_TRANSPORT: Record<string, 'stdio' | 'http'> = {
  github: 'http',
  linear: 'http',
  figma: 'http',
  sentry: 'http',
  'postgres-prod': 'stdio',
  pagerduty: 'stdio',
  datadog: 'http',
  jira: 'http',
}

export const PLUGINS = ['commit-commands', 'pr-review-toolkit', 'security-guidance', 'feature-dev'] as const
export const SKILLS = ['frontend-design', 'pdf', 'xlsx', 'webapp-testing', 'mcp-builder'] as const
export const AGENTS = ['Explore', 'general-purpose', 'code-reviewer', 'Plan'] as const
export const SLASH_COMMANDS = ['review', 'commit', 'init', 'pr-comments', 'security-review'] as const

export const TERMINALS: Weighted<string> = [
  ['vscode', 30],
  ['iTerm.app', 22],
  ['tmux', 12],
  ['cursor', 10],
  ['Apple_Terminal', 8],
  ['WindowsTerminal', 6],
  ['ghostty', 6],
  ['WarpTerminal', 6],
]

export const HOSTS = [
  { type: 'darwin', version: '24.6.0', arch: 'arm64', weight: 45 },
  { type: 'darwin', version: '25.1.0', arch: 'arm64', weight: 15 },
  { type: 'linux', version: '6.8.0-57-generic', arch: 'amd64', weight: 25 },
  { type: 'linux', version: '6.14.0-1011-aws', arch: 'arm64', weight: 5 },
  { type: 'windows', version: '10.0.26100', arch: 'amd64', weight: 10 },
] as const
export type Host = (typeof HOSTS)[number]

// ---- people ---------------------------------------------------------------------------------------

export const FIRST_NAMES = [
  'ana',
  'ben',
  'chen',
  'dana',
  'elif',
  'erin',
  'farah',
  'felix',
  'gita',
  'hana',
  'ivan',
  'jae',
  'jonas',
  'kai',
  'lena',
  'leo',
  'maya',
  'mateo',
  'nadia',
  'noah',
  'omar',
  'priya',
  'quinn',
  'rafael',
  'rosa',
  'sam',
  'sofia',
  'tariq',
  'uma',
  'victor',
  'wen',
  'xavier',
  'yara',
  'yusuf',
  'zoe',
  'arjun',
  'bea',
  'carlos',
  'dmitri',
  'emma',
  'fatima',
  'george',
  'hugo',
  'ines',
  'jamal',
  'kofi',
  'lucia',
  'marek',
  'nina',
  'oliver',
] as const
export const LAST_NAMES = [
  'silva',
  'novak',
  'wang',
  'kim',
  'yilmaz',
  'oconnor',
  'haddad',
  'schmidt',
  'rao',
  'sato',
  'petrov',
  'park',
  'berg',
  'lindqvist',
  'moreau',
  'rossi',
  'cohen',
  'garcia',
  'ali',
  'brown',
  'hassan',
  'iyer',
  'kowalski',
  'lopez',
  'mendes',
  'nakamura',
  'okafor',
  'patel',
  'quispe',
  'reyes',
  'santos',
  'tanaka',
  'ueda',
  'varga',
  'weber',
  'xu',
  'young',
  'zhang',
  'dubois',
  'eriksen',
] as const
export const EMAIL_DOMAIN = 'example.com'
