import fs from 'node:fs'
import path from 'node:path'
import { expect, it } from 'vitest'

/**
 * The dashboard's entry chunk (main.tsx, built by test/global-setup.ts) starts the first load's requests
 * (early.ts) as soon as it has been evaluated, before React, zod or the charts: those load beside the
 * requests, in their own chunks. An import that pulls one of them into the entry delays every page's first
 * requests by its evaluation (zod and the schemas: ~80 ms of a cold load on two cores; the entry was 140 kB).
 */
const dist = path.resolve('dist/dashboard')

it('keeps zod, React and the charts out of the entry chunk', () => {
  const html = fs.readFileSync(path.join(dist, 'index.html'), 'utf8')
  const entry = /<script type="module"[^>]*src="\/assets\/([^"]+\.js)"/.exec(html)?.[1]
  expect(entry).toBeDefined()
  const code = fs.readFileSync(path.join(dist, 'assets', entry ?? ''), 'utf8')
  // zod's internals, React's element tag, recharts' own name: each present in its chunk, none here.
  const found = { zod: code.includes('_zod'), react: code.includes('react.transitional.element'), recharts: code.toLowerCase().includes('recharts') }
  expect(found).toEqual({ zod: false, react: false, recharts: false })
  expect(code.length).toBeLessThan(64 * 1024)
})
