import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../server/config'

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
    expect(c.ingestTokens).toEqual(['a1', 'b2'])
    expect(c.bindHost).toBe('0.0.0.0')
    expect(loadConfig({ CCSCOPE_INGEST_TOKENS: 'a', CCSCOPE_BIND: '10.1.2.3' }).bindHost).toBe('10.1.2.3')
  })

  it('uses a ClickHouse server when CLICKHOUSE_URL is set', () => {
    const c = loadConfig({ CLICKHOUSE_URL: 'http://ch:8123', CLICKHOUSE_USER: 'u', CLICKHOUSE_PASSWORD: 'p', CLICKHOUSE_DATABASE: 'cc' })
    expect(c.clickhouse).toEqual({ mode: 'server', url: 'http://ch:8123', user: 'u', password: 'p', database: 'cc' })
    expect(loadConfig({ CLICKHOUSE_URL: '' }).clickhouse.mode).toBe('embedded')
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
