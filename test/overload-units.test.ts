import { describe, expect, it } from 'vitest'
import { Admission, AdmissionRefused, initialEstimate, REQUEST_OVERHEAD_BYTES } from '../collector/admission'
import { SelfMetrics } from '../runtime/self-metrics'

/** The in-flight budget's admission on its own; test/overload.test.ts floods a running ccscope. */

describe('admission budget', () => {
  it('admits up to the budget, refuses past it, admits one request alone whatever its size, and gets every byte back', () => {
    const admission = new Admission(100_000, new SelfMetrics())
    const a = admission.admit(60_000)
    expect(() => admission.admit(50_000)).toThrow(AdmissionRefused)
    const b = admission.admit(40_000)
    expect(admission.inFlightBytes).toBe(100_000)
    expect(() => b.grow(1)).toThrow(AdmissionRefused)
    a.release()
    a.release() // twice is once
    b.grow(50_000)
    b.release()
    expect(admission.inFlightBytes).toBe(0)
    // Alone, a request larger than the budget still goes through (slowly, not never).
    const big = admission.admit(250_000)
    big.grow(10_000)
    expect(() => admission.admit(1)).toThrow(AdmissionRefused)
    big.release()
    expect(admission.inFlightBytes).toBe(0)
    expect(admission.peakBytes).toBe(260_000)
  })

  it('lets a request wait for room, first come first served, and refuses it when none is made in time', async () => {
    const admission = new Admission(100_000, new SelfMetrics())
    const a = admission.admit(80_000)
    const first = admission.admitWaiting(50_000, 60_000)
    const second = admission.admitWaiting(10_000, 60_000)
    // The second would fit now, but waits its turn behind the first.
    expect(admission.inFlightBytes).toBe(80_000)
    a.release()
    const [t1, t2] = await Promise.all([first, second])
    expect(admission.inFlightBytes).toBe(60_000)
    await expect(admission.admitWaiting(50_000, 10)).rejects.toBeInstanceOf(AdmissionRefused)
    t1.release()
    t2.release()
    expect(admission.inFlightBytes).toBe(0)
  })

  it("knows an uncompressed body's decoded size from its Content-Length, a compressed one only as it inflates", () => {
    expect(initialEstimate(undefined, 'protobuf', undefined)).toBe(REQUEST_OVERHEAD_BYTES)
    expect(initialEstimate(1000, 'protobuf', undefined)).toBe(REQUEST_OVERHEAD_BYTES + 9000)
    expect(initialEstimate(1000, 'json', 'identity')).toBe(REQUEST_OVERHEAD_BYTES + 5000)
    expect(initialEstimate(1000, 'protobuf', 'gzip')).toBe(REQUEST_OVERHEAD_BYTES + 1000)
  })
})
