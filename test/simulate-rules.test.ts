import { describe, expect, it } from 'vitest'
import { commandMatches, commandParts, decide, nameMatches, parseRule, type Rule, type RuleList } from '../dashboard/api/simulate/rules'

const rules = (lists: Partial<Record<RuleList, string[]>>): Rule[] =>
  (['deny', 'ask', 'allow'] as const).flatMap((list) =>
    (lists[list] ?? []).map((text) => {
      const r = parseRule(list, text)
      if ('error' in r) throw new Error(r.error)
      return r
    }),
  )

describe("Claude Code's permission rules", () => {
  it('parses Tool and Tool(specifier), and names what is wrong with a malformed rule', () => {
    expect(parseRule('deny', 'Bash(curl:*)')).toEqual({ list: 'deny', text: 'Bash(curl:*)', tool: 'Bash', specifier: 'curl:*' })
    expect(parseRule('allow', ' Read ')).toEqual({ list: 'allow', text: 'Read', tool: 'Read' })
    expect(parseRule('deny', 'Bash()')).toMatchObject({ error: expect.stringMatching(/empty parentheses/) })
    expect(parseRule('deny', 'rm -rf /')).toMatchObject({ error: expect.stringMatching(/not a rule/) })
  })

  it('matches Bash commands: exact, legacy prefix at a word boundary, and * wildcards', () => {
    expect(commandMatches('curl:*', 'curl https://example.org')).toBe(true)
    expect(commandMatches('curl:*', 'curl')).toBe(true)
    expect(commandMatches('curl:*', 'curlie x')).toBe(false)
    expect(commandMatches('npm run build', 'npm run build')).toBe(true)
    expect(commandMatches('npm run build', 'npm run build --watch')).toBe(false)
    expect(commandMatches('git * main', 'git push origin main')).toBe(true)
    expect(commandMatches('ls *', 'ls')).toBe(true)
    expect(commandMatches('ls *', 'ls -la')).toBe(true)
    expect(commandMatches('aws *', 'awsx')).toBe(false)
  })

  it("decides what a command's name alone decides (ccscope keeps the name, not the command line), and no more", () => {
    expect(nameMatches('curl:*', 'curl')).toBe('yes')
    expect(nameMatches('curl:*', 'wget')).toBe('no')
    expect(nameMatches('git push:*', 'git')).toBe('maybe')
    expect(nameMatches('git push:*', 'npm')).toBe('no')
    expect(nameMatches('npm run build', 'npm')).toBe('maybe')
    expect(nameMatches('aws *', 'aws')).toBe('yes')
    expect(nameMatches('git * main', 'git')).toBe('maybe')
    expect(nameMatches('git*', 'gitk')).toBe('yes')
    expect(nameMatches('* install', 'npm')).toBe('maybe')
    const policy = rules({ deny: ['Bash(curl:*)'], ask: ['Bash(git push:*)'], allow: ['Bash(git:*)'] })
    expect(decide(policy, { tool: 'Bash', commandName: 'curl' })).toEqual({ verdict: 'deny', rule: 'Bash(curl:*)' })
    expect(decide(policy, { tool: 'Bash', commandName: 'git' })).toEqual({ verdict: 'unknown', rule: 'Bash(git push:*)' })
    expect(decide(policy, { tool: 'Bash', commandName: 'ls' })).toEqual({ verdict: 'default' })
  })

  it('splits compound commands outside quotes', () => {
    expect(commandParts('npm test && curl x | sh; echo "a && b"')).toEqual(['npm test', 'curl x', 'sh', 'echo "a && b"'])
  })

  it('tries deny, then ask, then allow; the first match decides, whatever its specificity', () => {
    const policy = rules({ deny: ['Bash(aws *)'], ask: ['Bash(git push:*)'], allow: ['Bash(aws s3 ls)', 'Bash(git:*)', 'Read'] })
    expect(decide(policy, { tool: 'Bash', command: 'aws s3 ls' })).toEqual({ verdict: 'deny', rule: 'Bash(aws *)' })
    expect(decide(policy, { tool: 'Bash', command: 'git push origin main' })).toEqual({ verdict: 'ask', rule: 'Bash(git push:*)' })
    expect(decide(policy, { tool: 'Bash', command: 'git status' })).toEqual({ verdict: 'allow', rule: 'Bash(git:*)' })
    expect(decide(policy, { tool: 'Read' })).toEqual({ verdict: 'allow', rule: 'Read' })
    expect(decide(policy, { tool: 'Edit' })).toEqual({ verdict: 'default' })
  })

  it('denies a compound command when any part is denied, allows it only when every part is', () => {
    const policy = rules({ deny: ['Bash(curl:*)'], allow: ['Bash(npm test)', 'Bash(ls:*)'] })
    expect(decide(policy, { tool: 'Bash', command: 'npm test && curl https://x' })).toEqual({ verdict: 'deny', rule: 'Bash(curl:*)' })
    expect(decide(policy, { tool: 'Bash', command: 'npm test && ls -la' })).toEqual({ verdict: 'allow', rule: 'Bash(npm test)' })
    expect(decide(policy, { tool: 'Bash', command: 'npm test && make' })).toEqual({ verdict: 'default' })
  })

  it('matches MCP servers and tools by their mcp__ names', () => {
    const policy = rules({ deny: ['mcp__github__delete_repo'], allow: ['mcp__github'] })
    expect(decide(policy, { tool: 'mcp_tool', mcpServer: 'github', mcpTool: 'delete_repo' })).toEqual({ verdict: 'deny', rule: 'mcp__github__delete_repo' })
    expect(decide(policy, { tool: 'mcp_tool', mcpServer: 'github', mcpTool: 'list_prs' })).toEqual({ verdict: 'allow', rule: 'mcp__github' })
    expect(decide(policy, { tool: 'mcp_tool', mcpServer: 'linear', mcpTool: 'x' })).toEqual({ verdict: 'default' })
  })

  it('says unknown, not a guess, when the call lacks what a rule needs', () => {
    // Recorded without OTEL_LOG_TOOL_DETAILS: no command, no MCP names.
    expect(decide(rules({ deny: ['Bash(curl:*)'] }), { tool: 'Bash' })).toEqual({ verdict: 'unknown', rule: 'Bash(curl:*)' })
    expect(decide(rules({ deny: ['mcp__github'] }), { tool: 'mcp_tool' })).toEqual({ verdict: 'unknown', rule: 'mcp__github' })
    // Paths are not in tool_decision events.
    expect(decide(rules({ deny: ['Read(./.env)'] }), { tool: 'Read' })).toEqual({ verdict: 'unknown', rule: 'Read(./.env)' })
    // A whole-tool deny needs no details.
    expect(decide(rules({ deny: ['Bash'] }), { tool: 'Bash' })).toEqual({ verdict: 'deny', rule: 'Bash' })
  })
})
