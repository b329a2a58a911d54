import { pipeline } from 'node:stream/promises'
import {
  DATASETS,
  datasetParamsSchema,
  datasetQuerySchema,
  datasetResponseSchema,
  summaryParamsSchema,
  summaryQuerySchema,
  summaryResponseSchema,
  type DatasetName,
} from '../../schemas/analytics'
import { runDatasetQuery } from './queries/dataset'
import { csvFileName, exportCsv } from './queries/export'
import { querySummary } from './queries/summary'
import type { QueryGet } from './query-routes'

/** The headline figures and the three datasets (cost, adoption, tools), as JSON and as CSV exports. */
export function registerAnalyticsRoutes(get: QueryGet): void {
  get(
    {
      path: '/api/v1/summary',
      summary: 'Headline figures',
      description:
        'The totals every other endpoint breaks down: users and sessions (adoption), requests, cost and tokens (cost), decisions and denials (tools).',
      tags: ['overview'],
      query: summaryParamsSchema,
      response: { schema: summaryResponseSchema, description: 'Headline figures for the range' },
    },
    { query: summaryQuerySchema },
    ({ query, ctx }) => querySummary(ctx, query),
  )

  const DATASET_DOCS: Record<DatasetName, { summary: string; description: string; tags: string[] }> = {
    cost: {
      summary: 'Cost and tokens',
      description:
        'Cost attribution for finance: by user, team, department, cost center, model, query source, agent, skill, plugin or MCP server, per hour/day/week/month.',
      tags: ['finance'],
    },
    adoption: {
      summary: 'Adoption',
      description: 'Active users (DAU/WAU/MAU with granularity day/week/month), sessions, prompts, active time, lines, commits, PRs, edit accept rate.',
      tags: ['adoption'],
    },
    tools: {
      summary: 'Tool decisions and results',
      description:
        'Decisions by tool and source, policy-denial rate per tool, team, user and day; top blocked commands (groupBy=command) and MCP servers (groupBy=mcpServer).',
      tags: ['policy'],
    },
  }

  for (const dataset of Object.keys(DATASETS) as DatasetName[]) {
    const params = datasetParamsSchema(dataset)
    const parse = datasetQuerySchema(dataset)
    const responseSchema = datasetResponseSchema(dataset)
    get(
      { path: `/api/v1/${dataset}`, ...DATASET_DOCS[dataset], query: params, response: { schema: responseSchema, description: 'Rows and totals' } },
      { query: parse },
      // The answer is checked against the schema the OpenAPI document publishes: what is sent is what it says.
      async ({ query, ctx }) => responseSchema.parse(await runDatasetQuery(ctx, query)),
    )
    get(
      {
        path: `/api/v1/${dataset}/export.csv`,
        summary: `${DATASET_DOCS[dataset].summary}: CSV export`,
        description:
          'The same query as the JSON endpoint, every group (limit is ignored), streamed. First column row_type: data rows, then one total row that equals the JSON totals and the summary. USD to the cent.',
        tags: DATASET_DOCS[dataset].tags,
        query: params,
        response: { contentType: 'text/csv', description: 'CSV with a header row' },
      },
      { query: parse },
      async ({ query, ctx, response }) => {
        const stream = await exportCsv(ctx, query)
        response.setHeader('content-type', 'text/csv; charset=utf-8')
        response.setHeader('content-disposition', `attachment; filename="${csvFileName(dataset, query)}"`)
        // A failure part way destroys the response: the client sees a cut download, not a short file.
        await pipeline(stream, response)
      },
    )
  }
}
