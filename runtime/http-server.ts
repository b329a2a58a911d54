import http from 'node:http'
import type { AddressInfo } from 'node:net'
import type { SelfMetrics } from './self-metrics'
import { ConnectionGuard, type ConnectionLimits } from './connections'
import { httpTimeoutOptions, type Timeouts } from './timeouts'

/**
 * One listening HTTP port (the OTLP/HTTP receiver, the API): a Node HTTP server running an express
 * app, with the port's timeouts and connection limits applied before anything is parsed, and a close
 * that finishes the requests in flight. While it closes, `closing` is true: the app answers new requests
 * on kept-alive connections 503 with `Connection: close` (each app in its own format).
 */
export interface HttpService {
  readonly server: http.Server
  readonly closing: boolean
  listen(options: { host: string; port: number; backlog?: number }): Promise<AddressInfo>
  close(): Promise<void>
}

export interface HttpServiceOptions {
  timeouts: Timeouts
  /** Connections at once, in total and per client address; none = unbounded. */
  connections?: { port: string; limits: ConnectionLimits; metrics?: SelfMetrics }
}

export function createHttpService(handler: http.RequestListener, options: HttpServiceOptions): HttpService {
  const server = http.createServer(httpTimeoutOptions(options.timeouts), handler)
  // A connection with nothing sent either way for this long is destroyed (a stalled reader, an idle socket).
  server.setTimeout(options.timeouts.idleMs)
  if (options.connections) new ConnectionGuard(options.connections.port, options.connections.limits, options.connections.metrics).guard(server)
  let closing = false
  let closed: Promise<void> | undefined
  // A kept-alive connection whose response was in flight when closing began is closed once it is sent.
  server.on('request', (_request: http.IncomingMessage, response: http.ServerResponse) => {
    response.once('finish', () => {
      if (closing) setImmediate(() => server.closeIdleConnections())
    })
  })
  return {
    server,
    get closing() {
      return closing
    },
    listen({ host, port, backlog = 511 }) {
      return new Promise((resolve, reject) => {
        server.once('error', reject)
        server.listen({ host, port, backlog }, () => {
          server.off('error', reject)
          resolve(server.address() as AddressInfo)
        })
      })
    },
    close() {
      closed ??= new Promise<void>((resolve) => {
        closing = true
        if (!server.listening) return resolve()
        // Stops accepting, closes idle kept-alive connections now and the others once their response is sent.
        server.close(() => resolve())
        server.closeIdleConnections()
      })
      return closed
    },
  }
}
