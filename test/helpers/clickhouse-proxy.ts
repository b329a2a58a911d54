import crypto from 'node:crypto'
import http from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import type { Readable } from 'node:stream'
import { createChdbConnection } from 'chdb/connection'

/**
 * A ClickHouse server, as far as @clickhouse/client can tell: the HTTP interface (POST with the
 * statement in the body, or in the `query` URL parameter with INSERT data in the body; `database`,
 * `query_id`, `param_<name>` query parameters and every other URL parameter as a setting; GET /ping),
 * answered by the real embedded engine (chDB) of this process. No Docker, no ClickHouse server here:
 * this is how a test exercises ccscope's server mode against a real engine, and breaks the "server".
 *
 * Modes: `up` forwards every request; `down` closes the listener and every open connection
 * (connection refused); `hang` accepts requests and never answers (a stalled server: the client's
 * request_timeout ends them); `error` answers 500 with a ClickHouse exception, as an overloaded or
 * read-only server does. Returning to `up` listens again on the same port.
 */

export type ProxyMode = 'up' | 'down' | 'hang' | 'error'

/** URL parameters that are not settings (clickhouse-js's own, and the HTTP interface's). */
const NOT_SETTINGS = new Set(['query', 'database', 'query_id', 'session_id', 'role', 'user', 'password'])
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/

export interface ClickHouseProxy {
  url: string
  mode: ProxyMode
  /** Requests answered (forwarded) since start, and requests that arrived in a non-`up` mode. */
  counts: { forwarded: number; refusedOrFailed: number }
  /** Every INSERT forwarded: its table and the settings it was sent with. */
  inserts: { table: string; settings: Record<string, string> }[]
  setMode(mode: ProxyMode): Promise<void>
  close(): Promise<void>
}

export async function startClickHouseProxy(dataPath: string): Promise<ClickHouseProxy> {
  const engine = createChdbConnection({ path: dataPath })
  let currentDatabase = ''
  // One statement at a time: chDB has one session, and USE / SET are session-wide.
  let queue: Promise<unknown> = Promise.resolve()
  const serial = <T>(work: () => Promise<T>): Promise<T> => {
    const next = queue.then(work, work)
    queue = next.catch(() => undefined)
    return next
  }

  let mode: ProxyMode = 'up'
  const counts = { forwarded: 0, refusedOrFailed: 0 }
  const inserts: ClickHouseProxy['inserts'] = []
  const sockets = new Set<Socket>()
  const hanging = new Set<http.ServerResponse>()

  async function forward(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://proxy')
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const body = Buffer.concat(chunks).toString('utf8')
    if (url.pathname === '/ping') {
      res.end('Ok.\n')
      return
    }
    const queryParams: Record<string, string> = {}
    const settings: Record<string, string> = {}
    for (const [key, value] of url.searchParams) {
      if (key.startsWith('param_')) queryParams[key.slice('param_'.length)] = value
      else if (!NOT_SETTINGS.has(key)) settings[key] = value
    }
    const urlQuery = url.searchParams.get('query')
    // The HTTP interface: the URL's query, then the body (the INSERT's data, or the whole statement).
    const sql = urlQuery === null ? body : `${urlQuery}\n${body}`
    const insert = /^\s*INSERT\s+INTO\s+([\w.`"]+)/i.exec(sql)
    if (insert?.[1]) inserts.push({ table: insert[1].replace(/[`"]/g, ''), settings })
    const database = url.searchParams.get('database') ?? ''
    try {
      const output = await serial(async () => {
        if (database !== '' && database !== currentDatabase) {
          if (!IDENTIFIER.test(database)) throw new Error(`bad database name ${database}`)
          await engine.command({ query: `USE ${database}`, query_id: crypto.randomUUID() })
          currentDatabase = database
        }
        const result = await engine.exec({
          query: sql,
          query_id: url.searchParams.get('query_id') ?? crypto.randomUUID(),
          query_params: queryParams,
          clickhouse_settings: settings,
        })
        const parts: Buffer[] = []
        for await (const chunk of result.stream as Readable) parts.push(chunk as Buffer)
        return Buffer.concat(parts)
      })
      counts.forwarded++
      res.writeHead(200, { 'content-type': 'text/plain; charset=UTF-8', 'x-clickhouse-summary': '{"read_rows":"0","written_rows":"0"}' })
      res.end(output)
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error)
      res.writeHead(500, { 'content-type': 'text/plain; charset=UTF-8', 'x-clickhouse-exception-code': '1001' })
      res.end(message.startsWith('Code:') ? message : `Code: 1001. DB::Exception: ${message}. (STD_EXCEPTION)\n`)
    }
  }

  // Query strings carry the duplicate check's ids (thousands of UUIDs): a server allows 1 MB URLs.
  const server = http.createServer({ maxHeaderSize: 4 * 1024 * 1024 }, (req, res) => {
    if (mode === 'hang') {
      counts.refusedOrFailed++
      hanging.add(res)
      req.resume()
      return
    }
    if (mode === 'error') {
      counts.refusedOrFailed++
      req.resume()
      res.writeHead(500, { 'content-type': 'text/plain; charset=UTF-8', 'x-clickhouse-exception-code': '241' })
      res.end('Code: 241. DB::Exception: Memory limit (total) exceeded: would use 9.31 GiB. (MEMORY_LIMIT_EXCEEDED)\n')
      return
    }
    forward(req, res).catch((error: unknown) => res.destroy(error as Error))
  })
  server.on('connection', (socket: Socket) => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port

  const listening = () => server.listening
  async function stopListening(): Promise<void> {
    if (!listening()) return
    const closed = new Promise<void>((resolve) => server.close(() => resolve()))
    for (const socket of sockets) socket.destroy()
    await closed
  }

  return {
    url: `http://127.0.0.1:${port}`,
    get mode() {
      return mode
    },
    counts,
    inserts,
    async setMode(next) {
      for (const res of hanging) res.destroy()
      hanging.clear()
      if (next === 'down') {
        mode = next
        await stopListening()
        return
      }
      if (!listening()) {
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject)
          server.listen(port, '127.0.0.1', () => {
            server.off('error', reject)
            resolve()
          })
        })
      }
      mode = next
    },
    async close() {
      for (const res of hanging) res.destroy()
      await stopListening()
      await serial(() => engine.close())
    },
  }
}
