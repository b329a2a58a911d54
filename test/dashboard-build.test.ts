import fs from 'node:fs'
import path from 'node:path'
import { expect, it } from 'vitest'

/**
 * The dashboard test/global-setup.ts built under vitest (NODE_ENV=test) is the one `npm start` then serves
 * when the sources have not changed: it must be React's production build, not the development one
 * (jsxDEV, createTask: about four times the CPU per render, seconds per page on a fleet's data).
 */
it("bundles React's production build whatever NODE_ENV the build ran under", () => {
  expect(process.env.NODE_ENV).toBe('test')
  const assets = path.resolve(import.meta.dirname, '..', 'dist', 'dashboard', 'assets')
  const scripts = fs.readdirSync(assets).filter((f) => f.endsWith('.js'))
  expect(scripts.length).toBeGreaterThan(0)
  for (const file of scripts) {
    const code = fs.readFileSync(path.join(assets, file), 'utf8')
    expect(code.includes('jsxDEV'), `${file} holds React's development build`).toBe(false)
  }
})
