import { spawn, type ChildProcess } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import type { SummaryResponse } from '../schemas/analytics'
import type { MetaResponse } from '../schemas/meta'
import { tempDir, TEST_ENV } from './helpers/ccscope'
import { loadFixture, replay } from './helpers/fixtures'

/**
 * `npm start` as a user runs it: a child process on the embedded engine, found ready by its log line.
 * (node --import tsx rather than the tsx CLI, so that killing the child leaves no grandchild behind.)
 */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const children: ChildProcess[] = []
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL')
})

interface Started {
  child: ChildProcess
  ports: { otlpHttp: number; otlpGrpc: number; api: number }
  output: () => string
}

function start(env: Record<string, string>, args: string[] = []): Promise<Started> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, ...TEST_ENV, CCSCOPE_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  children.push(child)
  let out = ''
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`ccscope did not become ready:\n${out}`)), 30_000)
    const onData = (chunk: Buffer) => {
      out += chunk.toString()
      const line = out.split('\n').find((l) => l.includes('ccscope is ready'))
      if (line) {
        clearTimeout(timer)
        const { otlpHttp, otlpGrpc, api } = JSON.parse(line) as Started['ports']
        resolve({ child, ports: { otlpHttp, otlpGrpc, api }, output: () => out })
      }
    }
    child.stdout?.on('data', onData)
    child.stderr?.on('data', onData)
    child.on('exit', (code) => reject(new Error(`ccscope exited with ${code}:\n${out}`)))
  })
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.on('exit', (code) => resolve(code)))
}

describe('npm start', () => {
  it('starts on the embedded engine, says it listens on loopback only, serves health and ingest, stops cleanly', async () => {
    const dataDir = tempDir()
    const cc = await start({ CCSCOPE_DATA_DIR: dataDir })
    expect(cc.output()).toMatch(/listens on 127\.0\.0\.1 only/)
    expect(cc.output()).toMatch(/applied \d+ migration/)
    const api = `http://127.0.0.1:${cc.ports.api}`
    expect(await (await fetch(`${api}/healthz`)).json()).toEqual({ status: 'ok' })
    expect(await (await fetch(`${api}/readyz`)).json()).toEqual({ status: 'ready' })
    await replay(`http://127.0.0.1:${cc.ports.otlpHttp}`, loadFixture('http-json-delta'))
    const summary = (await (await fetch(`${api}/api/v1/summary?from=2020-01-01&to=2100-01-01`)).json()) as { apiRequests: number }
    expect(summary.apiRequests).toBe(7)
    const code = exited(cc.child)
    cc.child.kill('SIGTERM')
    expect(await code).toBe(0)

    // A second start on the same data: migrations are not applied again, the data is still there.
    const again = await start({ CCSCOPE_DATA_DIR: dataDir })
    expect(again.output()).toMatch(/schema up to date/)
    const after = (await (await fetch(`http://127.0.0.1:${again.ports.api}/api/v1/summary?from=2020-01-01&to=2100-01-01`)).json()) as {
      apiRequests: number
    }
    expect(after.apiRequests).toBe(7)
  })

  it('refuses a bad configuration with a message naming the variable', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
      cwd: ROOT,
      env: { ...process.env, PORT: 'abc', CCSCOPE_DATA_DIR: tempDir() },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    children.push(child)
    let err = ''
    child.stderr?.on('data', (c: Buffer) => (err += c.toString()))
    expect(await exited(child)).toBe(2)
    expect(err).toMatch(/PORT: .*\(got "abc"\)/)
  })

  it('rejects bad summary parameters with a 400 naming them', async () => {
    const cc = await start({ CCSCOPE_DATA_DIR: tempDir() })
    const api = `http://127.0.0.1:${cc.ports.api}`
    for (const [query, parameter] of [
      ['from=yesterday', 'from'],
      ["to=2026-01-01'%20OR%201=1", 'to'],
      ['from=2026-02-01&to=2026-01-01', 'from'],
      ['from=99999-01-01', 'from'],
    ] as const) {
      const res = await fetch(`${api}/api/v1/summary?${query}`)
      expect(res.status, query).toBe(400)
      expect(((await res.json()) as { parameter: string }).parameter).toBe(parameter)
    }
  })

  it('--demo on a fresh directory: data within seconds, the whole history soon after, and a second start reuses it', async () => {
    const dataDir = tempDir()
    const env = { CCSCOPE_DEMO_DATA_DIR: dataDir, CCSCOPE_DEMO_USERS: '20', CCSCOPE_DEMO_DAYS: '5' }
    const cc = await start(env, ['--demo'])
    const ready = performance.now()
    const api = `http://127.0.0.1:${cc.ports.api}`
    const get = async <T>(path: string) => (await (await fetch(`${api}${path}`)).json()) as T
    // Data first: the newest day's cost, while the rest may still load.
    let meta = await get<MetaResponse>('/api/v1/meta')
    const range = () => `from=${new Date(Date.now() - 6 * 86_400_000).toISOString()}&to=${new Date(Date.now() + 3_600_000).toISOString()}`
    await expect.poll(async () => (await get<SummaryResponse>(`/api/v1/summary?${range()}`)).costUsd, { timeout: 10_000, interval: 100 }).toBeGreaterThan(0)
    expect((performance.now() - ready) / 1000).toBeLessThan(10)
    await expect
      .poll(
        async () => {
          meta = await get<MetaResponse>('/api/v1/meta')
          return meta.loading?.state
        },
        { timeout: 100_000, interval: 200 },
      )
      .toBe('complete')
    expect(meta.loading).toMatchObject({ percent: 100, what: "the demo fleet's history" })
    expect(cc.output()).toMatch(/demo: the newest records are in after/)
    expect(cc.output()).toMatch(/demo: history complete/)
    const history = `from=${meta.loading?.from}&to=${meta.loading?.to}`
    const loaded = await get<SummaryResponse>(`/api/v1/summary?${history}`)
    expect(loaded.users).toBeGreaterThan(5)
    const code = exited(cc.child)
    cc.child.kill('SIGTERM')
    expect(await code).toBe(0)

    const again = await start(env, ['--demo'])
    await expect.poll(() => again.output(), { timeout: 10_000 }).toMatch(/demo: reusing the data/)
    const api2 = `http://127.0.0.1:${again.ports.api}`
    expect(((await (await fetch(`${api2}/api/v1/meta`)).json()) as MetaResponse).loading).toBeNull()
    expect(await (await fetch(`${api2}/api/v1/summary?${history}`)).json()).toEqual(loaded)
  }, 150_000)
})
