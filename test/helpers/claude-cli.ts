import { spawn } from 'node:child_process'
import fs from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { tempDir } from './ccscope'

/**
 * The real Claude Code CLI (the pinned devDependency @anthropic-ai/claude-code), run in -p mode.
 * Its native binary ships in a per-platform npm package; it is run directly, so the wrapper's
 * postinstall step (which npm may not run) is not needed.
 */
const require = createRequire(import.meta.url)

export const CLAUDE_CODE_VERSION = (require('@anthropic-ai/claude-code/package.json') as { version: string }).version

export function claudeBinary(): string {
  const libc =
    process.platform === 'linux' && !(process.report?.getReport() as { header?: { glibcVersionRuntime?: string } })?.header?.glibcVersionRuntime ? '-musl' : ''
  const pkg = `@anthropic-ai/claude-code-${process.platform}-${process.arch}${libc}`
  const dir = path.dirname(require.resolve(`${pkg}/package.json`))
  const binary = path.join(dir, process.platform === 'win32' ? 'claude.exe' : 'claude')
  if (!fs.existsSync(binary)) throw new Error(`Claude Code's native binary is missing from ${pkg}`)
  return binary
}

/** The CLI's `--output-format json` result (the fields the tests read). */
export interface ClaudeResult {
  session_id: string
  total_cost_usd: number
  num_turns: number
  is_error: boolean
  permission_denials: Array<{ tool_name: string; tool_use_id: string; tool_input: Record<string, unknown> }>
  usage: { input_tokens: number; output_tokens: number; cache_read_input_tokens: number; cache_creation_input_tokens: number }
}

export interface ClaudeRun {
  prompt: string
  allowedTools?: string[]
  env: Record<string, string>
}

export async function runClaude({ prompt, allowedTools = [], env }: ClaudeRun): Promise<ClaudeResult> {
  const home = tempDir('ccscope-claude-home-')
  const args = ['-p', prompt, '--output-format', 'json', ...(allowedTools.length ? ['--allowedTools', ...allowedTools] : [])]
  // Async spawn: the stand-in API and ccscope answer from this very process.
  const child = spawn(claudeBinary(), args, {
    cwd: home,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()))
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()))
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve))
  if (code !== 0) throw new Error(`claude exited with ${code}\nstdout: ${stdout}\nstderr: ${stderr}`)
  return JSON.parse(stdout) as ClaudeResult
}

const MANAGED_DIR = '/etc/claude-code'
const MANAGED_FILE = path.join(MANAGED_DIR, 'managed-settings.json')

/** Installs a managed-settings file for the duration of a test; returns the function that restores the previous state. */
export function installManagedSettings(settings: object): () => void {
  const previous = fs.existsSync(MANAGED_FILE) ? fs.readFileSync(MANAGED_FILE) : undefined
  const dirExisted = fs.existsSync(MANAGED_DIR)
  fs.mkdirSync(MANAGED_DIR, { recursive: true })
  fs.writeFileSync(MANAGED_FILE, JSON.stringify(settings))
  let restored = false
  const restore = () => {
    if (restored) return
    restored = true
    if (previous !== undefined) fs.writeFileSync(MANAGED_FILE, previous)
    else {
      fs.rmSync(MANAGED_FILE, { force: true })
      if (!dirExisted) fs.rmSync(MANAGED_DIR, { recursive: true, force: true })
    }
  }
  process.once('exit', restore)
  return restore
}
