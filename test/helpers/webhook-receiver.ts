import http from 'node:http'
import type { AddressInfo } from 'node:net'

export interface WebhookReceiver {
  /** http://127.0.0.1:<port> */
  base: string
  /** Every request received, in order, whatever it was answered. */
  received: { path: string; body: string }[]
  close(): Promise<void>
}

/** A local webhook endpoint that records each request and answers it with `status(path)` (204 by default). */
export async function startWebhookReceiver(status: (path: string) => number = () => 204): Promise<WebhookReceiver> {
  const received: WebhookReceiver['received'] = []
  const server = http.createServer((request, response) => {
    let body = ''
    request.on('data', (c: Buffer) => (body += c.toString()))
    request.on('end', () => {
      const path = request.url ?? ''
      received.push({ path, body })
      response.statusCode = status(path)
      response.end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
