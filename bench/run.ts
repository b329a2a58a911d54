/**
 * `npm run bench`: ingest throughput against the raw engine, memory at steady load and under overload,
 * query latency at 1 M and 10 M events (100 M with --scales), cold start, storage. Several runs and
 * medians; a table on stdout and the same figures as JSON under bench/results/.
 *
 *   npm run bench [-- --runs 3] [--scales 1m,10m,100m] [--quick] [--data-dir bench-data] [--only memory|ingest]
 *
 * --quick is the smoke run the tests use: a small workload, one run, 20 000 events for latency.
 * --only memory measures memory alone: the steady load over http/protobuf, then the overload (a few minutes).
 * --only ingest measures ingest throughput alone: the baseline and the three protocols (about two minutes).
 */
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { openWarehouse } from '../warehouse/client'
import { migrate } from '../warehouse/migrate'
import { samplePeakMemory, startChild, startFlags } from './child'
import { baselineRun, buildWorkload, ingestRun, normalizedRows, preparePlainTables, sendAll, type BaselineKind, type IngestRun, type Protocol } from './ingest'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    scales: { type: 'string', default: '1m,10m' },
    quick: { type: 'boolean', default: false },
    'data-dir': { type: 'string', default: path.join(ROOT, 'bench-data') },
    out: { type: 'string', default: path.join(ROOT, 'bench', 'results') },
    only: { type: 'string' },
  },
})
const quick = values.quick
if (values.only !== undefined && values.only !== 'memory' && values.only !== 'ingest')
  throw new Error(`--only ${values.only}: the sections that run alone are memory and ingest`)
const memoryOnly = values.only === 'memory'
const ingestOnly = values.only === 'ingest'
const runs = quick ? 1 : Number(values.runs)
const SCALES: Record<string, number> = { '20k': 20_000, '1m': 1_000_000, '10m': 10_000_000, '100m': 100_000_000 }
const scales = quick ? ['20k'] : values.scales.split(',').filter((s) => s in SCALES)

const log = (line: string) => process.stdout.write(`${line}\n`)
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2
}
const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })

const results: Record<string, unknown> = {
  when: new Date().toISOString(),
  machine: { cpus: os.cpus().length, memoryGb: Math.round(os.totalmem() / 2 ** 30), node: process.version },
  runs,
}

// 1. Ingest throughput, and memory at steady load.
const workload = quick ? buildWorkload(12, 5) : buildWorkload(60, 20)
log(
  `\n== ingest: ${fmt(workload.records)} records in ${fmt(workload.requests.length)} requests (one per session and signal, as Claude Code sends them), ${runs} run(s) each`,
)
// Runs interleave (plain baseline, full baseline, then each protocol, and again), so that a machine slowing
// down part-way (other work, thermal) weighs on every figure alike; each figure is the median of its runs,
// with the spread (min–max) printed beside it.
const protocols = (memoryOnly ? ['http/protobuf'] : ['http/protobuf', 'http/json', 'grpc']) as Protocol[]
const baselines: Record<BaselineKind, IngestRun[]> = { plain: [], full: [] }
const protocolRuns: Record<string, IngestRun[]> = Object.fromEntries(protocols.map((p) => [p, []]))
const baselineDir = memoryOnly ? undefined : fs.mkdtempSync(path.join(os.tmpdir(), 'ccscope-bench-baseline-'))
const baselineClient = baselineDir ? await openWarehouse({ mode: 'embedded', path: path.join(baselineDir, 'chdb'), database: 'ccscope' }) : undefined
const rows = normalizedRows(workload)
if (baselineClient) {
  await migrate(baselineClient)
  await preparePlainTables(baselineClient)
}
const spread = (xs: number[]) => `${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))}`
for (let i = 0; i < runs; i++) {
  if (baselineClient)
    for (const kind of ['plain', 'full'] as BaselineKind[]) {
      const run = await baselineRun(baselineClient, rows, workload.records, kind)
      baselines[kind].push(run)
      log(`  run ${i + 1}: baseline ${kind.padEnd(5)} ${fmt(run.recordsPerSecond).padStart(8)} records/s`)
    }
  for (const protocol of protocols) {
    const run = await ingestRun(workload, protocol)
    protocolRuns[protocol]!.push(run)
    log(`  run ${i + 1}: ${protocol.padEnd(14)} ${fmt(run.recordsPerSecond).padStart(8)} records/s`)
  }
}
await baselineClient?.close()
if (baselineDir) fs.rmSync(baselineDir, { recursive: true, force: true })
const plainRate = memoryOnly ? Number.NaN : median(baselines.plain.map((r) => r.recordsPerSecond))
const baselineRate = memoryOnly ? Number.NaN : median(baselines.full.map((r) => r.recordsPerSecond))
if (!memoryOnly) {
  log(
    `  baseline plain (JSONCompactEachRow into view-less raw tables: the engine's limit): ${fmt(plainRate)} records/s (runs ${spread(baselines.plain.map((r) => r.recordsPerSecond))})`,
  )
  log(
    `  baseline full  (the same rows into the full schema with its rollup views):         ${fmt(baselineRate)} records/s (runs ${spread(baselines.full.map((r) => r.recordsPerSecond))})`,
  )
}
const ingest: Record<
  string,
  { recordsPerSecond: number; ratioToBaseline: number; ratioToPlain: number; retries: number; peakRssMb: number; peakAnonMb: number; runs: number[] }
> = {}
for (const protocol of protocols) {
  const rs = protocolRuns[protocol]!
  const rate = median(rs.map((r) => r.recordsPerSecond))
  ingest[protocol] = {
    recordsPerSecond: rate,
    ratioToBaseline: rate / baselineRate,
    ratioToPlain: rate / plainRate,
    retries: median(rs.map((r) => r.retries)),
    peakRssMb: Math.max(...rs.map((r) => r.peakRssMb)),
    peakAnonMb: Math.max(...rs.map((r) => r.peakAnonMb ?? 0)),
    runs: rs.map((r) => r.recordsPerSecond),
  }
  log(
    `  ${protocol.padEnd(14)} ${fmt(rate).padStart(8)} records/s (runs ${spread(ingest[protocol].runs)})   ${(rate / baselineRate).toFixed(2)}× full baseline   ${(rate / plainRate).toFixed(2)}× plain   peak RSS ${fmt(ingest[protocol].peakRssMb)} MB   ${fmt(ingest[protocol].retries)} retries`,
  )
}
results.ingest = {
  records: workload.records,
  requests: workload.requests.length,
  baselineRecordsPerSecond: baselineRate,
  baselineRuns: baselines.full.map((r) => r.recordsPerSecond),
  plainRecordsPerSecond: plainRate,
  plainRuns: baselines.plain.map((r) => r.recordsPerSecond),
  protocols: ingest,
  target: '≥ 0.5 × the full baseline; ≥ 20 000 records/s over http/protobuf',
}

// 2. Memory under 10× overload: ten times the senders (every request at once), each retrying like an exporter.
if (!ingestOnly) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ccscope-bench-overload-'))
  const child = await startChild(dir, { CCSCOPE_BUFFER_MAX_ROWS: quick ? '2000' : '200000' })
  const memory = samplePeakMemory(child)
  // Four times the steady workload, all of it sent at once by up to 10 000 senders.
  const flood = quick ? workload : buildWorkload(120, 40, 2)
  const began = performance.now()
  const stats = await sendAll(flood, 'http/protobuf', child.ports, 10_000)
  const seconds = (performance.now() - began) / 1000
  const { peakRssMb, peakAnonMb } = memory.stop()
  await child.stop()
  fs.rmSync(dir, { recursive: true, force: true })
  results.memory = {
    budgetBytes: process.env.CCSCOPE_MAX_INFLIGHT_BYTES ?? 'default',
    steadyRetries: ingest['http/protobuf']?.retries,
    steadyPeakRssMb: ingest['http/protobuf']?.peakRssMb,
    steadyPeakAnonMb: ingest['http/protobuf']?.peakAnonMb,
    overloadPeakRssMb: peakRssMb,
    overloadPeakAnonMb: peakAnonMb,
    overloadRefused429: stats.refused,
    overloadNetworkErrors: stats.networkErrors,
    overloadSeconds: seconds,
    overloadRecords: flood.records,
    overloadRequests: flood.requests.length,
    target: '< 512 MB',
  }
  log(
    `\n== memory (1000 senders steady, 10000 senders overload): steady load peak RSS ${fmt(ingest['http/protobuf']?.peakRssMb ?? 0)} MB (anonymous ${fmt(ingest['http/protobuf']?.peakAnonMb ?? 0)} MB); 10× senders peak RSS ${fmt(peakRssMb)} MB (anonymous ${fmt(peakAnonMb)} MB); ${fmt(stats.refused)} requests shed with 429 and ${fmt(stats.networkErrors)} connections refused, all retried`,
  )
}

// 3. Query latency, storage, cold start: one data directory per scale, seeded by bench/seed.ts (kept and reused).
const latency: Record<string, unknown> = {}
const cold: Record<string, number> = {}
if (!memoryOnly && !ingestOnly) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ccscope-bench-cold-'))
  const starts: number[] = []
  for (let i = 0; i < runs; i++) {
    fs.rmSync(dir, { recursive: true, force: true })
    const child = await startChild(dir)
    starts.push(child.startMs)
    await child.stop()
  }
  fs.rmSync(dir, { recursive: true, force: true })
  cold.empty = median(starts)
}
for (const scale of memoryOnly || ingestOnly ? [] : scales) {
  const events = SCALES[scale]!
  const dir = path.join(values['data-dir'], scale)
  const out = path.join(os.tmpdir(), `ccscope-latency-${scale}-${process.pid}.json`)
  log(`\n== query latency at ${scale} events (${dir})`)
  await new Promise<void>((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [...startFlags(), '--import', 'tsx', 'bench/api-latency.ts', '--events', String(events), '--data-dir', dir, '--runs', quick ? '5' : '20', '--out', out],
      {
        cwd: ROOT,
        stdio: ['ignore', 'inherit', 'inherit'],
      },
    )
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`api-latency exited with ${code}`))))
  })
  latency[scale] = JSON.parse(fs.readFileSync(out, 'utf8'))
  fs.rmSync(out, { force: true })
  const starts: number[] = []
  for (let i = 0; i < runs; i++) {
    const child = await startChild(dir)
    starts.push(child.startMs)
    await child.stop()
  }
  cold[scale] = median(starts)
}
results.queryLatency = latency
results.coldStartMs = cold
if (!memoryOnly && !ingestOnly)
  log(
    `\n== cold start (spawn → ready, migrations checked): ${Object.entries(cold)
      .map(([k, v]) => `${k} ${fmt(v)} ms`)
      .join(', ')}`,
  )

// The table.
log('\n== summary')
if (!memoryOnly)
  log(
    `ingest (records/s; baselines: full schema ${fmt(baselineRate)}/s, plain tables ${fmt(plainRate)}/s; targets ≥ 0.5× full, ≥ 20 000/s over http/protobuf):`,
  )
for (const [p, f] of memoryOnly ? [] : Object.entries(ingest)) {
  const absolute = p === 'http/protobuf' ? (f.recordsPerSecond >= 20_000 ? '   ≥ 20 000/s met' : '   ≥ 20 000/s NOT met') : ''
  log(
    `  ${p.padEnd(14)} ${fmt(f.recordsPerSecond).padStart(8)}  ${f.ratioToBaseline.toFixed(2)}× full  ${f.ratioToPlain.toFixed(2)}× plain  ${f.ratioToBaseline >= 0.5 ? 'met' : 'NOT met'}${absolute}`,
  )
}
for (const [scale, report] of Object.entries(latency) as [string, { results: { endpoint: string; p50: number; p95: number }[] }][]) {
  const worst = Math.max(...report.results.map((r) => r.p95))
  log(`latency at ${scale}: worst p95 ${fmt(worst)} ms (target < 150 ms at 100m)`)
  for (const r of report.results) log(`  ${r.endpoint.padEnd(30)} p50 ${fmt(r.p50, 1).padStart(8)}  p95 ${fmt(r.p95, 1).padStart(8)} ms`)
}

fs.mkdirSync(values.out, { recursive: true })
const file = path.join(
  values.out,
  `${quick ? 'quick-' : ''}${memoryOnly ? 'memory-' : ingestOnly ? 'ingest-' : ''}${new Date().toISOString().replace(/[:.]/g, '-')}.json`,
)
fs.writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`)
log(`\nwrote ${path.relative(ROOT, file)}`)
