import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { startFlags } from '../bench/child'
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
    // The same node flags (a larger young generation: docs/deployment.md), in the image and in the benches that run
    // ccscope in their own process, as npm start gives them.
    const flags = startFlags()
    expect(flags).toContain('--max-semi-space-size=64')
    expect(dockerfile).toContain(`CMD ${JSON.stringify(['node', ...flags, '--import', 'tsx', 'server/main.ts']).replaceAll(',', ', ')}`)
    for (const bench of ['bench:api', 'bench:pages']) expect(pkg.scripts[bench], bench).toMatch(new RegExp(`^node ${flags.join(' ')} --import tsx `))
    // npm install, not npm ci: the lockfile cannot list other platforms' native packages (see the Dockerfile).
    expect(dockerfile).toMatch(/npm install --omit=optional --omit=dev/)
    expect(dockerfile).not.toMatch(/RUN npm ci/)
    // The dashboard is built in the image, and copied next to the server.
    expect(dockerfile).toContain('scripts/build-dashboard.ts')
    expect(dockerfile).toContain('COPY --from=dashboard /app/dist/dashboard ./dist/dashboard')
  })
})

describe('docker-compose.cluster.yml', () => {
  const cluster = parse(fs.readFileSync(path.join(ROOT, 'docker-compose.cluster.yml'), 'utf8'), { merge: true }) as {
    services: Record<string, Service & { environment?: Record<string, string | number> }>
  }
  const services = cluster.services
  const xml = fs.readFileSync(path.join(ROOT, 'deploy/cluster/clickhouse-cluster.xml'), 'utf8')
  const vars = { CLICKHOUSE_PASSWORD: 'pw', CCSCOPE_INGEST_TOKENS: 't1' }

  it('runs 3 Keeper nodes and a 2-shard × 2-replica cluster the servers are configured for, every service health-checked', () => {
    const keepers = Object.keys(services).filter((s) => s.startsWith('keeper-'))
    expect(keepers.map((k) => String(services[k]?.environment?.KEEPER_ID))).toEqual(['1', '2', '3'])
    const keeperXml = fs.readFileSync(path.join(ROOT, 'deploy/cluster/keeper.xml'), 'utf8')
    for (const k of keepers) expect(keeperXml).toContain(`<hostname>${k}</hostname>`)
    const nodes = Object.entries(services).filter(([, s]) => s.image?.startsWith('clickhouse/clickhouse-server:'))
    const layout = nodes.map(([name, s]) => `${name}=${s.environment?.CH_SHARD}/${s.environment?.CH_REPLICA}`)
    expect(layout).toEqual(['ch-s1r1=01/ch-s1r1', 'ch-s1r2=01/ch-s1r2', 'ch-s2r1=02/ch-s2r1', 'ch-s2r2=02/ch-s2r2'])
    // remote_servers lists exactly these nodes, two per shard, and every node mounts that file and its own volume.
    const shards = [...xml.matchAll(/<shard>([\s\S]*?)<\/shard>/g)].map((m) => [...(m[1] ?? '').matchAll(/<host>([\w-]+)<\/host>/g)].map((h) => h[1]))
    expect(shards).toEqual([
      ['ch-s1r1', 'ch-s1r2'],
      ['ch-s2r1', 'ch-s2r2'],
    ])
    for (const [name, s] of nodes) {
      expect(s.volumes).toContain('./deploy/cluster/clickhouse-cluster.xml:/etc/clickhouse-server/config.d/cluster.xml:ro')
      expect(s.volumes).toContain(`${name}:/var/lib/clickhouse`)
    }
    for (const [name, s] of Object.entries(services)) expect(s.healthcheck?.test.join(' '), name).toMatch(/ready|ping|readyz/)
  })

  it('points two ccscope instances at different shards with the cluster name the servers know, behind one load balancer', () => {
    const name = /<remote_servers>\s*<(\w+)>/.exec(xml)?.[1]
    expect(name).toBe('ccscope')
    const instances = ['ccscope-1', 'ccscope-2'].map((n) => {
      const env = Object.fromEntries(Object.entries(services[n]?.environment ?? {}).map(([k, v]) => [k, interpolate(String(v), vars)]))
      return loadConfig(env).clickhouse
    })
    expect(instances).toEqual([
      { mode: 'server', url: 'http://ch-s1r1:8123', user: 'ccscope', password: 'pw', database: 'ccscope', cluster: name },
      { mode: 'server', url: 'http://ch-s2r1:8123', user: 'ccscope', password: 'pw', database: 'ccscope', cluster: name },
    ])
    expect(services.lb?.ports).toEqual(['4317:4317', '4318:4318', '3000:3000'])
    const nginx = fs.readFileSync(path.join(ROOT, 'deploy/cluster/nginx.conf'), 'utf8')
    for (const port of ['3000', '4318', '4317']) expect(nginx).toContain(`server ccscope-1:${port}; server ccscope-2:${port};`)
    // Only the load balancer is published.
    for (const [n, s] of Object.entries(services)) if (n !== 'lb') expect(s.ports, n).toBeUndefined()
  })
})
