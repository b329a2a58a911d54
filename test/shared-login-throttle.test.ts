import path from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { hashPassword } from '../dashboard/api/auth/passwords'
import { writeUsersFile } from '../dashboard/api/auth/store'
import { createApi } from '../dashboard/api/server'
import type { HttpService } from '../runtime/http-server'
import { createLogger } from '../runtime/logger'
import { SelfMetrics } from '../runtime/self-metrics'
import { startTestCcscope, tempDir, type TestCcscope } from './helpers/ccscope'

/**
 * Failed sign-ins are counted in the warehouse: behind a load balancer, a guesser spreading attempts over
 * two instances waits after the same 10 failures as against one (before: 10 per instance, 20 in all).
 */
let cc: TestCcscope
let b: HttpService
let bUrl: string
let usersFile: string
const PASSWORD = 'correct horse battery staple'

beforeAll(async () => {
  usersFile = path.join(tempDir('ccscope-users-'), 'users.json')
  writeUsersFile(usersFile, { users: [{ name: 'ada', role: 'admin', teams: [], passwordHash: await hashPassword(PASSWORD) }], tokens: [] })
  cc = await startTestCcscope({ CCSCOPE_USERS_FILE: usersFile })
  b = createApi({
    client: cc.client,
    reloadDirectory: cc.reloadDirectory,
    metrics: new SelfMetrics(),
    log: createLogger('error'),
    auth: { usersFile, proxy: undefined, sessionTtlMs: 3600_000, openMode: 'off' },
  })
  bUrl = `http://127.0.0.1:${(await b.listen({ host: '127.0.0.1', port: 0 })).port}`
}, 60_000)
afterAll(async () => {
  await b?.close()
  await cc?.stop()
})

const login = async (url: string, password: string) =>
  (
    await fetch(`${url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-requested-with': 'test' },
      body: JSON.stringify({ user: 'ada', password }),
    })
  ).status

it('counts failures across instances: the eleventh guess waits, whichever instance it reaches', async () => {
  const statuses: number[] = []
  for (let i = 0; i < 10; i++) statuses.push(await login(i % 2 === 0 ? cc.apiUrl : bUrl, `guess ${i}`))
  expect(statuses).toEqual(Array(10).fill(401))
  // Five failures on each instance: each alone would still let the guesser in for five more.
  expect(await login(cc.apiUrl, 'guess 10')).toBe(429)
  expect(await login(bUrl, 'guess 11')).toBe(429)
  // Even the right password waits: a guesser cannot tell it found it.
  expect(await login(bUrl, PASSWORD)).toBe(429)
})
