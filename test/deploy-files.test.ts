import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { loadConfig } from '../server/config'

/**
 * docker-compose.yml cannot run here (no Docker engine); this checks what can be checked offline:
 * its shape, that every variable it gives ccscope is one ccscope reads and accepts, and the Dockerfile.
 */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

interface Service {
  image?: string
  build?: string
  environment?: Record<string, string>
  volumes?: string[]
  ports?: string[]
  healthcheck?: { test: string[] }
  depends_on?: Record<string, { condition: string }>
}
const compose = parse(fs.readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8')) as {
  services: Record<string, Service>
  volumes: Record<string, unknown>
}

/** Docker Compose interpolation of ${NAME:?msg} and ${NAME:-default}, with the given variables. */
function interpolate(value: string, vars: Record<string, string>): string {
  return value.replace(/\$\{([A-Z_]+)(?::([?-])([^}]*))?\}/g, (_m, name: string, op?: string, arg?: string) => {
    if (vars[name] !== undefined) return vars[name]
    if (op === '-') return arg ?? ''
    throw new Error(`compose requires ${name}: ${arg}`)
  })
}

describe('docker-compose.yml', () => {
  const { clickhouse, ccscope } = compose.services
  it('runs a pinned ClickHouse server with a healthcheck and a data volume', () => {
    expect(clickhouse?.image).toMatch(/^clickhouse\/clickhouse-server:\d+\.\d+/)
    expect(clickhouse?.healthcheck?.test.join(' ')).toContain('/ping')
    expect(clickhouse?.volumes).toContain('clickhouse-data:/var/lib/clickhouse')
    expect(Object.keys(compose.volumes)).toContain('clickhouse-data')
  })

  it('points ccscope at that server, after it is healthy, with a configuration ccscope accepts', () => {
    expect(ccscope?.build).toBe('.')
    expect(ccscope?.depends_on?.clickhouse?.condition).toBe('service_healthy')
    const env = Object.fromEntries(
      Object.entries(ccscope?.environment ?? {}).map(([k, v]) => [k, interpolate(String(v), { CLICKHOUSE_PASSWORD: 'pw', CCSCOPE_INGEST_TOKENS: 't1,t2' })]),
    )
    for (const name of Object.keys(env)) expect(name).toMatch(/^(CCSCOPE_|CLICKHOUSE_|OTLP_|PORT$)/)
    const config = loadConfig(env)
    expect(config.clickhouse).toEqual({ mode: 'server', url: 'http://clickhouse:8123', user: 'ccscope', password: 'pw', database: 'ccscope' })
    expect(config.bindHost).toBe('0.0.0.0')
    expect(config.ingestTokens.map((t) => t.token)).toEqual(['t1', 't2'])
    expect(() => interpolate(String(ccscope?.environment?.CCSCOPE_INGEST_TOKENS), {})).toThrow(/CCSCOPE_INGEST_TOKENS/)
    expect(ccscope?.ports).toEqual(['4317:4317', '4318:4318', '3000:3000'])
  })

  it('builds from a Dockerfile that starts the same entry point as npm start', () => {
    const dockerfile = fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8')
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
    expect(pkg.scripts.start).toContain('server/main.ts')
    expect(dockerfile).toMatch(/^FROM node:20/m)
    expect(dockerfile).toContain('server/main.ts')
    // npm install, not npm ci: the lockfile cannot list other platforms' native packages (see the Dockerfile).
    expect(dockerfile).toMatch(/npm install --omit=optional --omit=dev/)
    expect(dockerfile).not.toMatch(/RUN npm ci/)
    // The dashboard is built in the image, and copied next to the server.
    expect(dockerfile).toContain('scripts/build-dashboard.ts')
    expect(dockerfile).toContain('COPY --from=dashboard /app/dist/dashboard ./dist/dashboard')
  })
})
