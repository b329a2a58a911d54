import fs from 'node:fs'
import http from 'node:http'
import path from 'node:path'
import zlib from 'node:zlib'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { startTestCcscope, type TestCcscope } from './helpers/ccscope'
import { defined } from './helpers/defined'

/**
 * The built dashboard's assets go out compressed as the build left them (scripts/build-dashboard.ts
 * precompress): brotli to a browser that takes it, else gzip, else the file itself; always with
 * Vary: Accept-Encoding and the immutable cache header, and always decoding to the file's exact bytes.
 */
const dist = path.resolve('dist/dashboard')
let cc: TestCcscope

beforeAll(async () => {
  cc = await startTestCcscope()
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
