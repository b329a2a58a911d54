/**
 * `npm run cluster:check`: checks a running deployment end to end (docs/deployment.md). It sends the real
 * Claude Code payloads (../shared/fixtures/claude-code) to the OTLP/HTTP endpoint, reads the totals back
 * through the API over the payloads' own time window, compares them with what the payloads contain, then
 * sends everything again and checks that nothing was counted twice. Made for a cluster behind its load
 * balancer (every request may reach another instance and shard), it works on any ccscope.
 *
 *   npm run cluster:check -- [--otlp http://localhost:4318] [--api http://localhost:3000] [--token INGEST] [--api-token API]
 *
 * Run it on a fresh deployment, or one holding nothing else in the window it prints. Exit code 0 when
 * every figure matches.
 */
import { parseArgs } from 'node:util'
import type { SummaryResponse } from '../schemas/analytics'
import { FIXTURE_FOLDERS, FIXTURE_TRUTH, fixtureWindow, loadFixture, replayHeaders, type CapturedRequest } from '../test/helpers/fixtures'

export interface CheckOptions {
  otlp: string
  api: string
  token?: string
  apiToken?: string
}

export interface CheckRow {
  figure: string
  expected: number
  actual: number
  ok: boolean
}

/** The totals every folder of the fixtures adds up to (their README, and the CLI's own cost). */
export const EXPECTED = {
  users: FIXTURE_TRUTH.users,
  sessions: FIXTURE_TRUTH.sessions * FIXTURE_FOLDERS.length,
  apiRequests: FIXTURE_TRUTH.apiRequests * FIXTURE_FOLDERS.length,
  policyDenials: FIXTURE_TRUTH.policyDenials * FIXTURE_FOLDERS.length,
  costUsd: Object.values(FIXTURE_TRUTH.costUsd).reduce((a, b) => a + b, 0),
}

/** Figure by figure; cost to the micro-dollar (it arrives as metric and as event, and must count once). */
export function compareTotals(summary: Pick<SummaryResponse, 'users' | 'sessions' | 'apiRequests' | 'policyDenials' | 'costUsd'>, label = ''): CheckRow[] {
  const row = (figure: keyof typeof EXPECTED, actual: number | null | undefined, tolerance = 0): CheckRow => ({
    figure: `${figure}${label}`,
    expected: EXPECTED[figure],
    actual: actual ?? Number.NaN,
    ok: actual !== null && actual !== undefined && Math.abs(actual - EXPECTED[figure]) <= tolerance,
  })
  return [
    row('users', summary.users),
    row('sessions', summary.sessions),
    row('apiRequests', summary.apiRequests),
    row('policyDenials', summary.policyDenials),
    row('costUsd', summary.costUsd, 1e-6),
  ]
}

async function send(options: CheckOptions, requests: CapturedRequest[]): Promise<void> {
  for (const request of requests) {
    const headers = { ...replayHeaders(request), ...(options.token ? { authorization: `Bearer ${options.token}` } : {}) }
    const res = await fetch(`${options.otlp}${request.url}`, { method: 'POST', headers, body: new Uint8Array(request.body) })
    if (res.status !== 200) throw new Error(`${request.name} (${request.url}): HTTP ${res.status} ${await res.text()}`)
  }
}

async function summary(options: CheckOptions, window: { from: Date; to: Date }): Promise<SummaryResponse> {
  const query = new URLSearchParams({ from: window.from.toISOString(), to: window.to.toISOString(), tz: 'UTC' })
  const res = await fetch(`${options.api}/api/v1/summary?${query}`, { headers: options.apiToken ? { authorization: `Bearer ${options.apiToken}` } : {} })
  if (res.status !== 200) throw new Error(`summary: HTTP ${res.status} ${await res.text()}`)
  return (await res.json()) as SummaryResponse
}

/** Sends the fixtures twice, reading the totals back after each pass; every row must be ok. */
export async function checkDeployment(options: CheckOptions, log: (line: string) => void = () => undefined): Promise<CheckRow[]> {
  const folders = FIXTURE_FOLDERS.map((folder) => ({ folder, requests: loadFixture(folder) }))
  const windows = folders.map((f) => fixtureWindow(f.requests))
  // Whole minutes around the payloads: the API reads 15-minute buckets.
  const window = {
    from: new Date(Math.floor(Math.min(...windows.map((w) => w.from.getTime())) / 900_000) * 900_000),
    to: new Date(Math.ceil(Math.max(...windows.map((w) => w.to.getTime())) / 900_000) * 900_000),
  }
  log(`window read back: ${window.from.toISOString()} → ${window.to.toISOString()} (nothing else should be stored in it)`)
  const rows: CheckRow[] = []
  for (const [pass, label] of [
    [1, ''],
    [2, ' (sent again)'],
  ] as const) {
    for (const { folder, requests } of folders) {
      log(`pass ${pass}: sending ${folder} (${requests.length} requests) to ${options.otlp}`)
      await send(options, requests)
    }
    // Inserts are acknowledged once durable; a Distributed table may still be forwarding them to other shards.
    let got = compareTotals(await summary(options, window), label)
    for (let i = 0; i < 20 && got.some((r) => !r.ok); i++) {
      await new Promise((resolve) => setTimeout(resolve, 500))
      got = compareTotals(await summary(options, window), label)
    }
    rows.push(...got)
  }
  return rows
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      otlp: { type: 'string', default: 'http://localhost:4318' },
      api: { type: 'string', default: 'http://localhost:3000' },
      token: { type: 'string' },
      'api-token': { type: 'string' },
    },
  })
  let rows: CheckRow[]
  try {
    rows = await checkDeployment({ otlp: values.otlp, api: values.api, token: values.token, apiToken: values['api-token'] }, (line) =>
      process.stdout.write(`${line}\n`),
    )
  } catch (error) {
    const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : ''
    process.stderr.write(
      `cluster:check could not finish: ${error instanceof Error ? error.message : String(error)}${cause}\n(is ccscope reachable at --otlp ${values.otlp} and --api ${values.api}? with ingest tokens, pass --token; with dashboard users, --api-token)\n`,
    )
    process.exit(1)
  }
  for (const r of rows)
    process.stdout.write(`${r.ok ? 'ok  ' : 'FAIL'} ${r.figure.padEnd(28)} expected ${String(r.expected).padStart(10)}   read back ${r.actual}\n`)
  const failed = rows.filter((r) => !r.ok).length
  process.stdout.write(failed === 0 ? 'every figure matches\n' : `${failed} figure(s) differ\n`)
  process.exitCode = failed === 0 ? 0 : 1
}
