import { parse } from 'csv-parse/sync'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestCcscope, type TestCcscope } from './helpers/ccscope'
import { apiRequest, events, postJson } from './helpers/otlp-factory'

/**
 * CSV formula injection (OWASP "CSV Injection"): every CSV ccscope writes (the cost, adoption and tools
 * exports) writes a text cell that begins with =, +, -, @, tab or carriage return with a leading single
 * quote, so a spreadsheet shows it instead of running it; numbers stay numbers.
 */

const DANGEROUS = ['=HYPERLINK("http://evil.example","x")', '+SUM(1,2)', "-2+3+cmd|' /C calc'!A0", '@SUM(1)', '\tTAB', '\rCR']

const TRIMMED = DANGEROUS.filter((name) => name.trim() === name)

let cc: TestCcscope
const now = Date.now()
const RANGE = new URLSearchParams({ from: new Date(now - 86_400_000).toISOString(), to: new Date(now + 3_600_000).toISOString() })

beforeAll(async () => {
  cc = await startTestCcscope()
  for (const [i, name] of DANGEROUS.entries()) {
    const who = { user: `csv-${i}@example.com`, session: `csv-${i}`, team: name }
    const res = await postJson(
      cc.otlpUrl,
      '/v1/logs',
      events(who, [
        { ...apiRequest(now - 60_000 - i, 0.5), attributes: { ...apiRequest(now, 0.5).attributes, model: name } },
        {
          name: 'tool_decision',
          timeMs: now - 50_000 - i,
          attributes: { tool_name: name, decision: 'reject', source: 'config', tool_parameters: JSON.stringify({ bash_command: name }) },
        },
      ]),
    )
    expect(res.status).toBe(200)
  }
  // Display names come from the directory: an admin may load anything there too (it trims whitespace).
  const directory = DANGEROUS.map((name, i) => ({ user: `csv-${i}@example.com`, displayName: name }))
  const put = await fetch(`${cc.apiUrl}/api/v1/directory`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', 'x-requested-with': 't' },
    body: JSON.stringify(directory),
  })
  expect(put.status, await put.text()).toBe(200)
  await cc.writer.flush()
})

afterAll(async () => {
  await cc?.stop()
})

async function exportRows(dataset: string, params: Record<string, string>): Promise<Record<string, string>[]> {
  const res = await fetch(`${cc.apiUrl}/api/v1/${dataset}/export.csv?${RANGE}&${new URLSearchParams(params)}`)
  expect(res.status).toBe(200)
  return parse(await res.text(), { columns: true, relax_quotes: true }) as Record<string, string>[]
}

/** No cell of these columns starts with a character a spreadsheet would evaluate; each dangerous name is there, quoted. */
function expectNeutralized(rows: Record<string, string>[], columns: string[], names = DANGEROUS): void {
  for (const row of rows)
    for (const column of columns) expect(row[column] ?? '', `${column}: ${JSON.stringify(row[column])}`).not.toMatch(/^[=+\-@\t\r\uFF1D\uFF0B\uFF0D\uFF20]/)
  const cells = new Set(rows.flatMap((row) => columns.map((c) => row[c])))
  for (const name of names) expect(cells.has(`'${name}`), `'${name} among ${[...cells].join(' | ')}`).toBe(true)
}

describe('CSV exports neutralize formulas', () => {
  it('cost export: team, user display name and model cells', async () => {
    expectNeutralized(await exportRows('cost', { groupBy: 'team' }), ['team'])
    expectNeutralized(await exportRows('cost', { groupBy: 'user' }), ['display_name'], TRIMMED)
    const byModel = await exportRows('cost', { groupBy: 'model', granularity: 'day' })
    expectNeutralized(byModel, ['model'])
    // Figures are still numbers a spreadsheet can sum.
    for (const row of byModel) expect(row.cost_usd, JSON.stringify(row)).toMatch(/^\d+\.\d{2}$/)
  })

  it('adoption export: team and user display name cells', async () => {
    expectNeutralized(await exportRows('adoption', { groupBy: 'team' }), ['team'])
    expectNeutralized(await exportRows('adoption', { groupBy: 'user' }), ['display_name'], TRIMMED)
  })

  it('tools export: tool and command cells', async () => {
    expectNeutralized(await exportRows('tools', { groupBy: 'tool' }), ['tool'])
    const commands = await exportRows('tools', { groupBy: 'command' })
    expectNeutralized(commands, ['command'])
    for (const row of commands) expect(Number(row.policy_denials)).toBeGreaterThanOrEqual(0)
  })
})
