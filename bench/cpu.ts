/**
 * CPU time spent by both sides of a page load on this machine: ccscope (this process: the API and the embedded
 * engine's threads) and Chromium (every one of its processes: browser, renderer, GPU, network). bench:pages
 * runs both on the same cores, so a page can settle no sooner than their sum divided by the cores: a floor that
 * says whether a page is slow for its own work or for waiting, and which side's work to cut.
 */
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'

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

/** User and system CPU of every live Chromium process, in milliseconds (Linux /proc; 0 elsewhere). */
function chromiumCpuMs(): number {
  if (!fs.existsSync('/proc/self/stat')) return 0
  let ticks = 0
  for (const pid of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue
    try {
      const executable = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0] ?? ''
      if (!/chrom(e|ium)/.test(executable)) continue
      // Fields after the command name: state is the 3rd field of the whole line, utime the 14th, stime the 15th.
      const fields = (fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1] ?? '').split(' ')
      ticks += Number(fields[11]) + Number(fields[12])
    } catch {
      // The process ended while being read.
    }
  }
  return (ticks * 1000) / TICKS_PER_SECOND
}

export function cpuNow(): CpuTimes {
  const own = process.cpuUsage()
  return { ccscope: (own.user + own.system) / 1000, chromium: chromiumCpuMs() }
}

export function cpuSince(start: CpuTimes): CpuTimes {
  const end = cpuNow()
  return { ccscope: end.ccscope - start.ccscope, chromium: end.chromium - start.chromium }
}
