import { scheduleInputSchema, type ReportRun, type Schedule, type ScheduleInput } from '../../../schemas/reports'
import { webhookFormat } from './budgets'

/** The reports panel's pure parts: what a schedule and a run say, and the form → schedule (tested in test/ui-prepare-budgets.test.ts). */

export const KIND_LABEL: Record<Schedule['kind'], string> = {
  weeklyDigest: 'Weekly digest (Mondays, for the week before)',
  monthlyCostCsv: 'Monthly cost CSV (the 1st, for the month before)',
}

export function destinationLabel(schedule: Pick<Schedule, 'destination'>): string {
  const d = schedule.destination
  if (d.kind === 'folder') return 'the reports folder on the server'
  if (d.kind === 'email') return d.to.join(', ')
  try {
    return `${new URL(d.url).host} (${d.format === 'slack' ? 'Slack' : 'JSON'})`
  } catch {
    return d.url
  }
}

export function runLabel(run: ReportRun): { text: string; tone: 'good' | 'warn' | 'bad' } {
  const period = run.firstDay === run.lastDay ? run.firstDay : `${run.firstDay} to ${run.lastDay}`
  if (run.status === 'delivered') return { text: `${period}: delivered${run.attempts > 1 ? ` after ${run.attempts} attempts` : ''}`, tone: 'good' }
  if (run.status === 'failed') return { text: `${period}: failed after ${run.attempts} attempts (${run.error ?? 'unknown error'})`, tone: 'bad' }
  return { text: `${period}: retrying, ${run.attempts} attempt${run.attempts === 1 ? '' : 's'} so far (${run.error ?? 'unknown error'})`, tone: 'warn' }
}

export interface ScheduleForm {
  name: string
  kind: Schedule['kind']
  where: 'folder' | 'webhook' | 'email'
  /** The webhook URL, or the e-mail addresses (commas or spaces between them). */
  url: string
  timeZone: string
}

export function scheduleFromForm(form: ScheduleForm): { schedule: ScheduleInput } | { error: string } {
  const url = form.url.trim()
  const parsed = scheduleInputSchema.safeParse({
    name: form.name,
    kind: form.kind,
    timeZone: form.timeZone,
    destination:
      form.where === 'folder'
        ? { kind: 'folder' }
        : form.where === 'email'
          ? { kind: 'email', to: url.split(/[\s,;]+/).filter((a) => a !== '') }
          : { kind: 'webhook', url, format: webhookFormat(url) },
  })
  if (parsed.success) return { schedule: parsed.data }
  const issue = parsed.error.issues[0]
  const where = form.where === 'email' ? 'E-mail addresses' : 'Webhook URL'
  const field = { name: 'Name', timeZone: 'Time zone', destination: where, kind: 'Report' }[String(issue?.path[0] ?? '')] ?? 'Schedule'
  return { error: `${field}: ${issue?.message ?? 'invalid'}` }
}
