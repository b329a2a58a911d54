import fs from 'node:fs'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { ROOT } from './collector-process'
import { DEFAULT_OPTIONS, runCrashTest } from './harness'
import { formatReport } from './report'

/**
 * `npm run test:crash [-- --trials 100 --seed 1 --keep --log-dir DIR]`: the long crash test. Prints a
 * line per trial and a closing table, writes the full report to bench/results/crash-<time>.json, and
 * exits 1 when an acknowledged record was lost or counted twice anywhere. --keep keeps the data
 * directory; --log-dir saves each killed ccscope's last log lines.
 */
const { values } = parseArgs({
  options: {
    trials: { type: 'string', default: String(DEFAULT_OPTIONS.trials) },
    seed: { type: 'string', default: String(DEFAULT_OPTIONS.seed) },
    keep: { type: 'boolean', default: false },
    'log-dir': { type: 'string' },
  },
})
const trials = Number(values.trials)
const seed = Number(values.seed)
if (!Number.isInteger(trials) || trials < 1 || !Number.isInteger(seed)) {
  process.stderr.write('usage: npm run test:crash -- [--trials N] [--seed S] [--keep] [--log-dir DIR]\n')
  process.exit(2)
}

const report = await runCrashTest({
  trials,
  seed,
  keepDataDir: values.keep,
  logDir: values['log-dir'],
  log: (line) => process.stdout.write(`${line}\n`),
})
const file = path.join(ROOT, 'bench', 'results', `crash-${new Date().toISOString().replace(/[:.]/g, '-')}.json`)
fs.mkdirSync(path.dirname(file), { recursive: true })
fs.writeFileSync(file, JSON.stringify(report, null, 2) + '\n')
process.stdout.write(`\n${formatReport(report)}\nreport: ${path.relative(ROOT, file)}${values.keep ? `\ndata: ${report.dataDir}` : ''}\n`)
process.exit(report.ok ? 0 : 1)
