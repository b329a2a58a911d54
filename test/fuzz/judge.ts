import * as grpc from '@grpc/grpc-js'
import { responseTypes } from '../../collector/otlp/proto'
import type { Expect, FuzzCase } from './cases'
import type { Answer } from './send'

/** Whether an answer is a correct one for its case, and the label it is counted under. */
export interface Verdict {
  ok: boolean
  label: string
  problem?: string
  /** The request was accepted and nothing in it refused. */
  acceptedWhole: boolean
  overloaded: boolean
}

const HTTP_ALLOWED: Record<Expect, number[]> = {
  accepted: [200],
  'accepted-or-bad': [200, 400, 413],
  'bad-data': [400],
  'too-large': [413],
  unsupported: [415],
  unauthenticated: [401],
  'record-refused': [200],
}

const GRPC_ALLOWED: Record<Expect, grpc.status[]> = {
  accepted: [grpc.status.OK],
  'accepted-or-bad': [grpc.status.OK, grpc.status.INVALID_ARGUMENT],
  'bad-data': [grpc.status.INVALID_ARGUMENT],
  'too-large': [grpc.status.INVALID_ARGUMENT, grpc.status.RESOURCE_EXHAUSTED],
  unsupported: [grpc.status.INVALID_ARGUMENT],
  unauthenticated: [grpc.status.UNAUTHENTICATED],
  'record-refused': [grpc.status.OK],
}

const REJECTED_FIELD = { logs: 'rejectedLogRecords', metrics: 'rejectedDataPoints', traces: 'rejectedSpans' } as const

/** The number of records a 200's partial success says were refused (0 when absent); throws on a malformed body. */
function rejectedCount(c: FuzzCase, body: Buffer, json: boolean): number {
  let response: Record<string, unknown>
  if (json) response = JSON.parse(body.toString('utf8')) as Record<string, unknown>
  else {
    const type = responseTypes[c.signal]
    response = type.toObject(type.decode(body), { longs: Number, defaults: false })
  }
  const partial = response.partialSuccess as Record<string, unknown> | undefined
  return Number(partial?.[REJECTED_FIELD[c.signal]] ?? 0)
}

/** A 429 / 503 (RESOURCE_EXHAUSTED / UNAVAILABLE) is acceptable only as back-pressure, never as a failed write. */
function overload(message: string): boolean {
  return !/warehouse/i.test(message)
}

export function judge(c: FuzzCase, answer: Answer): Verdict {
  if (answer.kind === 'hang') return { ok: false, label: 'HANG', problem: 'no answer before the deadline', acceptedWhole: false, overloaded: false }
  if (answer.kind === 'transport-error')
    return { ok: false, label: 'TRANSPORT', problem: `connection failed: ${answer.message}`, acceptedWhole: false, overloaded: false }
  if (answer.kind === 'http') {
    const label = String(answer.status)
    const text = answer.body.toString('utf8')
    if ((answer.status === 429 || answer.status === 503) && overload(text)) return { ok: true, label, acceptedWhole: false, overloaded: true }
    if (!HTTP_ALLOWED[c.expect].includes(answer.status))
      return { ok: false, label, problem: `HTTP ${answer.status} for a "${c.expect}" case: ${text.slice(0, 200)}`, acceptedWhole: false, overloaded: false }
    if (answer.status !== 200) {
      const json = answer.contentType.includes('json')
      if (json) {
        try {
          JSON.parse(text)
        } catch {
          return { ok: false, label, problem: `unparseable error body: ${text.slice(0, 200)}`, acceptedWhole: false, overloaded: false }
        }
      }
      return { ok: true, label, acceptedWhole: false, overloaded: false }
    }
    return judgeAccepted(c, label, () => rejectedCount(c, answer.body, answer.contentType.includes('json')))
  }
  const label = grpc.status[answer.code] ?? String(answer.code)
  const tooLargeForGrpc = c.expect === 'too-large' && answer.code === grpc.status.RESOURCE_EXHAUSTED
  if ((answer.code === grpc.status.UNAVAILABLE || answer.code === grpc.status.RESOURCE_EXHAUSTED) && !tooLargeForGrpc && overload(answer.details))
    return { ok: true, label, acceptedWhole: false, overloaded: true }
  if (!GRPC_ALLOWED[c.expect].includes(answer.code))
    return { ok: false, label, problem: `gRPC ${label} for a "${c.expect}" case: ${answer.details}`, acceptedWhole: false, overloaded: false }
  if (answer.code !== grpc.status.OK) return { ok: true, label, acceptedWhole: false, overloaded: false }
  return judgeAccepted(c, label, () => rejectedCount(c, answer.body ?? Buffer.alloc(0), false))
}

function judgeAccepted(c: FuzzCase, label: string, rejected: () => number): Verdict {
  let n: number
  try {
    n = rejected()
  } catch (error) {
    return { ok: false, label, problem: `malformed 200 response: ${(error as Error).message}`, acceptedWhole: false, overloaded: false }
  }
  if (c.expect === 'accepted' && n !== 0)
    return { ok: false, label, problem: `a valid request had ${n} record(s) refused`, acceptedWhole: false, overloaded: false }
  if (c.expect === 'record-refused' && n !== 1)
    return { ok: false, label, problem: `an invalid record (${c.kind}) was not refused (rejected=${n})`, acceptedWhole: false, overloaded: false }
  return { ok: true, label: n > 0 ? `${label}+partial` : label, acceptedWhole: n === 0, overloaded: false }
}
