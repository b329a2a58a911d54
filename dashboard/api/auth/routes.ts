import { z } from 'zod'
import type { ApiError } from '../../../schemas/api'
import { loginBodySchema, meResponseSchema } from '../../../schemas/auth'
import type { RouteSpec } from '../routes'
import { plainAddress } from './addresses'
import type { Authenticator } from './authenticate'
import { FailureLimiter, VerificationGate } from './limiter'
import { DUMMY_HASH, verifyPassword } from './passwords'
import { meOf, principalOf, type ApiApp } from './plugin'
import { readCookie, SESSION_COOKIE, sessionCookie } from './sessions'

/** Sign-in for the dashboard: POST login (sets the session cookie), POST logout, GET me. */
export function registerAuthRoutes(app: ApiApp, auth: Authenticator, routes: RouteSpec[]): void {
  const limiter = new FailureLimiter()
  // Per address whatever the user name, so that guessing across names (or at names that do not exist) is bounded too.
  const addressLimiter = new FailureLimiter(50)
  const gate = new VerificationGate()
  const maxAge = Math.floor(auth.sessions.ttlMs / 1000)

  routes.push({
    method: 'post',
    path: '/api/v1/auth/login',
    summary: 'Sign in (dashboard): sets an HttpOnly session cookie',
    description: `Send the header X-Requested-With. After 10 failed attempts at one user from one address within 15 minutes, attempts are refused (429) until the window ends.`,
    tags: ['auth'],
    body: { 'application/json': loginBodySchema },
    response: { schema: meResponseSchema, description: 'Signed in' },
  })
  app.post('/api/v1/auth/login', async (request, reply) => {
    const parsed = loginBodySchema.safeParse(request.body)
    if (!parsed.success) {
      const issue = parsed.error.issues[0]
      const body: ApiError = { error: 'invalid_body', message: `${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'}` }
      return reply.code(400).send(body)
    }
    // Failures count per address and user name (behind one proxy every user shares an address), and per address.
    const address = plainAddress(request.socket.remoteAddress)
    const key = `${address} ${parsed.data.user}`
    const wait = Math.max(limiter.retryAfter(key), addressLimiter.retryAfter(address))
    if (wait > 0) {
      const body: ApiError = { error: 'too_many_attempts', message: `too many failed sign-ins from this address; try again in ${Math.ceil(wait / 60)} minute(s)` }
      return reply.code(429).header('retry-after', String(wait)).send(body)
    }
    // The attempt counts as a failure before the password is checked, so parallel guesses cannot all pass
    // the check above while the first is still being verified; a success clears it.
    limiter.fail(key)
    addressLimiter.fail(address)
    const user = auth.users.user(parsed.data.user)
    // Unknown users are checked against a dummy hash, so they take as long as known ones.
    const valid = await gate.run(async () => verifyPassword(parsed.data.password, user?.passwordHash ?? (await DUMMY_HASH)))
    if (valid === undefined) {
      const body: ApiError = { error: 'too_many_attempts', message: 'too many sign-ins at once; try again in a few seconds' }
      return reply.code(429).header('retry-after', '5').send(body)
    }
    if (!user?.passwordHash || !valid) {
      const body: ApiError = { error: 'invalid_credentials', message: 'wrong user name or password' }
      return reply.code(401).send(body)
    }
    limiter.succeed(key)
    addressLimiter.release(address)
    const secure = request.protocol === 'https' || (auth.fromTrustedProxy(request) && request.headers['x-forwarded-proto'] === 'https')
    reply.header('set-cookie', sessionCookie(auth.sessions.create(user.name, user.passwordHash), maxAge, secure)).header('cache-control', 'no-store')
    return meOf({ name: user.name, role: user.role, teams: user.teams, via: 'session' })
  })

  routes.push({
    method: 'post',
    path: '/api/v1/auth/logout',
    summary: 'Sign out: ends the session and clears its cookie',
    tags: ['auth'],
    response: { schema: z.object({ signedOut: z.boolean() }), description: 'Signed out' },
  })
  app.post('/api/v1/auth/logout', async (request, reply) => {
    const id = readCookie(request.headers.cookie, SESSION_COOKIE)
    if (id) auth.sessions.delete(id)
    reply.header('set-cookie', sessionCookie('', 0, false)).header('cache-control', 'no-store')
    return { signedOut: id !== undefined }
  })

  routes.push({
    method: 'get',
    path: '/api/v1/auth/me',
    summary: 'Who the request acts for: user, role, teams',
    tags: ['auth'],
    response: { schema: meResponseSchema, description: 'The signed-in user' },
  })
  app.get('/api/v1/auth/me', async (request, reply) => {
    reply.header('cache-control', 'no-store')
    return meOf(principalOf(request))
  })
}
