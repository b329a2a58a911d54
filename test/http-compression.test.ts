import fs from 'node:fs'
import http from 'node:http'
import path from 'node:path'
import zlib from 'node:zlib'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { startTestCcscope, type TestCcscope } from './helpers/ccscope'
import { defined } from './helpers/defined'
import { generateFleet, sendFleet } from './helpers/fleet'

/**
 * What goes over a user's network compressed. The built dashboard's assets, as the build left them
 * (scripts/build-dashboard.ts precompress): brotli to a browser that takes it, else gzip, else the file
 * itself; always with Vary: Accept-Encoding and the immutable cache header, and always decoding to the
 * file's exact bytes. And the API's answers from 4 KiB up, a streamed CSV export included, compressed as
 * they go (dashboard/api/server.ts), decoding to exactly what an uncompressed request gets.
 */
const dist = path.resolve('dist/dashboard')
let cc: TestCcscope

beforeAll(async () => {
  cc = await startTestCcscope()
  const today = new Date()
  await sendFleet(
    cc.otlpUrl,
    generateFleet({ seed: 5, users: 12, days: 20, start: new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() - 20)) }),
  )
}, 60_000)
afterAll(async () => {
  await cc?.stop()
})

/** A GET with exactly the given Accept-Encoding (fetch would add and undo its own), the body left as sent. */
function get(url: string, acceptEncoding: string | undefined): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { headers: acceptEncoding === undefined ? {} : { 'accept-encoding': acceptEncoding } }, (response) => {
      const chunks: Buffer[] = []
      response.on('data', (c: Buffer) => chunks.push(c))
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }))
      response.on('error', reject)
    })
    request.on('error', reject)
  })
}

/** The largest script the build made: the charting library's chunk. */
function largestScript(): { name: string; bytes: Buffer } {
  const assets = path.join(dist, 'assets')
  const name = defined(
    fs
      .readdirSync(assets)
      .filter((f) => f.endsWith('.js'))
      .sort((a, b) => fs.statSync(path.join(assets, b)).size - fs.statSync(path.join(assets, a)).size)[0],
  )
  return { name, bytes: fs.readFileSync(path.join(assets, name)) }
}

it('sends brotli to a browser that accepts it, gzip to one that takes only gzip, and the file as it is otherwise', async () => {
  const { name, bytes } = largestScript()
  const url = `${cc.apiUrl}/assets/${name}`

  const br = await get(url, 'gzip, deflate, br, zstd')
  expect(br.status).toBe(200)
  expect(br.headers['content-encoding']).toBe('br')
  expect(br.headers.vary).toMatch(/accept-encoding/i)
  expect(br.headers['content-type']).toMatch(/javascript/)
  expect(br.headers['cache-control']).toBe('public, max-age=31536000, immutable')
  expect(zlib.brotliDecompressSync(br.body).equals(bytes)).toBe(true)
  // What a user's network carries: well under half the file.
  expect(br.body.length).toBeLessThan(bytes.length / 2)

  const gz = await get(url, 'gzip')
  expect(gz.headers['content-encoding']).toBe('gzip')
  expect(zlib.gunzipSync(gz.body).equals(bytes)).toBe(true)

  for (const plain of [await get(url, undefined), await get(url, 'identity')]) {
    expect(plain.status).toBe(200)
    expect(plain.headers['content-encoding']).toBeUndefined()
    expect(plain.body.equals(bytes)).toBe(true)
  }
})

it('answers the dashboard page itself (small, revalidated) and an unknown asset as before', async () => {
  const page = await get(`${cc.apiUrl}/cost`, 'gzip, br')
  expect(page.status).toBe(200)
  expect(page.headers['cache-control']).toBe('no-cache')
  expect(page.body.toString('utf8')).toContain('<div id="root">')

  const missing = await get(`${cc.apiUrl}/assets/no-such-chunk.js`, 'br')
  expect(missing.headers['content-encoding']).toBeUndefined()
})

/** The body as sent, decoded by what its Content-Encoding says. */
function decoded(answer: { headers: http.IncomingHttpHeaders; body: Buffer }): Buffer {
  const encoding = answer.headers['content-encoding']
  if (encoding === 'br') return zlib.brotliDecompressSync(answer.body)
  if (encoding === 'gzip') return zlib.gunzipSync(answer.body)
  expect(encoding).toBeUndefined()
  return answer.body
}

it('compresses API answers from 4 KiB up, a streamed CSV export too, and each decodes to the uncompressed answer', async () => {
  const q = 'from=2000-01-01&to=2100-01-01&tz=UTC'
  for (const [what, url] of [
    ['the OpenAPI document', `${cc.apiUrl}/api/openapi.json`],
    ['cost by user per day, JSON', `${cc.apiUrl}/api/v1/cost?${q}&groupBy=user&granularity=day`],
    ['cost by user per day, CSV', `${cc.apiUrl}/api/v1/cost/export.csv?${q}&groupBy=user&granularity=day`],
  ] as const) {
    const plain = await get(url, undefined)
    expect(plain.status, what).toBe(200)
    expect(plain.headers['content-encoding'], what).toBeUndefined()
    expect(plain.body.length, what).toBeGreaterThan(4096)
    for (const accept of ['gzip, deflate, br', 'gzip']) {
      const packed = await get(url, accept)
      expect(packed.status, what).toBe(200)
      expect(packed.headers['content-encoding'], `${what}, ${accept}`).toBe(accept === 'gzip' ? 'gzip' : 'br')
      expect(packed.headers.vary, what).toMatch(/accept-encoding/i)
      expect(packed.headers['cache-control'], what).toBe('no-store')
      expect(packed.body.length, what).toBeLessThan(plain.body.length / 2)
      expect(decoded(packed).toString('utf8'), what).toBe(plain.body.toString('utf8'))
    }
  }
  // A small answer goes as it is.
  const meta = await get(`${cc.apiUrl}/api/v1/meta`, 'br')
  expect(meta.status).toBe(200)
  expect(meta.body.length).toBeLessThan(4096)
  expect(meta.headers['content-encoding']).toBeUndefined()
})
