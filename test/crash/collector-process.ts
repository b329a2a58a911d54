import { spawn } from 'node:child_process'
import path from 'node:path'
import readline from 'node:readline'
import { fileURLToPath } from 'node:url'

/**
 * ccscope as `npm start` runs it, in a child process that the crash harness can kill -9.
 * Node runs server/main.ts itself (`--import tsx`), so the pid is ccscope's and SIGKILL hits it directly.
 */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')

export interface Ports {
  otlpHttp: number
  otlpGrpc: number
  api: number
}

/**
 * Where the process was when it died, from the writer's debug log: starting up, inside an INSERT,
 * rebuilding rollups after an earlier interrupted insert, or anywhere else ("idle": receiving,
 * decoding, checking for stored ids, waiting for the next flush).
 */
export type DeathPoint = 'startup' | 'idle' | 'insert' | 'rebuild'

export interface Death {
  at: DeathPoint
  /** The table being inserted into, when at = 'insert'. */
  table?: string
}

export interface CollectorProcess {
  pid: number
  /** Resolves with the ports and the start-up time once ccscope logs that it is ready. */
  ready: Promise<{ ports: Ports; startMs: number }>
  /** INSERTs the writer began / committed in this process, and their total time. */
  inserts: { begun: number; committed: number; ms: number }
  /** Rollup rebuilds the writer ran (after an interrupted insert), and their total time. */
  rebuilds: { count: number; ms: number }
  /** Records the writer found already stored and skipped: retries of requests whose answer was lost. */
  duplicatesSkipped: number
  /** kill -9: resolves once the process is gone and all its output is read. */
  kill(): Promise<Death>
  /** SIGTERM (graceful: the writer flushes its buffer first); resolves with the exit code. */
  stop(): Promise<number | null>
  /** The last lines the process wrote, for error messages. */
  tail(): string
}

interface LogLine {
  msg?: string
  time?: number
  ms?: number
  table?: string
  duplicates?: number
  otlpHttp?: number
  otlpGrpc?: number
  api?: number
}

const READY = 'ccscope is ready'
const REBUILT = 'an earlier insert may have stopped half-way'
const DUPLICATES = 'records already stored were not written again (exporter retries)'

export function startCollector(dataDir: string, env: Record<string, string>, readyTimeoutMs = 180_000): CollectorProcess {
  const began = performance.now()
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    cwd: ROOT,
    // debug: the writer's "insert begins" / "insert committed" lines tell where a kill landed.
    // Open mode: the harness reads the summary from the API without a user.
    env: { ...process.env, CCSCOPE_OPEN_MODE: 'true', ...env, CCSCOPE_DATA_DIR: dataDir, CCSCOPE_LOG_LEVEL: 'debug' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const lines: string[] = []
  const inserts = { begun: 0, committed: 0, ms: 0 }
  const rebuilds = { count: 0, ms: 0 }
  let insertBegan = 0
  let duplicatesSkipped = 0
  let started = false
  let inserting: string | undefined
  let rebuilding = false
  const keep = (line: string) => {
    lines.push(line)
    if (lines.length > 100) lines.shift()
  }
  const stdout = readline.createInterface({ input: child.stdout })
  const stderr = readline.createInterface({ input: child.stderr })
  const outputRead = Promise.all([new Promise((r) => stdout.once('close', r)), new Promise((r) => stderr.once('close', r))])
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  stderr.on('line', keep)

  let timer: NodeJS.Timeout | undefined
  const ready = new Promise<{ ports: Ports; startMs: number }>((resolve, reject) => {
    timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`ccscope did not become ready in ${readyTimeoutMs} ms:\n${lines.join('\n')}`))
    }, readyTimeoutMs)
    void exited.then((code) => reject(new Error(`ccscope exited (${code ?? child.signalCode}) before it was ready:\n${lines.join('\n')}`)))
    stdout.on('line', (line) => {
      keep(line)
      let entry: LogLine
      try {
        entry = JSON.parse(line) as LogLine
      } catch {
        return
      }
      if (entry.msg === 'insert begins') {
        inserts.begun++
        inserting = entry.table ?? '?'
        insertBegan = entry.time ?? 0
      } else if (entry.msg === 'insert committed') {
        inserts.committed++
        inserts.ms += (entry.time ?? 0) - insertBegan
        inserting = undefined
      } else if (entry.msg === DUPLICATES) {
        duplicatesSkipped += entry.duplicates ?? 0
      } else if (entry.msg === 'rebuild begins') {
        rebuilding = true
      } else if (entry.msg?.startsWith(REBUILT)) {
        rebuilding = false
        rebuilds.count++
        rebuilds.ms += entry.ms ?? 0
      } else if (entry.msg?.startsWith(READY) && entry.otlpHttp !== undefined && entry.api !== undefined) {
        started = true
        clearTimeout(timer)
        resolve({ ports: { otlpHttp: entry.otlpHttp, otlpGrpc: entry.otlpGrpc ?? 0, api: entry.api }, startMs: performance.now() - began })
      }
    })
  })
  ready.catch(() => {}) // a kill during start-up rejects it; callers that care await it
  void exited.then(() => clearTimeout(timer))

  const alive = () => child.exitCode === null && child.signalCode === null
  return {
    pid: child.pid ?? -1,
    ready,
    inserts,
    rebuilds,
    get duplicatesSkipped() {
      return duplicatesSkipped
    },
    async kill() {
      if (alive()) child.kill('SIGKILL')
      await exited
      await outputRead
      if (!started) return { at: 'startup' }
      if (rebuilding) return { at: 'rebuild' }
      return inserting === undefined ? { at: 'idle' } : { at: 'insert', table: inserting }
    },
    async stop() {
      if (alive()) child.kill('SIGTERM')
      const code = await exited
      await outputRead
      return code
    },
    tail: () => lines.join('\n'),
  }
}
