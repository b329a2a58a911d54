import { createHash, randomBytes } from 'node:crypto'
import fs from 'node:fs/promises'
import path from 'node:path'
import type { Role } from '../../../schemas/auth'
import { scheduleInputSchema, type ReportRun, type Schedule, type ScheduleInput } from '../../../schemas/reports'
import type { Claimant } from '../../../warehouse/claims'
import { selectRows, type Warehouse } from '../../../warehouse/client'
import type { Reader } from '../../../warehouse/pool'
import type { Fetch } from '../budgets/webhooks'
import { ChangeLog } from '../changes'
import { NotFound } from '../not-found'
import { buildDigest, digestWeek } from './digest'
import type { SendMail } from './mail'
import { monthlyCostCsv, reportMonth } from './monthly'
import { digestHtml, digestMarkdown } from './render'

/**
 * Scheduled reports (docs/finance.md, "Reports"): each schedule's latest complete period (last week for
 * the digest, last month for the CSV) is produced and delivered once, to a webhook or the reports folder.
 * A failed delivery is retried at later rounds (waits doubling from one minute) up to MAX_ATTEMPTS, then
 * shown as failed; every attempt is a row of report_runs.
 */

/** A schedule as stored: the input plus the role of who created it (an admin's digest names blocked commands). */
type Stored = ScheduleInput & { audience: Role }

const log = (client: Warehouse) =>
  new ChangeLog<Stored>(client, 'report_schedule_changes', (json) => {
    const { audience, ...input } = json as { audience?: Role }
    return { ...scheduleInputSchema.parse(input), audience: audience ?? 'finance' }
  })

export async function listSchedules(client: Warehouse): Promise<Schedule[]> {
  return (await log(client).current())
    .map((c) => ({ ...strip(c.value), id: c.id, createdAt: new Date(c.version).toISOString(), createdBy: c.by }))
    .sort((a, b) => a.name.localeCompare(b.name))
}

const strip = ({ audience: _a, ...input }: Stored): ScheduleInput => input

export async function createSchedule(client: Warehouse, input: ScheduleInput, by: string, role: Role): Promise<Schedule> {
  const id = createHash('sha256').update(randomBytes(16)).digest('hex').slice(0, 24)
  const version = await log(client).write(id, by, 'create', { ...input, audience: role })
  return { ...input, id, createdAt: new Date(version).toISOString(), createdBy: by }
}

export async function deleteSchedule(client: Warehouse, id: string, by: string): Promise<void> {
  if (!(await log(client).get(id))) throw new NotFound(`no schedule ${id}`)
  await log(client).write(id, by, 'delete', null)
}

export const MAX_ATTEMPTS = 8
const FIRST_WAIT_MS = 60_000

interface RunRow {
  schedule_id: string
  first_day: string
  last_day: string
  kind: Schedule['kind']
  status: ReportRun['status']
  attempts: number
  written_at: string
  files: string[]
  error: string
}

const utc = (text: string) => new Date(`${text.replace(' ', 'T')}Z`)

/** Each (schedule, period)'s newest run row. */
async function latestRuns(client: Warehouse, where: string, params: Record<string, unknown>, limit: number): Promise<RunRow[]> {
  return selectRows<RunRow>(
    client,
    `SELECT schedule_id, toString(first_day) AS first_day, toString(last_day) AS last_day, kind, status, attempts, toString(written_at) AS written_at, files, error
     FROM (SELECT * FROM report_runs ${where} ORDER BY schedule_id, first_day, written_at DESC, attempts DESC LIMIT 1 BY schedule_id, first_day)
     ORDER BY written_at DESC LIMIT {limit:UInt32}`,
    { ...params, limit },
  )
}

export async function listRuns(client: Warehouse, schedules: readonly Schedule[]): Promise<ReportRun[]> {
  const names = new Map(schedules.map((s) => [s.id, s.name]))
  return (await latestRuns(client, '', {}, 100)).map((r) => ({
    scheduleId: r.schedule_id,
    scheduleName: names.get(r.schedule_id) ?? '(deleted schedule)',
    kind: r.kind,
    firstDay: r.first_day,
    lastDay: r.last_day,
    status: r.status,
    attempts: Number(r.attempts),
    at: utc(r.written_at).toISOString(),
    files: r.files,
    error: r.error === '' ? null : r.error,
  }))
}

export interface ReportFile {
  name: string
  contentType: string
  content: string
}

/** The files of a report for a period: the digest as Markdown and HTML, or the month's cost CSV. */
export async function reportFiles(
  reader: Reader,
  now: Date,
  kind: Schedule['kind'],
  period: { firstDay: string; lastDay: string },
  timeZone: string,
  withPolicy: boolean,
): Promise<ReportFile[]> {
  const ctx = { client: reader, scope: null, now }
  if (kind === 'monthlyCostCsv') {
    const { fileName, csv } = await monthlyCostCsv(ctx, period, timeZone)
    return [{ name: fileName, contentType: 'text/csv', content: csv }]
  }
  const digest = await buildDigest(ctx, period, timeZone, withPolicy)
  const base = `ccscope-weekly-digest-${period.firstDay}-to-${period.lastDay}`
  return [
    { name: `${base}.md`, contentType: 'text/markdown', content: digestMarkdown(digest) },
    { name: `${base}.html`, contentType: 'text/html', content: digestHtml(digest) },
  ]
}

export interface RunnerOptions {
  client: Warehouse
  reader: Reader
  now: () => Date
  fetch: Fetch
  /** Where folder destinations write (CCSCOPE_REPORTS_DIR). */
  reportsDir: string
  /** E-mail destinations' SMTP sender (CCSCOPE_SMTP_URL); absent, they fail with that said. */
  sendMail?: SendMail
  timeoutMs?: number
  /**
   * Several instances on one warehouse: each report attempt is claimed first (warehouse/claims.ts, key schedule,
   * period and attempt number) and made only by the instance whose claim is first.
   */
  claimant?: Claimant
}

async function deliver(options: RunnerOptions, schedule: Schedule, files: ReportFile[], period: { firstDay: string; lastDay: string }): Promise<void> {
  const { destination } = schedule
  if (destination.kind === 'folder') {
    await fs.mkdir(options.reportsDir, { recursive: true })
    // Written whole under a temporary name, then renamed: a reader of the folder never sees half a file.
    for (const file of files) {
      const target = path.join(options.reportsDir, file.name)
      await fs.writeFile(`${target}.partial`, file.content)
      await fs.rename(`${target}.partial`, target)
    }
    return
  }
  const markdown = files.find((f) => f.contentType === 'text/markdown')
  if (destination.kind === 'email') {
    if (!options.sendMail) throw new Error('e-mail is not configured on this ccscope (CCSCOPE_SMTP_URL)')
    const html = files.find((f) => f.contentType === 'text/html')
    await options.sendMail({
      to: destination.to,
      subject: `ccscope: ${schedule.name}, ${period.firstDay} to ${period.lastDay}`,
      text: markdown?.content ?? `${schedule.name} for ${period.firstDay} to ${period.lastDay}: the file is attached.`,
      ...(html ? { html: html.content } : {}),
      // The digest is the body; anything else (the CSV) is attached.
      attachments: files.filter((f) => f !== html && f !== markdown).map((f) => ({ filename: f.name, content: f.content, contentType: f.contentType })),
    })
    return
  }
  const body =
    destination.format === 'slack'
      ? {
          text: markdown
            ? markdown.content
            : `ccscope: ${schedule.name} for ${period.firstDay} to ${period.lastDay} is ready (${files.map((f) => f.name).join(', ')}).`,
        }
      : {
          type: 'ccscope.report',
          kind: schedule.kind,
          schedule: { id: schedule.id, name: schedule.name },
          period: { ...period, timeZone: schedule.timeZone },
          files,
        }
  const answer = await options.fetch(destination.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': 'ccscope-reports' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
    redirect: 'manual',
  })
  if (answer.status < 200 || answer.status > 299) throw new Error(`HTTP ${answer.status}`)
}

/** Produces and delivers every schedule's latest complete period not delivered yet; returns the runs tried. */
export async function runDueReports(options: RunnerOptions): Promise<number> {
  const { client, now: clock } = options
  const stored = await log(client).current()
  if (stored.length === 0) return 0
  // Every schedule's latest run per period, read once for the round (not once per schedule).
  const runs = new Map(
    (await latestRuns(client, 'WHERE schedule_id IN {ids:Array(String)}', { ids: stored.map((s) => s.id) }, 100_000)).map((r) => [
      `${r.schedule_id} ${r.first_day}`,
      r,
    ]),
  )
  let tried = 0
  for (const { id, version, by, value } of stored) {
    const now = clock()
    const schedule: Schedule = { ...strip(value), id, createdAt: new Date(version).toISOString(), createdBy: by }
    const period = schedule.kind === 'weeklyDigest' ? digestWeek(now, schedule.timeZone) : reportMonth(now, schedule.timeZone)
    const last = runs.get(`${id} ${period.firstDay}`)
    if (last && last.status !== 'retrying') continue
    const attempts = Number(last?.attempts ?? 0)
    if (last && utc(last.written_at).getTime() + FIRST_WAIT_MS * 2 ** (attempts - 1) > now.getTime()) continue
    if (options.claimant) {
      const key = `report:${id}:${period.firstDay}:${attempts + 1}`
      if ((await options.claimant.claim([{ key, user_key: '' }])).has(key)) continue
      // Won; read again, in case another instance made this attempt after this round's read (its claim since expired).
      const [current] = await latestRuns(client, 'WHERE schedule_id = {id:String} AND first_day = {day:Date}', { id, day: period.firstDay }, 1)
      if (Number(current?.attempts ?? 0) !== attempts) continue
    }
    tried++
    let files: ReportFile[] = []
    let error = ''
    try {
      files = await reportFiles(options.reader, now, schedule.kind, period, schedule.timeZone, value.audience === 'admin')
      await deliver(options, schedule, files, period)
    } catch (e) {
      error = e instanceof Error ? (e.name === 'TimeoutError' ? 'no answer in time' : e.message) : String(e)
    }
    const status: ReportRun['status'] = error === '' ? 'delivered' : attempts + 1 >= MAX_ATTEMPTS ? 'failed' : 'retrying'
    await client.insert({
      table: 'report_runs',
      format: 'JSONEachRow',
      values: [
        {
          schedule_id: id,
          first_day: period.firstDay,
          last_day: period.lastDay,
          kind: schedule.kind,
          status,
          attempts: attempts + 1,
          written_at: clock().toISOString().replace('T', ' ').replace('Z', ''),
          files: error === '' ? files.map((f) => f.name) : [],
          error: error.slice(0, 500),
        },
      ],
    })
  }
  return tried
}
