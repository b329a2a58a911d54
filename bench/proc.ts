/** The machine's processes as Linux's /proc shows them (none elsewhere): for the bench's CPU counts and its browser. */
import fs from 'node:fs'

export interface Process {
  pid: number
  /** The command line's arguments (a program that rewrites its title, as Chromium does, may show them as one). */
  args: string[]
  /** /proc/<pid>/stat's fields after the command name: state, parent's pid, …; user and system ticks at 11 and 12. */
  stat: string[]
}

export function processes(): Process[] {
  if (!fs.existsSync('/proc/self/stat')) return []
  const out: Process[] = []
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    try {
      const args = fs.readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0')
      const stat = (fs.readFileSync(`/proc/${name}/stat`, 'utf8').split(') ')[1] ?? '').split(' ')
      out.push({ pid: Number(name), args, stat })
    } catch {
      // The process ended while being read.
    }
  }
  return out
}
