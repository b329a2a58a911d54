import { describe, expect, it } from 'vitest'
import { ticksSince } from '../bench/cpu'

/** bench:pages' CPU of Chromium over one load (bench/cpu.ts): the processes alive at its end, each from its own start. */
describe("Chromium's CPU over a page load", () => {
  it('leaves out a process that ended during the load instead of taking its whole life away', () => {
    // The previous page's renderer (pid 30) had spent 2 500 ticks and exited; the new one (pid 40) started and spent 280;
    // the browser (pid 10) spent 20 more.
    const start = new Map([
      [10, 1_000],
      [30, 2_500],
    ])
    const end = new Map([
      [10, 1_020],
      [40, 280],
    ])
    expect(ticksSince(start, end)).toBe(300)
  })

  it('counts a process whose id was reused whole', () => {
    expect(ticksSince(new Map([[50, 900]]), new Map([[50, 40]]))).toBe(40)
  })
})
