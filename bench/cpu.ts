/**
 * CPU time spent by both sides of a page load on this machine: ccscope (this process: the API and the embedded
 * engine's threads) and Chromium (every one of its processes: browser, renderer, GPU, network). bench:pages
 * runs both on the same cores, so a page can settle no sooner than their sum divided by the cores: a floor that
 * says whether a page is slow for its own work or for waiting, and which side's work to cut.
 */
import { execFileSync } from 'node:child_process'
import { processes } from './proc'

export interface CpuTimes {
  ccscope: number
  chromium: number
}

/** Clock ticks per second of /proc's times (USER_HZ; 100 on Linux unless configured otherwise). */
const TICKS_PER_SECOND = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100
  } catch {
    return 100
  }
})()

/** User and system CPU of every live Chromium process, in clock ticks, by process id. */
function chromiumTicks(): Map<number, number> {
  const ticks = new Map<number, number>()
  for (const p of processes()) if (/chrom(e|ium)/.test(p.args[0] ?? '')) ticks.set(p.pid, Number(p.stat[11]) + Number(p.stat[12]))
  return ticks
}

/**
 * The CPU the processes alive at `end` spent since `start`, in clock ticks: a process that started since counts
 * whole, one that ended since is left out. Summing all processes at each end instead took a process that exited in
 * between (the renderer of the previous page's closed context) away whole: on a slow machine the Chromium figure of
 * a load fell from ~2 800 to ~290 ms, and below zero. Exported for tests.
 */
export function ticksSince(start: ReadonlyMap<number, number>, end: ReadonlyMap<number, number>): number {
  let ticks = 0
  for (const [pid, now] of end) {
    const before = start.get(pid)
    // A pid with fewer ticks than before is a new process that reused it: counted whole.
    ticks += before !== undefined && before <= now ? now - before : now
  }
  return ticks
}

/** A point to measure CPU from (cpuSince). */
export interface CpuMark {
  ccscope: number
  chromium: Map<number, number>
}

export function cpuNow(): CpuMark {
  const own = process.cpuUsage()
  return { ccscope: (own.user + own.system) / 1000, chromium: chromiumTicks() }
}

export function cpuSince(start: CpuMark): CpuTimes {
  const end = cpuNow()
  return { ccscope: end.ccscope - start.ccscope, chromium: (ticksSince(start.chromium, end.chromium) * 1000) / TICKS_PER_SECOND }
}
