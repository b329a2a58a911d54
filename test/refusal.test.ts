import * as grpc from '@grpc/grpc-js'
import { describe, expect, it } from 'vitest'
import { AdmissionRefused } from '../collector/admission'
import { DecodeError } from '../collector/otlp/decode-error'
import { GRPC_CODE, HTTP_ANSWER, refusalOf } from '../collector/refusal'
import { ClosedError, OverloadedError, WarehouseUnavailableError } from '../collector/writer/writer'
import { defined } from './helpers/defined'

describe('one mapping from what went wrong to the OTLP answer, for both receivers', () => {
  const cases = [
    { error: new DecodeError(400, 'bad', 'invalid_json'), reason: 'invalid_json', http: 400, grpc: grpc.status.INVALID_ARGUMENT, retry: undefined },
    { error: new DecodeError(413, 'big', 'too_many_records'), reason: 'too_many_records', http: 413, grpc: grpc.status.INVALID_ARGUMENT, retry: undefined },
    {
      error: new DecodeError(415, 'br', 'unsupported_encoding'),
      reason: 'unsupported_encoding',
      http: 415,
      grpc: grpc.status.INVALID_ARGUMENT,
      retry: undefined,
    },
    { error: new OverloadedError(10), reason: 'overloaded', http: 429, grpc: grpc.status.UNAVAILABLE, retry: 2 },
    { error: new AdmissionRefused(10, 5), reason: 'overloaded', http: 429, grpc: grpc.status.UNAVAILABLE, retry: 1 },
    { error: new WarehouseUnavailableError(new Error('down')), reason: 'warehouse_unavailable', http: 503, grpc: grpc.status.UNAVAILABLE, retry: 5 },
    // gRPC once counted a shutdown as warehouse_unavailable while HTTP said shutting_down.
    { error: new ClosedError(), reason: 'shutting_down', http: 503, grpc: grpc.status.UNAVAILABLE, retry: 5 },
  ]
  for (const c of cases)
    it(`${c.error.name} ${c.reason}: HTTP ${c.http}, gRPC ${grpc.status[c.grpc]}`, () => {
      const refusal = refusalOf(c.error)
      expect(refusal?.reason).toBe(c.reason)
      expect(refusal?.retryAfterSeconds).toBe(c.retry)
      expect(HTTP_ANSWER[defined(refusal).kind].status).toBe(c.http)
      expect(GRPC_CODE[defined(refusal).kind]).toBe(c.grpc)
    })

  it('leaves an unexpected error unmapped (it is logged and answered internal)', () => {
    expect(refusalOf(new TypeError('x is undefined'))).toBeUndefined()
  })
})
