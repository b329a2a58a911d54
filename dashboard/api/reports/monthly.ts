import { text } from 'node:stream/consumers'
import { datasetQuerySchema } from '../../../schemas/analytics'
import { addDays, monthOf } from '../../../schemas/days'
import type { QueryContext } from '../queries/dataset'
import { csvFileName, exportCsv, localDate } from '../queries/export'

/**
 * The monthly finance CSV: the Cost page's export by user for one calendar month in a zone (the same
 * rows and total row as GET /api/v1/cost/export.csv?groupBy=user for that month), named for the month.
 */

/** The month to report: YYYY-MM, else the last complete month before `now` in the zone. */
export function reportMonth(now: Date, timeZone: string, month?: string): { firstDay: string; lastDay: string } {
  return month ? monthOf(`${month}-01`) : monthOf(addDays(monthOf(localDate(now, timeZone)).firstDay, -1))
}

export async function monthlyCostCsv(
  ctx: QueryContext,
  month: { firstDay: string; lastDay: string },
  timeZone: string,
): Promise<{ fileName: string; csv: string }> {
  const query = datasetQuerySchema('cost').parse({ from: month.firstDay, to: addDays(month.lastDay, 1), tz: timeZone, groupBy: 'user', limit: 10_000 })
  const csv = await text(await exportCsv(ctx, query))
  return { fileName: csvFileName('cost', query), csv }
}
