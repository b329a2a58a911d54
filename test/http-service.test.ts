import http from 'node:http'
import express from 'express'
import { describe, expect, it } from 'vitest'
import { createHttpService } from '../runtime/http-server'

/** One GET over a kept-alive agent: status, Connection header and body. */
function get(port: number, path: string, agent: http.Agent): Promise<{ status: number; connection: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path, agent }, (res) => {
        let body = ''
        res.on('data', (chunk) => (body += chunk))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, body }))
      })
      .on('error', reject)
  })
}

describe('the HTTP service every port runs on', () => {
  it('finishes the request in flight when closing, accepts no new connection meanwhile, then stops', async () => {
    const app = express()
    let release: () => void = () => {}
    const held = new Promise<void>((resolve) => (release = resolve))
    let arrived: () => void = () => {}
    const inFlight = new Promise<void>((resolve) => (arrived = resolve))
    const service = createHttpService(app, { timeouts: { headersMs: 5000, requestMs: 5000, idleMs: 5000 } })
    app.get('/slow', async (_request, response) => {
      arrived()
      await held
      response.send('done')
    })
    app.get('/fast', (_request, response) => void response.send('fast'))
    const { port } = await service.listen({ host: '127.0.0.1', port: 0 })
    const agent = new http.Agent({ keepAlive: true, maxSockets: 2 })
    expect((await get(port, '/fast', agent)).body).toBe('fast')

    const slow = get(port, '/slow', agent)
    // The close starts once the slow request is in flight (its handler runs).
    await inFlight
    let closed = false
    const closing = service.close().then(() => (closed = true))
    // No new connection is accepted, and the close waits for the response in flight.
    await expect(get(port, '/fast', new http.Agent())).rejects.toThrow(/ECONNREFUSED/)
    expect(service.closing).toBe(true)
    expect(closed).toBe(false)
    release()
    expect((await slow).body).toBe('done')
    await closing
    expect(closed).toBe(true)
    expect(service.server.listening).toBe(false)
    agent.destroy()
  })

  it('cuts a client that sends its headers too slowly', async () => {
    const service = createHttpService(express(), { timeouts: { headersMs: 300, requestMs: 300, idleMs: 5000 } })
    const { port } = await service.listen({ host: '127.0.0.1', port: 0 })
    const net = await import('node:net')
    const socket = net.connect(port, '127.0.0.1')
    socket.write('GET / HTTP/1.1\r\nHost: x\r\n')
    const started = Date.now()
    const answer = await new Promise<string>((resolve) => {
      let text = ''
      socket.on('data', (chunk) => (text += chunk))
      socket.on('close', () => resolve(text))
    })
    expect(answer).toMatch(/^HTTP\/1\.1 408/)
    expect(Date.now() - started).toBeLessThan(2000)
    await service.close()
  })
})
