import fs from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { DatasetResponse, SummaryResponse } from '../schemas/analytics'
import type { Digest, Schedule, SchedulesResponse } from '../schemas/reports'
import { simpleParser, type ParsedMail } from 'mailparser'
import { SMTPServer } from 'smtp-server'
import { createMailer } from '../dashboard/api/reports/mail'
import { runDueReports } from '../dashboard/api/reports/runner'
import { changeText, digestHtml, digestMarkdown } from '../dashboard/api/reports/render'
import { startTestCcscope, tempDir, type TestCcscope } from './helpers/ccscope'
import { apiRequest } from './helpers/otlp-factory'
import { HISTORY_NOW, sendSpendHistory } from './helpers/spend-history'

/**
 * Reports without a login: the weekly digest and the monthly cost CSV say what the API says for the same
 * range, and schedules deliver each period once, to the reports folder or a webhook, retrying failures.
 * History: helpers/spend-history.ts, plus cy@example.com (web) spending 30 on Tuesday 2026-11-10 only, and
 * one curl denied by policy that day. The last complete week is Monday 2026-11-09 to Sunday 2026-11-15.
 */
let cc: TestCcscope
const NOW = HISTORY_NOW
const curl = {
  name: 'tool_decision',
  timeMs: Date.parse('2026-11-10T10:00:00Z'),
  attributes: { tool_name: 'Bash', decision: 'reject', source: 'config', tool_parameters: JSON.stringify({ bash_command: 'curl' }) },
}

beforeAll(async () => {
  cc = await startTestCcscope({ CCSCOPE_ALERTS: 'false' }, { now: () => NOW })
  await sendSpendHistory(cc, NOW, [
    { who: { user: 'cy@example.com', team: 'web', session: 'sess-cy' }, specs: [apiRequest(Date.parse('2026-11-10T09:00:00Z'), 30), curl] },
  ])
}, 120_000)
afterAll(async () => {
  await cc?.stop()
})

const get = async <T>(url: string): Promise<T> => {
  const res = await fetch(`${cc.apiUrl}${url}`)
  expect(res.status, url).toBe(200)
  return (await res.json()) as T
}

describe('the weekly digest', () => {
  it('is the API’s answer for the same week, against the week before', async () => {
    const digest = await get<Digest>('/api/v1/reports/weekly-digest')
    expect(digest.period).toEqual({ firstDay: '2026-11-09', lastDay: '2026-11-15', timeZone: 'UTC' })
    expect(digest.previous).toEqual({ firstDay: '2026-11-02', lastDay: '2026-11-08' })
    const { partial: _p, ...summary } = await get<SummaryResponse>('/api/v1/summary?from=2026-11-09&to=2026-11-16&tz=UTC')
    expect(digest.summary).toEqual(summary)
    const { partial: _q, ...before } = await get<SummaryResponse>('/api/v1/summary?from=2026-11-02&to=2026-11-09&tz=UTC')
    expect(digest.previousSummary).toEqual(before)
    // 5 weekdays × 100 + 2 weekend days × 20 (ana) + 30 (cy) + 7 × 10 (ops).
    expect(digest.summary.costUsd).toBe(640)
    expect(digest.previousSummary.costUsd).toBe(610)
    const teams = await get<DatasetResponse<'cost'>>('/api/v1/cost?from=2026-11-09&to=2026-11-16&tz=UTC&groupBy=team&measures=costUsd')
    expect(digest.teams.map((t) => [t.group, t.costUsd])).toEqual(teams.rows.map((r) => [r.group, r.costUsd]))
    expect(digest.teams).toEqual([
      { group: 'web', costUsd: 570, previousCostUsd: 540, changeUsd: 30 },
      { group: 'ops', costUsd: 70, previousCostUsd: 70, changeUsd: 0 },
    ])
    expect(digest.movers).toEqual([{ group: 'cy@example.com', costUsd: 30, previousCostUsd: 0, changeUsd: 30 }])
    // This machine's caller is an admin (open mode): the digest names blocked commands.
    expect(digest.blockedCommands).toEqual([{ command: 'curl', policyDenials: 1 }])
  })

  it('renders the same figures as Markdown and HTML', async () => {
    const res = await fetch(`${cc.apiUrl}/api/v1/reports/weekly-digest?format=markdown`)
    expect(res.headers.get('content-type')).toMatch(/^text\/markdown/)
    const markdown = await res.text()
    expect(markdown).toContain('# ccscope weekly digest: Nov 9, 2026 to Nov 15, 2026 (UTC)')
    expect(markdown).toContain('| Spend | $640.00 | +4.9 % |')
    expect(markdown).toContain('| web | $570.00 | $540.00 | +$30.00 |')
    expect(markdown).toContain('| cy@example.com | $30.00 | $0.00 | +$30.00 |')
    expect(markdown).toContain('| curl | 1 |')
    const html = await (await fetch(`${cc.apiUrl}/api/v1/reports/weekly-digest?format=html`)).text()
    expect(html).toContain('<td style="padding:4px 8px;border-bottom:1px solid #e5e7eb;text-align:right">$640.00</td>')
  })

  it('escapes names and says "not reported" rather than 0', () => {
    const digest: Digest = {
      period: { firstDay: '2026-11-09', lastDay: '2026-11-15', timeZone: 'UTC' },
      previous: { firstDay: '2026-11-02', lastDay: '2026-11-08' },
      summary: { ...emptyFigures(), costUsd: 10, prompts: null, policyDenials: null },
      previousSummary: { ...emptyFigures(), costUsd: 0, prompts: null, policyDenials: null },
      previousCovered: true,
      dataFirst: '2026-10-01T00:00:00.000Z',
      teams: [{ group: '<script>|x', costUsd: 10, previousCostUsd: 0, changeUsd: 10 }],
      movers: [],
      blockedCommands: null,
    }
    const markdown = digestMarkdown(digest)
    expect(markdown).toContain('| Prompts | not reported | — |')
    expect(markdown).toContain('| Spend | $10.00 | new |')
    expect(markdown).toContain('| <script>\\|x | $10.00 | $0.00 | +$10.00 |')
    expect(markdown).toContain('Not reported: nobody sends events (tool decisions).')
    const html = digestHtml(digest)
    expect(html).not.toContain('<script>')
    expect(html).toContain('&lt;script&gt;|x')
    expect(changeText(95, 100)).toBe('−5.0 %')
    expect(changeText(100, 100)).toBe('0 %')
  })

  it('compares nothing with a week the data does not reach back to, and says why', () => {
    // The organization's first week: its data began on Wednesday of the week before, so that week holds 4 days.
    const digest: Digest = {
      period: { firstDay: '2026-11-09', lastDay: '2026-11-15', timeZone: 'America/New_York' },
      previous: { firstDay: '2026-11-02', lastDay: '2026-11-08' },
      summary: { ...emptyFigures(), costUsd: 700, users: 10 },
      previousSummary: { ...emptyFigures(), costUsd: 20, users: 2 },
      previousCovered: false,
      dataFirst: '2026-11-04T14:05:00.000Z',
      teams: [{ group: 'web', costUsd: 700, previousCostUsd: null, changeUsd: null }],
      movers: [],
    }
    const markdown = digestMarkdown(digest)
    expect(markdown).toContain("Not compared with Nov 2, 2026 to Nov 8, 2026: ccscope's data begins Nov 4, 2026, 9:05 AM, after that week's start.")
    expect(markdown).toContain('| Spend | $700.00 | — |')
    expect(markdown).toContain('| Active users | 10 | — |')
    expect(markdown).toContain('| web | $700.00 | — | — |')
    expect(markdown).toContain('No earlier week to compare with.')
    expect(markdown).not.toContain('new')
    expect(digestHtml(digest)).toContain('Not compared with Nov 2, 2026 to Nov 8, 2026')
  })
})

function emptyFigures(): Digest['summary'] {
  return {
    range: { from: '2026-11-09T00:00:00.000Z', to: '2026-11-16T00:00:00.000Z', timeZone: 'UTC' },
    users: 1,
    sessions: 1,
    apiRequests: null,
    costUsd: 0,
    costPerActiveUserDay: null,
    tokens: { input: 0, output: 0, cacheRead: 0, cacheCreation: 0 },
    cacheSavingsUsd: 0,
    prompts: null,
    editDecisions: null,
    editAcceptRate: null,
    toolDecisions: null,
    policyDenials: null,
    policyDenialRate: null,
    coverage: { users: 1, usersWithEvents: 0, usersWithMetrics: 1 },
  }
}

describe('the monthly cost CSV', () => {
  it('is the Cost page’s export by user for last month, named for it', async () => {
    const res = await fetch(`${cc.apiUrl}/api/v1/reports/monthly-cost.csv`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="ccscope-cost-by-user-2026-10-01-to-2026-10-31.csv"')
    const csv = await res.text()
    const page = await (await fetch(`${cc.apiUrl}/api/v1/cost/export.csv?from=2026-10-01&to=2026-11-01&tz=UTC&groupBy=user&limit=10000`)).text()
    expect(csv).toBe(page)
    // October: ana 22 weekdays × 100 + 9 weekend days × 20; bo 31 × 10.
    expect(csv).toMatch(/^total,,,2690.00,/m)
  })
})

describe('schedules', () => {
  let receiver: http.Server
  const received: { type: string; files: { name: string; content: string }[] }[] = []
  let fail = 1
  beforeAll(async () => {
    receiver = http.createServer((request, response) => {
      let body = ''
      request.on('data', (c: Buffer) => (body += c.toString()))
      request.on('end', () => {
        response.statusCode = fail-- > 0 ? 502 : 200
        if (response.statusCode === 200) received.push(JSON.parse(body))
        response.end()
      })
    })
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve))
  })
  afterAll(async () => {
    await new Promise((resolve) => receiver?.close(resolve))
  })

  it('deliver each period once, to the folder or a webhook, retrying a failure', async () => {
    const dir = tempDir('ccscope-reports-')
    const post = async (body: unknown) => {
      const res = await fetch(`${cc.apiUrl}/api/v1/reports/schedules`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-requested-with': 'test' },
        body: JSON.stringify(body),
      })
      expect(res.status).toBe(200)
      return (await res.json()) as Schedule
    }
    await post({ name: 'Digest to the folder', kind: 'weeklyDigest', destination: { kind: 'folder' } })
    await post({
      name: 'Month CSV to the books',
      kind: 'monthlyCostCsv',
      destination: { kind: 'webhook', url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/books` },
    })
    let clock = NOW.getTime()
    const run = () => runDueReports({ client: cc.client, reader: cc.reader, now: () => new Date(clock), fetch: (u, i) => fetch(u, i), reportsDir: dir })

    expect(await run()).toBe(2)
    expect(fs.readdirSync(dir).sort()).toEqual(['ccscope-weekly-digest-2026-11-09-to-2026-11-15.html', 'ccscope-weekly-digest-2026-11-09-to-2026-11-15.md'])
    expect(fs.readFileSync(path.join(dir, 'ccscope-weekly-digest-2026-11-09-to-2026-11-15.md'), 'utf8')).toBe(
      await (await fetch(`${cc.apiUrl}/api/v1/reports/weekly-digest?format=markdown`)).text(),
    )
    const status = async () =>
      (await get<SchedulesResponse>('/api/v1/reports/schedules')).runs.map((r) => [r.scheduleName, r.firstDay, r.status, r.attempts]).sort()
    expect(await status()).toEqual([
      ['Digest to the folder', '2026-11-09', 'delivered', 1],
      ['Month CSV to the books', '2026-10-01', 'retrying', 1],
    ])
    expect(await run()).toBe(0) // the digest is done; the webhook waits a minute before its second attempt
    clock += 60_000
    expect(await run()).toBe(1)
    expect(await status()).toEqual([
      ['Digest to the folder', '2026-11-09', 'delivered', 1],
      ['Month CSV to the books', '2026-10-01', 'delivered', 2],
    ])
    expect(received.length).toBe(1)
    expect(received[0]?.type).toBe('ccscope.report')
    expect(received[0]?.files.map((f) => f.name)).toEqual(['ccscope-cost-by-user-2026-10-01-to-2026-10-31.csv'])
    expect(received[0]?.files[0]?.content).toBe(await (await fetch(`${cc.apiUrl}/api/v1/reports/monthly-cost.csv?month=2026-10`)).text())

    // The next Monday, the next week's digest; the month is not over yet, so no new CSV.
    clock = Date.parse('2026-11-23T06:00:00Z')
    expect(await run()).toBe(1)
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.md'))).toEqual([
      'ccscope-weekly-digest-2026-11-09-to-2026-11-15.md',
      'ccscope-weekly-digest-2026-11-16-to-2026-11-22.md',
    ])
  })
})

describe('e-mail', () => {
  it('is refused while no SMTP server is configured', async () => {
    const res = await fetch(`${cc.apiUrl}/api/v1/reports/schedules`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-requested-with': 'test' },
      body: JSON.stringify({ name: 'Mail', kind: 'weeklyDigest', destination: { kind: 'email', to: ['fin@example.com'] } }),
    })
    expect(res.status).toBe(400)
    expect(((await res.json()) as { message: string }).message).toMatch(/CCSCOPE_SMTP_URL/)
    expect((await get<SchedulesResponse>('/api/v1/reports/schedules')).email).toBe(false)
  })

  it('sends the digest as the HTML body and the monthly CSV as an attachment, through a real SMTP exchange', async () => {
    const mails: ParsedMail[] = []
    const smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      onData(stream, _session, callback) {
        simpleParser(stream).then((mail) => {
          mails.push(mail)
          callback()
        }, callback)
      },
    })
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve))
    const port = (smtp.server.address() as AddressInfo).port
    try {
      // Straight into the change log, as the API would once e-mail is configured.
      const { ChangeLog } = await import('../dashboard/api/changes')
      const log = new ChangeLog<unknown>(cc.client, 'report_schedule_changes', (json) => json)
      await log.write('e'.repeat(24), 'fin', 'create', {
        name: 'Mail digest',
        kind: 'weeklyDigest',
        timeZone: 'UTC',
        destination: { kind: 'email', to: ['fin@example.com', 'cfo@example.com'] },
        audience: 'finance',
      })
      await log.write('f'.repeat(24), 'fin', 'create', {
        name: 'Mail CSV',
        kind: 'monthlyCostCsv',
        timeZone: 'UTC',
        destination: { kind: 'email', to: ['books@example.com'] },
        audience: 'finance',
      })
      const sendMail = createMailer(`smtp://127.0.0.1:${port}`, 'ccscope <reports@example.com>')
      const dir = tempDir('ccscope-reports-')
      expect(
        await runDueReports({ client: cc.client, reader: cc.reader, now: () => NOW, fetch: (u, i) => fetch(u, i), reportsDir: dir, sendMail }),
      ).toBeGreaterThanOrEqual(2)
      const digest = mails.find((m) => m.subject?.includes('Mail digest'))
      expect(digest?.subject).toBe('ccscope: Mail digest, 2026-11-09 to 2026-11-15')
      expect(digest?.from?.value[0]).toMatchObject({ name: 'ccscope', address: 'reports@example.com' })
      const to = digest?.to
      expect((Array.isArray(to) ? to : [to]).map((t) => t?.text).join(', ')).toBe('fin@example.com, cfo@example.com')
      expect(digest?.html).toContain('$640.00')
      // A finance audience: no blocked commands.
      expect(digest?.text).not.toContain('Top blocked commands')
      expect(digest?.attachments).toEqual([])
      const csv = mails.find((m) => m.subject?.includes('Mail CSV'))
      expect(csv?.attachments.map((a) => a.filename)).toEqual(['ccscope-cost-by-user-2026-10-01-to-2026-10-31.csv'])
      expect(csv?.attachments[0]?.content.toString('utf8')).toBe(await (await fetch(`${cc.apiUrl}/api/v1/reports/monthly-cost.csv?month=2026-10`)).text())
    } finally {
      await new Promise<void>((resolve) => smtp.close(() => resolve()))
    }
  })
})
