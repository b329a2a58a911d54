import { z } from 'zod'
import type { ApiError } from '../../../schemas/api'
import { loginBodySchema, meResponseSchema } from '../../../schemas/auth'
import { plainAddress } from './addresses'
import type { Authenticator } from './authenticate'
import type { SharedAttempts } from './attempts'
import { BackoffLimiter, backoffSeconds, KnownPairs, VerificationGate } from './limiter'
import { DUMMY_HASH, verifyPassword } from './passwords'
import type { RequestHandler } from 'express'
import { type ApiRouter, type Handler, invalidBody } from '../router'
import { meOf, principalOf } from './access'
import { readCookie, SESSION_COOKIE, sessionCookie } from './sessions'

/** Sign-in for the dashboard: POST login (sets the session cookie), POST logout, GET me. */
/**
 * `shared`: the attempts of every instance on the warehouse (attempts.ts). Each instance also keeps its
 * own count, which sees its parallel guesses at once; the longer of the two waits applies.
 */
export function registerAuthRoutes(router: ApiRouter, auth: Authenticator, json: RequestHandler, shared?: SharedAttempts): void {
  // Failed sign-ins are limited three ways, each with a doubling wait past its free failures (limiter.ts):
  // - per address and account: 10 free;
  // - per account, whatever the address (guesses from many addresses): 50 free;
  // - per address, whatever the name (guessing across names, or at names that do not exist): 50 free.
  // The last two do not apply to an (address, account) pair that signed in successfully in the last 30
  // days: behind one proxy everyone shares its address, and a guesser there must not lock them all out.
  const backoff = { baseMs: 30_000, maxMs: 15 * 60_000, forgetMs: 60 * 60_000 }
  const PAIR = { free: 10, ...backoff }
  const WIDE = { free: 50, ...backoff }
  const pairLimiter = new BackoffLimiter(PAIR)
  const accountLimiter = new BackoffLimiter(WIDE)
  const addressLimiter = new BackoffLimiter(WIDE)
  const known = new KnownPairs()
  const gate = new VerificationGate()
  const maxAge = Math.floor(auth.sessions.ttlMs / 1000)

  const loginSpec = {
    summary: 'Sign in (dashboard): sets an HttpOnly session cookie',
    description: `Send the header X-Requested-With. After 10 failed attempts at one user from one address (or 50 at one user from anywhere, or 50 from one address at any names, for a user who has not signed in from that address lately), attempts are refused (429 + Retry-After) for 30 s, doubling with each further failure up to 15 minutes.`,
    tags: ['auth'],
    body: { 'application/json': loginBodySchema },
    response: { schema: meResponseSchema, description: 'Signed in' },
  }
  const login: Handler = async (request, response) => {
    const parsed = loginBodySchema.safeParse(request.body)
    if (!parsed.success) return invalidBody(response, parsed.error)
    const address = plainAddress(request.socket.remoteAddress)
    const account = parsed.data.user
    const key = `${address} ${account}`
    const now = Date.now()
    const tally = await shared?.tally(address, account, now)
    const trusted = known.has(key) || tally?.known === true
    const local = Math.max(pairLimiter.retryAfter(key), trusted ? 0 : Math.max(accountLimiter.retryAfter(account), addressLimiter.retryAfter(address)))
    const everywhere = tally
      ? Math.max(
          backoffSeconds(PAIR, tally.pair.count, tally.pair.last, now),
          trusted
            ? 0
            : Math.max(backoffSeconds(WIDE, tally.account.count, tally.account.last, now), backoffSeconds(WIDE, tally.address.count, tally.address.last, now)),
        )
      : 0
    const wait = Math.max(local, everywhere)
    if (wait > 0) {
      const body: ApiError = {
        error: 'too_many_attempts',
        message: `too many failed sign-ins; try again in ${wait < 60 ? `${wait} s` : `${Math.ceil(wait / 60)} minute(s)`}`,
      }
      return response.status(429).setHeader('retry-after', String(wait)).json(body)
    }
    // The attempt counts as a failure before the password is checked, so parallel guesses cannot all pass
    // the check above while the first is still being verified; a success clears it.
    pairLimiter.fail(key)
    accountLimiter.fail(account)
    addressLimiter.fail(address)
    await shared?.record('attempt', address, account, now)
    const user = auth.users.user(parsed.data.user)
    // Unknown users are checked against a dummy hash, so they take as long as known ones.
    const valid = await gate.run(async () => verifyPassword(parsed.data.password, user?.passwordHash ?? (await DUMMY_HASH)))
    if (valid === undefined) {
      const body: ApiError = { error: 'too_many_attempts', message: 'too many sign-ins at once; try again in a few seconds' }
      return response.status(429).setHeader('retry-after', '5').json(body)
    }
    if (!user?.passwordHash || !valid) {
      const body: ApiError = { error: 'invalid_credentials', message: 'wrong user name or password' }
      return response.status(401).json(body)
    }
    pairLimiter.succeed(key)
    accountLimiter.release(account)
    addressLimiter.release(address)
    known.add(key)
    await shared?.record('success', address, account)
    const secure = request.protocol === 'https' || (auth.fromTrustedProxy(request) && request.headers['x-forwarded-proto'] === 'https')
    response.setHeader('set-cookie', sessionCookie(await auth.sessions.create(user.name, user.passwordHash), maxAge, secure))
    return meOf({ name: user.name, role: user.role, teams: user.teams, via: 'session' })
  }
  router.add('post', '/api/v1/auth/login', login, { spec: loginSpec, body: [json] })

  const logout: Handler = async (request, response) => {
    const id = readCookie(request.headers.cookie, SESSION_COOKIE)
    if (id) await auth.sessions.delete(id)
    response.setHeader('set-cookie', sessionCookie('', 0, false))
    return { signedOut: id !== undefined }
  }
  router.add('post', '/api/v1/auth/logout', logout, {
    spec: {
      summary: 'Sign out: ends the session and clears its cookie',
      tags: ['auth'],
      response: { schema: z.object({ signedOut: z.boolean() }), description: 'Signed out' },
    },
  })

  router.add('get', '/api/v1/auth/me', (_request, response) => meOf(principalOf(response)), {
    spec: {
      summary: 'Who the request acts for: user, role, teams',
      tags: ['auth'],
      response: { schema: meResponseSchema, description: 'The signed-in user' },
    },
  })
}
