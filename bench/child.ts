import { spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

/** ccscope as a separate process, as `npm start` runs it: the load generator never shares its CPU time. */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

export interface Child {
  process: ChildProcess
  ports: { otlpHttp: number; otlpGrpc: number; api: number }
  /** Milliseconds from spawn to the "ready" log line (migrations applied, listeners open). */
  startMs: number
  /** Resident set size now, from /proc (kB). */
  rssKb(): number
  /** Its anonymous part (kB): RSS less the file-backed pages, most of them the embedded engine's code. */
  anonKb(): number
  stop(): Promise<void>
}

/** The flags `npm start` gives node (package.json's start script: `node <flags> --import tsx server/main.ts`). */
export function startFlags(): string[] {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } }
  const words = pkg.scripts.start.split(/\s+/)
  return words[0] === 'node' ? words.slice(1, words.indexOf('--import')) : []
}

/** `nodeArgs`: more flags for node itself (e.g. --cpu-prof, which NODE_OPTIONS does not take). */
export function startChild(dataDir: string, env: Record<string, string> = {}, nodeArgs: string[] = []): Promise<Child> {
  const began = performance.now()
  const child = spawn(process.execPath, [...startFlags(), ...nodeArgs, '--import', 'tsx', 'server/main.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      CCSCOPE_DATA_DIR: dataDir,
      // The benchmarks query the API without a user.
      CCSCOPE_OPEN_MODE: 'true',
      OTLP_HTTP_PORT: '0',
      OTLP_GRPC_PORT: '0',
      PORT: '0',
      CCSCOPE_LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`ccscope did not become ready:\n${out.slice(-2000)}`)), 600_000)
    const onData = (chunk: Buffer) => {
      out += chunk.toString()
      if (out.length > 1e6) out = out.slice(-100_000)
      const line = out.split('\n').find((l) => l.includes('ccscope is ready'))
      if (line) {
        clearTimeout(timer)
        const ports = JSON.parse(line) as Child['ports']
        const startMs = performance.now() - began
        resolve({
          process: child,
          ports: { otlpHttp: ports.otlpHttp, otlpGrpc: ports.otlpGrpc, api: ports.api },
          startMs,
          rssKb() {
            const status = fs.readFileSync(`/proc/${child.pid}/status`, 'utf8')
            return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0)
          },
          anonKb() {
            const status = fs.readFileSync(`/proc/${child.pid}/status`, 'utf8')
            return Number(/RssAnon:\s+(\d+)/.exec(status)?.[1] ?? 0)
          },
          stop() {
            return new Promise((done) => {
              if (child.exitCode !== null) return done()
              child.once('exit', () => done())
              child.kill('SIGTERM')
            })
          },
        })
        child.stdout?.off('data', onData)
        child.stderr?.off('data', onData)
        child.stdout?.resume()
        child.stderr?.resume()
      }
    }
    child.stdout?.on('data', onData)
    child.stderr?.on('data', onData)
    child.once('exit', (code) => reject(new Error(`ccscope exited with ${code}:\n${out.slice(-2000)}`)))
  })
}

/** Samples a child's RSS every 100 ms until stopped; returns the peaks in MB (all, and anonymous memory). */
export function samplePeakMemory(child: Child): { stop(): { peakRssMb: number; peakAnonMb: number } } {
  let peak = 0
  let peakAnon = 0
  const sampler = setInterval(() => {
    peak = Math.max(peak, child.rssKb())
    peakAnon = Math.max(peakAnon, child.anonKb())
  }, 100)
  return {
    stop() {
      clearInterval(sampler)
      return { peakRssMb: peak / 1024, peakAnonMb: peakAnon / 1024 }
    },
  }
}
