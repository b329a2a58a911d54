/**
 * Claude Code's permission rules (the `permissions` of a settings or managed-settings.json), parsed and
 * matched against recorded tool calls, as Claude Code documents them:
 *
 * - lists are tried deny, then ask, then allow; the first rule that matches decides, whatever its
 *   specificity (a broad deny cannot carry an allow exception); no match leaves the tool's default
 *   (read-only tools run, others ask in the default mode);
 * - `Tool` matches every call of the tool; `Tool(spec)` a call whose content matches spec;
 * - Bash: `Bash(npm run build)` the exact command; `Bash(npm run test:*)` the prefix at a word boundary
 *   (`npm run test` or `npm run test …`); `*` anywhere matches any text, and a single trailing ` *` may
 *   also match nothing (`Bash(ls *)` matches `ls`). A compound command (`&&`, `||`, `;`, `|`) is denied or
 *   asked about when any part is, and allowed only when every part is;
 * - MCP: `mcp__server` every tool of the server, `mcp__server__tool` one, `mcp__server__*` every one.
 *
 * What the matcher cannot know, and says so (`unknown`) rather than guessing: a call recorded without
 * its details (Claude Code sends the command and MCP names only with OTEL_LOG_TOOL_DETAILS=1; ccscope keeps
 * only a command's name unless CCSCOPE_STORE_CONTENT is on) under a rule whose specifier needs them; path rules (Read/Edit/Write(path)) and WebFetch(domain:…), whose paths and
 * URLs are not in tool_decision events; and anything hooks, permission modes, other settings files or the
 * user's own answers decide.
 */

export type RuleList = 'deny' | 'ask' | 'allow'
export const RULE_LISTS: readonly RuleList[] = ['deny', 'ask', 'allow']

export interface Rule {
  list: RuleList
  /** As written. */
  text: string
  tool: string
  /** Inside the parentheses; undefined for a whole-tool rule. */
  specifier?: string
}

/** A recorded tool call, as far as telemetry tells it. */
export interface Call {
  tool: string
  /** Bash: the full command (tool_parameters.full_command); undefined when not sent or not stored. */
  command?: string
  /**
   * Bash: the command's name (tool_parameters.bash_command, e.g. `git`), which ccscope keeps when it drops
   * full commands as content (the default, CCSCOPE_STORE_CONTENT off). A rule is then decided where the
   * name alone decides it (`Bash(curl:*)` for `curl`; nothing starting with `npm` for `git`), and is
   * unknown where the arguments would (`Bash(git push:*)` for `git`); a compound command is judged by its
   * first command.
   */
  commandName?: string
  /** MCP: server and tool names (tool_parameters); undefined when not sent. */
  mcpServer?: string
  mcpTool?: string
}

export type Verdict = RuleList | 'default' | 'unknown'

export interface Decision {
  verdict: Verdict
  /** The rule that decided (or, for unknown, the first that might have). */
  rule?: string
}

const RULE = /^([A-Za-z_][\w-]*)(?:\((.*)\))?$/s

/** A rule's parts, or the reason it is not one. */
export function parseRule(list: RuleList, text: string): Rule | { error: string; text: string } {
  const trimmed = text.trim()
  const m = RULE.exec(trimmed)
  if (!m) return { text, error: 'not a rule: write Tool or Tool(specifier), e.g. Bash(npm run test:*)' }
  const [, tool = '', specifier] = m
  if (specifier !== undefined && specifier.trim() === '') return { text, error: 'empty parentheses: write the tool alone to match all its calls' }
  return specifier === undefined ? { list, text: trimmed, tool } : { list, text: trimmed, tool, specifier }
}

const escapeRegExp = (s: string) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')

/** Whether one command matches a Bash specifier. */
export function commandMatches(specifier: string, command: string): boolean {
  const cmd = command.trim()
  if (specifier.endsWith(':*') && !specifier.slice(0, -2).includes('*')) {
    const prefix = specifier.slice(0, -2)
    return cmd === prefix || cmd.startsWith(`${prefix} `)
  }
  if (!specifier.includes('*')) return cmd === specifier.trim()
  const single = specifier.split('*').length === 2
  if (single && specifier.endsWith(' *') && cmd === specifier.slice(0, -2)) return true
  return new RegExp(`^${specifier.split('*').map(escapeRegExp).join('.*')}$`, 's').test(cmd)
}

/** Whether a Bash specifier matches a command known only by its name (its first word). */
export function nameMatches(specifier: string, name: string): 'yes' | 'no' | 'maybe' {
  const prefix = specifier.endsWith(':*') && !specifier.slice(0, -2).includes('*') ? specifier.slice(0, -2) : undefined
  if (prefix !== undefined) {
    const [first = '', ...rest] = prefix.split(' ')
    if (first !== name) return 'no'
    return rest.length === 0 ? 'yes' : 'maybe'
  }
  const literal = specifier.split('*')[0] ?? ''
  const space = literal.indexOf(' ')
  if (space >= 0) {
    // The first word is written out: it must be the name; `name *` matches the name with any arguments.
    if (literal.slice(0, space) !== name) return 'no'
    return specifier === `${name} *` ? 'yes' : 'maybe'
  }
  if (!specifier.includes('*')) return specifier === name ? 'maybe' : 'no'
  // The literal is part of the first word (`git*`, or nothing before `*`).
  if (!name.startsWith(literal)) return 'no'
  return specifier === `${literal}*` ? 'yes' : 'maybe'
}

/** The parts of a compound command, split where Claude Code splits them (outside quotes). */
export function commandParts(command: string): string[] {
  const parts: string[] = []
  let current = ''
  let quote: string | undefined
  for (let i = 0; i < command.length; i++) {
    const c = command[i]!
    if (quote) {
      if (c === quote) quote = undefined
      current += c
      continue
    }
    if (c === '"' || c === "'") {
      quote = c
      current += c
      continue
    }
    const two = command.slice(i, i + 2)
    if (two === '&&' || two === '||') {
      parts.push(current)
      current = ''
      i++
      continue
    }
    if (c === ';' || c === '|' || c === '\n') {
      parts.push(current)
      current = ''
      continue
    }
    current += c
  }
  parts.push(current)
  return parts.map((p) => p.trim()).filter((p) => p !== '')
}

type Match = 'yes' | 'no' | 'maybe'

/** Whether a rule matches a call (one command part for Bash); maybe when the call lacks what the rule needs. */
function matches(rule: Rule, call: Call, part: string | undefined): Match {
  if (rule.tool.startsWith('mcp__')) {
    const name = call.mcpServer && call.mcpTool ? `mcp__${call.mcpServer}__${call.mcpTool}` : call.tool.startsWith('mcp__') ? call.tool : undefined
    if (name === undefined) return call.tool === 'mcp_tool' || call.tool.startsWith('mcp') ? 'maybe' : 'no'
    if (name === rule.tool || name.startsWith(`${rule.tool}__`)) return 'yes'
    if (rule.tool.endsWith('__*') && name.startsWith(rule.tool.slice(0, -1))) return 'yes'
    return 'no'
  }
  if (rule.tool !== call.tool) return 'no'
  if (rule.specifier === undefined) return 'yes'
  if (rule.tool === 'Bash') {
    if (part !== undefined) return commandMatches(rule.specifier, part) ? 'yes' : 'no'
    return call.commandName ? nameMatches(rule.specifier, call.commandName) : 'maybe'
  }
  // Paths, domains and other tools' specifiers: not in the telemetry.
  return 'maybe'
}

/** The first rule of a list that matches, or one that might. */
function firstIn(rules: Rule[], call: Call, part: string | undefined): { rule: Rule; match: Match } | undefined {
  let maybe: Rule | undefined
  for (const rule of rules) {
    const m = matches(rule, call, part)
    if (m === 'yes') return { rule, match: m }
    if (m === 'maybe') maybe ??= rule
  }
  return maybe && { rule: maybe, match: 'maybe' }
}

/** What the rules decide for a call: deny, ask or allow by a rule, the tool's default, or unknown. */
export function decide(rules: Rule[], call: Call): Decision {
  const byList = { deny: rules.filter((r) => r.list === 'deny'), ask: rules.filter((r) => r.list === 'ask'), allow: rules.filter((r) => r.list === 'allow') }
  const split = call.tool === 'Bash' && call.command !== undefined ? commandParts(call.command) : undefined
  const parts: (string | undefined)[] = split === undefined ? [undefined] : split.length > 0 ? split : ['']
  for (const list of ['deny', 'ask'] as const) {
    // Any part denied (or asked about) is enough.
    let maybe: Rule | undefined
    for (const part of parts) {
      const found = firstIn(byList[list], call, part)
      if (found?.match === 'yes') return { verdict: list, rule: found.rule.text }
      if (found) maybe ??= found.rule
    }
    if (maybe) return { verdict: 'unknown', rule: maybe.text }
  }
  // Allowed only when every part is.
  let rule: Rule | undefined
  for (const part of parts) {
    const found = firstIn(byList.allow, call, part)
    if (!found) return { verdict: 'default' }
    if (found.match === 'maybe') return { verdict: 'unknown', rule: found.rule.text }
    rule ??= found.rule
  }
  return rule ? { verdict: 'allow', rule: rule.text } : { verdict: 'default' }
}
