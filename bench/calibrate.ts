/**
 * The machine's speed, measured in the run that reports latencies: fixed work for the engine, for Node.js and for
 * Chromium's renderer, each timed as the median of five. Latencies from two machines compare only through these:
 * the same code and data took twice as long on a machine whose calibration is twice as long (seen 2026-12-05).
 */
import os from 'node:os'
import type { Page } from 'playwright-core'
import { selectRows, type Warehouse } from '../warehouse/client'

export interface Machine {
  cpus: number
  cpuModel: string
  memoryGb: number
  /** The engine: a hash sum over 20 M numbers (two threads). */
  engineMs: number
  /** Node.js: JSON stringify and parse of 20 000 row-shaped objects, the API's own kind of work. */
  nodeMs: number
}

const median = (times: number[]) => [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)] ?? Number.NaN

async function timed(work: () => unknown | Promise<unknown>, runs = 5): Promise<number> {
  await work()
  const times: number[] = []
  for (let i = 0; i < runs; i++) {
    const began = performance.now()
    await work()
    times.push(performance.now() - began)
  }
  return Math.round(median(times) * 10) / 10
}

/** Row-shaped JSON work: what an API answer costs in JavaScript. */
export function jsonWork(): number {
  const rows = Array.from({ length: 20_000 }, (_, i) => ({ p_ts: 1_764_547_200 + i, g: `user-${i % 500}@example.com`, m_costUsd: i * 0.37, m_requests: i }))
  return (JSON.parse(JSON.stringify(rows)) as unknown[]).length
}

export async function calibrateMachine(client: Warehouse): Promise<Machine> {
  const engineMs = await timed(() => selectRows(client, 'SELECT sum(cityHash64(number)) AS h FROM numbers(20000000) SETTINGS max_threads = 2'))
  const nodeMs = await timed(jsonWork)
  return { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? '', memoryGb: Math.round(os.totalmem() / 2 ** 30), engineMs, nodeMs }
}

/** jsonWork as page script (a function's own text may carry the bundler's helpers, which a page lacks). */
const JSON_WORK_SCRIPT = `(() => {
  const rows = Array.from({ length: 20000 }, (_, i) => ({ p_ts: 1764547200 + i, g: 'user-' + (i % 500) + '@example.com', m_costUsd: i * 0.37, m_requests: i }))
  return JSON.parse(JSON.stringify(rows)).length
})()`

/** Chromium's renderer: the same JSON work in a page's main thread. */
export async function calibrateRenderer(page: Page): Promise<number> {
  return timed(() => page.evaluate(JSON_WORK_SCRIPT))
}

export function describeMachine(machine: Machine, rendererMs?: number): string {
  const renderer = rendererMs === undefined ? '' : `, renderer ${rendererMs} ms`
  return `machine: ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGb} GB; calibration (median of 5): engine ${machine.engineMs} ms, node ${machine.nodeMs} ms${renderer}`
}
