import type { Digest } from '../../../schemas/reports'

/**
 * The digest as text a person reads without a browser or a login: Markdown (chat, a file) and an HTML
 * e-mail body, from the same rows, so the two say the same. Pure; values from the digest only.
 */

const usdFormat = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: 2 })
const countFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 })
const dayFormat = new Intl.DateTimeFormat('en-US', { month: 'short', day: 'numeric', year: 'numeric', timeZone: 'UTC' })

export const usd = (n: number) => usdFormat.format(n)
const count = (n: number | null) => (n === null ? 'not reported' : countFormat.format(n))
const day = (d: string) => dayFormat.format(new Date(`${d}T00:00:00Z`))
/** An instant in the digest's zone: "Nov 5, 2026, 12:05 AM". */
const instant = (iso: string, timeZone: string) =>
  new Intl.DateTimeFormat('en-US', { month: 'short', day: 'numeric', year: 'numeric', hour: 'numeric', minute: '2-digit', timeZone }).format(new Date(iso))

/** "+12.3 %", "−4.0 %", "new", or "—" when either side is not reported or there is nothing to compare. */
export function changeText(current: number | null, previous: number | null): string {
  if (current === null || previous === null) return '—'
  if (previous === 0) return current === 0 ? '0 %' : 'new'
  const pct = ((current - previous) / previous) * 100
  const rounded = Math.round(pct * 10) / 10
  if (rounded === 0) return '0 %'
  return `${rounded > 0 ? '+' : '−'}${Math.abs(rounded).toFixed(1)} %`
}

const signedUsd = (n: number) => `${n > 0 ? '+' : n < 0 ? '−' : ''}${usd(Math.abs(n))}`

interface Table {
  title: string
  header: string[]
  rows: string[][]
  empty: string
}

/** The line under the title: what the week is compared with, or why it is not (the data begins after the week before starts). */
function comparedLine(d: Digest): string {
  const span = `${day(d.previous.firstDay)} to ${day(d.previous.lastDay)}`
  if (d.previousCovered) return `Compared with ${span}.`
  const since = d.dataFirst ? `: ccscope's data begins ${instant(d.dataFirst, d.period.timeZone)}, after that week's start` : ''
  return `Not compared with ${span}${since}. A week is compared only with a whole week of data before it.`
}

function sections(d: Digest): { title: string; compared: string; headline: [string, string, string][]; tables: Table[] } {
  const s = d.summary
  const p = d.previousSummary
  const vs = (current: number | null, previous: number | null) => (d.previousCovered ? changeText(current, previous) : '—')
  const money = (value: number | null, format: (n: number) => string) => (value === null ? '—' : format(value))
  return {
    title: `ccscope weekly digest: ${day(d.period.firstDay)} to ${day(d.period.lastDay)} (${d.period.timeZone})`,
    compared: comparedLine(d),
    headline: [
      ['Spend', usd(s.costUsd), vs(s.costUsd, p.costUsd)],
      ['Active users', count(s.users), vs(s.users, p.users)],
      ['Sessions', count(s.sessions), vs(s.sessions, p.sessions)],
      ['Prompts', count(s.prompts), vs(s.prompts, p.prompts)],
      ['Policy denials', count(s.policyDenials), vs(s.policyDenials, p.policyDenials)],
    ],
    tables: [
      {
        title: 'Cost by team',
        header: ['Team', 'This week', 'Week before', 'Change'],
        rows: d.teams.map((t) => [t.group || '(not reported)', usd(t.costUsd), money(t.previousCostUsd, usd), money(t.changeUsd, signedUsd)]),
        empty: 'No cost this week.',
      },
      {
        title: 'Biggest movers',
        header: ['User', 'This week', 'Week before', 'Change'],
        rows: d.movers.map((m) => [
          m.label ? `${m.label} (${m.group})` : m.group || '(not reported)',
          usd(m.costUsd),
          money(m.previousCostUsd, usd),
          money(m.changeUsd, signedUsd),
        ]),
        empty: d.previousCovered ? 'Nobody’s cost changed.' : 'No earlier week to compare with.',
      },
      ...(d.blockedCommands === undefined
        ? []
        : [
            {
              title: 'Top blocked commands',
              header: ['Command', 'Policy denials'],
              rows: (d.blockedCommands ?? []).map((b) => [b.command || '(no command)', count(b.policyDenials)]),
              empty: d.blockedCommands === null ? 'Not reported: nobody sends events (tool decisions).' : 'No policy denial this week.',
            },
          ]),
    ],
  }
}

/** Markdown cells: pipes and line breaks would break the table. */
const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/[\r\n]+/g, ' ')

export function digestMarkdown(d: Digest): string {
  const { title, compared, headline, tables } = sections(d)
  const lines = [`# ${cell(title)}`, '', cell(compared), '']
  lines.push('| | This week | vs week before |', '|---|---:|---:|', ...headline.map(([k, v, c]) => `| ${k} | ${v} | ${c} |`), '')
  for (const t of tables) {
    lines.push(`## ${t.title}`, '')
    if (t.rows.length === 0) lines.push(t.empty, '')
    else
      lines.push(
        `| ${t.header.join(' | ')} |`,
        `|${t.header.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`,
        ...t.rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
        '',
      )
  }
  return lines.join('\n')
}

const escapeHtml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;')

export function digestHtml(d: Digest): string {
  const { title, compared, headline, tables } = sections(d)
  const td = (text: string, right: boolean) =>
    `<td style="padding:4px 8px;border-bottom:1px solid #e5e7eb${right ? ';text-align:right' : ''}">${escapeHtml(text)}</td>`
  const th = (text: string, right: boolean) =>
    `<th style="padding:4px 8px;border-bottom:2px solid #9ca3af${right ? ';text-align:right' : ';text-align:left'}">${escapeHtml(text)}</th>`
  const table = (header: string[], rows: string[][]) =>
    `<table style="border-collapse:collapse;font-size:14px"><thead><tr>${header.map((h, i) => th(h, i > 0)).join('')}</tr></thead><tbody>${rows
      .map((r) => `<tr>${r.map((c, i) => td(c, i > 0)).join('')}</tr>`)
      .join('')}</tbody></table>`
  const parts = [
    `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body style="font-family:system-ui,sans-serif;color:#111827">`,
    `<h1 style="font-size:20px">${escapeHtml(title)}</h1>`,
    `<p>${escapeHtml(compared)}</p>`,
    table(['', 'This week', 'vs week before'], headline),
  ]
  for (const t of tables) {
    parts.push(`<h2 style="font-size:16px">${escapeHtml(t.title)}</h2>`)
    parts.push(t.rows.length === 0 ? `<p>${escapeHtml(t.empty)}</p>` : table(t.header, t.rows))
  }
  parts.push('</body></html>')
  return parts.join('\n')
}
