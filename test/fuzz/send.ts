import http from 'node:http'
import * as grpc from '@grpc/grpc-js'
import type { Signal } from '../../schemas/otlp'
import { grpcServices } from '../../collector/otlp/proto'
import type { FuzzCase } from './cases'

/** What came back for a case: an HTTP status or a gRPC code, the body, or a hang / transport error. */
export type Answer =
  | { kind: 'http'; status: number; contentType: string; body: Buffer }
  | { kind: 'grpc'; code: grpc.status; details: string; body?: Buffer }
  | { kind: 'hang' }
  | { kind: 'transport-error'; message: string }

const PATH: Record<Signal, string> = { logs: '/v1/logs', metrics: '/v1/metrics', traces: '/v1/traces' }

/** Sends cases over keep-alive HTTP connections and one gRPC channel, each with a deadline. */
export class Sender {
  // Idle sockets are dropped well before the server's idle timeout (CCSCOPE_REQUEST_TIMEOUT_MS, 30 s), so
  // that a reused socket is never one the server is closing at that moment (the keep-alive race).
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 1024, timeout: 5_000 })
  private readonly grpcClient: grpc.Client

  constructor(
    private readonly httpUrl: URL,
    grpcPort: number,
    private readonly token: string,
    private readonly deadlineMs: number,
  ) {
    this.grpcClient = new grpc.Client(`127.0.0.1:${grpcPort}`, grpc.credentials.createInsecure(), {
      'grpc.max_send_message_length': -1,
      'grpc.max_receive_message_length': -1,
    })
  }

  send(c: FuzzCase): Promise<Answer> {
    return c.receiver === 'grpc' ? this.sendGrpc(c) : this.sendHttp(c)
  }

  private sendHttp(c: FuzzCase): Promise<Answer> {
    const headers: Record<string, string | number> = { 'content-length': c.body.length }
    if (c.contentType !== undefined && c.contentType !== '') headers['content-type'] = c.contentType
    if (c.contentEncoding !== undefined) headers['content-encoding'] = c.contentEncoding
    if (c.token === undefined) headers.authorization = `Bearer ${this.token}`
    else if (c.token !== null) headers.authorization = `Bearer ${c.token}`
    return new Promise((resolve) => {
      let settled = false
      const done = (answer: Answer) => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        resolve(answer)
      }
      const request = http.request(
        { host: this.httpUrl.hostname, port: this.httpUrl.port, path: PATH[c.signal], method: 'POST', headers, agent: this.agent },
        (response) => {
          const chunks: Buffer[] = []
          response.on('data', (chunk: Buffer) => chunks.push(chunk))
          response.on('end', () =>
            done({ kind: 'http', status: response.statusCode ?? 0, contentType: String(response.headers['content-type'] ?? ''), body: Buffer.concat(chunks) }),
          )
          response.on('error', (error) => done({ kind: 'transport-error', message: error.message }))
        },
      )
      const timer = setTimeout(() => {
        done({ kind: 'hang' })
        request.destroy()
      }, this.deadlineMs)
      request.on('error', (error) => done({ kind: 'transport-error', message: error.message }))
      request.end(c.body)
    })
  }

  private sendGrpc(c: FuzzCase): Promise<Answer> {
    const metadata = new grpc.Metadata()
    if (c.token === undefined) metadata.set('authorization', `Bearer ${this.token}`)
    else if (c.token !== null) metadata.set('authorization', `Bearer ${c.token}`)
    return new Promise((resolve) => {
      this.grpcClient.makeUnaryRequest(
        grpcServices[c.signal].path,
        (b: Buffer) => b,
        (b: Buffer) => b,
        c.body,
        metadata,
        { deadline: Date.now() + this.deadlineMs },
        (error: grpc.ServiceError | null, body?: Buffer) => {
          if (error?.code === grpc.status.DEADLINE_EXCEEDED) resolve({ kind: 'hang' })
          else resolve({ kind: 'grpc', code: error ? error.code : grpc.status.OK, details: error?.details ?? '', body })
        },
      )
    })
  }

  close(): void {
    this.agent.destroy()
    this.grpcClient.close()
  }
}

/** Runs `work` over 0…n-1 with at most `concurrency` at once. */
export async function pool(n: number, concurrency: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0
  const worker = async () => {
    while (next < n) await work(next++)
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, worker))
}
