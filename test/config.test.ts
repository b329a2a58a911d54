import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../server/config'
import { serverSettings } from '../warehouse/client'

describe('configuration', () => {
  it('has sane defaults: embedded engine under ./data, standard ports, loopback only without tokens', () => {
    const c = loadConfig({})
    expect(c.clickhouse.mode).toBe('embedded')
    expect(c.clickhouse).toMatchObject({ database: 'ccscope' })
    expect(c.dataDir.endsWith('/data')).toBe(true)
    expect(c.ports).toEqual({ otlpHttp: 4318, otlpGrpc: 4317, api: 3000 })
    expect(c.bindHost).toBe('127.0.0.1')
    expect(c.bindReason).toMatch(/no CCSCOPE_INGEST_TOKENS/)
  })

  it('never opens up without a token, even when asked to', () => {
    const c = loadConfig({ CCSCOPE_BIND: '0.0.0.0' })
    expect(c.bindHost).toBe('127.0.0.1')
    expect(c.bindReason).toMatch(/CCSCOPE_BIND=0\.0\.0\.0 ignored/)
  })

  it('binds everywhere with tokens, which are a trimmed comma-separated list', () => {
    const c = loadConfig({ CCSCOPE_INGEST_TOKENS: ' a1 , b2,, ' })
    expect(c.ingestTokens).toEqual([
      { label: '', token: 'a1' },
      { label: '', token: 'b2' },
    ])
    expect(c.bindHost).toBe('0.0.0.0')
    expect(loadConfig({ CCSCOPE_INGEST_TOKENS: 'a', CCSCOPE_BIND: '10.1.2.3' }).bindHost).toBe('10.1.2.3')
  })

  it('reads label:token pairs, and only a plain label counts as one', () => {
    const c = loadConfig({ CCSCOPE_INGEST_TOKENS: 'fleet-eu:s3cret,plain, ci.runner_2:a:b:c, bad label:x' })
    expect(c.ingestTokens).toEqual([
      { label: 'fleet-eu', token: 's3cret' },
      { label: '', token: 'plain' },
      { label: 'ci.runner_2', token: 'a:b:c' },
      { label: '', token: 'bad label:x' },
    ])
  })

  it('privacy is off by default and retention keeps rollups longer than raw rows', () => {
    const c = loadConfig({})
    expect(c.privacy).toEqual({ storeContent: false, pseudonymizeKey: undefined })
    expect(c.retention).toEqual({ rawDays: 400, rollupDays: 1825 })
    expect(loadConfig({ CCSCOPE_STORE_CONTENT: 'true', CCSCOPE_RETENTION_ROLLUP_DAYS: '0' })).toMatchObject({
      privacy: { storeContent: true },
      retention: { rawDays: 400, rollupDays: 0 },
    })
    expect(() => loadConfig({ CCSCOPE_STORE_CONTENT: 'maybe' })).toThrow(/CCSCOPE_STORE_CONTENT: must be true or false/)
    expect(() => loadConfig({ CCSCOPE_PSEUDONYMIZE_KEY: 'short' })).toThrow(/CCSCOPE_PSEUDONYMIZE_KEY: must be at least 16/)
    expect(() => loadConfig({ CCSCOPE_RETENTION_RAW_DAYS: '90', CCSCOPE_RETENTION_ROLLUP_DAYS: '30' })).toThrow(
      /CCSCOPE_RETENTION_ROLLUP_DAYS: must be 0 \(keep forever\) or at least/,
    )
    expect(() => loadConfig({ CCSCOPE_RETENTION_RAW_DAYS: '0', CCSCOPE_RETENTION_ROLLUP_DAYS: '30' })).toThrow(/ROLLUP_DAYS/)
  })

  it('uses a ClickHouse server when CLICKHOUSE_URL is set', () => {
    const c = loadConfig({ CLICKHOUSE_URL: 'http://ch:8123', CLICKHOUSE_USER: 'u', CLICKHOUSE_PASSWORD: 'p', CLICKHOUSE_DATABASE: 'cc' })
    expect(c.clickhouse).toEqual({ mode: 'server', url: 'http://ch:8123', user: 'u', password: 'p', database: 'cc' })
    expect(loadConfig({ CLICKHOUSE_URL: '' }).clickhouse.mode).toBe('embedded')
  })

  it('renders the migrations for a cluster when CLICKHOUSE_CLUSTER names one, on a server only', () => {
    expect(loadConfig({ CLICKHOUSE_URL: 'http://ch:8123', CLICKHOUSE_CLUSTER: 'ccscope' }).clickhouse).toMatchObject({ mode: 'server', cluster: 'ccscope' })
    expect(() => loadConfig({ CLICKHOUSE_CLUSTER: 'ccscope' })).toThrow(/CLICKHOUSE_CLUSTER: needs CLICKHOUSE_URL/)
    expect(() => loadConfig({ CLICKHOUSE_URL: 'http://ch:8123', CLICKHOUSE_CLUSTER: "x' ON" })).toThrow(/CLICKHOUSE_CLUSTER: must be a cluster name/)
    // Every query on a cluster relates rows of one shard: IN subqueries over Distributed tables read it (deny, the default, refuses them).
    const onCluster = loadConfig({ CLICKHOUSE_URL: 'http://ch:8123', CLICKHOUSE_CLUSTER: 'ccscope' }).clickhouse
    const oneServer = loadConfig({ CLICKHOUSE_URL: 'http://ch:8123' }).clickhouse
    if (onCluster.mode !== 'server' || oneServer.mode !== 'server') throw new Error('expected server mode')
    expect(serverSettings(onCluster)).toMatchObject({ distributed_product_mode: 'local' })
    expect(serverSettings(oneServer)).not.toHaveProperty('distributed_product_mode')
  })

  it('names every bad variable and what it got', () => {
    let error: unknown
    try {
      loadConfig({ PORT: 'eighty', OTLP_GRPC_PORT: '70000', CLICKHOUSE_URL: 'not a url', CLICKHOUSE_DATABASE: 'x; DROP', CCSCOPE_LOG_LEVEL: 'loud' })
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(ConfigError)
    const message = (error as ConfigError).message
    for (const name of ['PORT', 'OTLP_GRPC_PORT', 'CLICKHOUSE_URL', 'CLICKHOUSE_DATABASE', 'CCSCOPE_LOG_LEVEL']) {
      expect(message).toContain(`${name}:`)
    }
    expect(message).toContain('(got "eighty")')
  })
})
