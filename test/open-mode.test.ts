import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isLoopbackHost } from '../runtime/host'
import { startTestCcscope, type TestCcscope } from './helpers/ccscope'
import { events, postJson } from './helpers/otlp-factory'

/**
 * Open mode (no ingest token, no dashboard user): ccscope trusts this machine. A web page that rebinds
 * its own name to 127.0.0.1 (DNS rebinding) connects from this machine too, but with its own Host
 * header: it gets neither the API nor the collector.
 */

let cc: TestCcscope

beforeAll(async () => {
  cc = await startTestCcscope()
})

afterAll(async () => {
  await cc?.stop()
})

/** fetch() will not set Host; node:http will. */
async function withHost(url: string, host: string, init: { method?: string; body?: string; headers?: Record<string, string> } = {}) {
  const http = await import('node:http')
  const target = new URL(url)
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = http.request(
      { host: target.hostname, port: target.port, path: target.pathname + target.search, method: init.method ?? 'GET', headers: { host, ...init.headers } },
      (res) => {
        let body = ''
        res.on('data', (chunk: Buffer) => (body += chunk.toString()))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
      },
    )
    req.on('error', reject)
    req.end(init.body)
  })
}

describe('open mode', () => {
  it('knows the Host names of this machine', () => {
    for (const host of ['localhost', 'localhost:3000', '127.0.0.1:4318', '127.0.0.2', '[::1]:3000', 'LOCALHOST']) expect(isLoopbackHost(host), host).toBe(true)
    for (const host of [undefined, '', 'attacker.example', 'attacker.example:3000', '127.0.0.1.attacker.example', 'localhost.evil', '10.0.0.1', '[::2]'])
      expect(isLoopbackHost(host), String(host)).toBe(false)
  })

  it('answers the API to this machine as admin, and refuses a foreign Host', async () => {
    const port = new URL(cc.apiUrl).port
    const local = await withHost(`${cc.apiUrl}/api/v1/auth/me`, `localhost:${port}`)
    expect(local.status).toBe(200)
    expect(JSON.parse(local.body)).toMatchObject({ role: 'admin', via: 'open' })
    expect((await withHost(`${cc.apiUrl}/api/v1/directory`, `attacker.example:${port}`)).status).toBe(401)
    const put = await withHost(`${cc.apiUrl}/api/v1/directory`, `attacker.example:${port}`, {
      method: 'PUT',
      body: 'user,team\nmallory@example.com,web\n',
      headers: { 'content-type': 'text/plain' },
    })
    expect(put.status).toBe(401)
    expect((await withHost(`${cc.apiUrl}/healthz`, `attacker.example:${port}`)).status).toBe(200)
  })

  it('takes telemetry from this machine only, by Host as well as by address', async () => {
    const body = JSON.stringify(
      events({ user: 'open@example.com', session: 'open-1' }, [{ name: 'user_prompt', timeMs: Date.now() - 500, attributes: { prompt_length: 1 } }]),
    )
    const port = new URL(cc.otlpUrl).port
    const foreign = await withHost(`${cc.otlpUrl}/v1/logs`, `attacker.example:${port}`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json' },
    })
    expect(foreign.status).toBe(403)
    expect(foreign.body).toMatch(/from this machine only/)
    expect((await postJson(cc.otlpUrl, '/v1/logs', JSON.parse(body))).status).toBe(200)
  })
})
