/**
 * The datasets the analytics API serves: their dimensions, measures and derived figures. Plain data with
 * no zod, so that code that only builds requests (the dashboard's first load: dashboard/ui/early.ts) need
 * not load the schemas; schemas/analytics.ts builds the request and response schemas from it.
 */
/** The dimensions each dataset can be grouped and filtered by. */
export const DATASETS = {
  cost: {
    dimensions: ['user', 'team', 'department', 'costCenter', 'model', 'querySource', 'agent', 'skill', 'plugin', 'mcpServer'],
    measures: ['costUsd', 'requests', 'inputTokens', 'outputTokens', 'cacheReadTokens', 'cacheCreationTokens', 'cacheSavingsUsd'],
    derived: ['activeUserDays', 'costPerActiveUserDay'],
  },
  adoption: {
    dimensions: ['user', 'team', 'department', 'costCenter', 'version'],
    measures: [
      'activeUsers',
      'activeUserDays',
      'sessions',
      'prompts',
      'promptsPerUser',
      'activeTimeUserSeconds',
      'activeTimeCliSeconds',
      'linesAdded',
      'linesRemoved',
      'commits',
      'pullRequests',
      'editAccepts',
      'editRejects',
      'editAcceptRate',
    ],
    derived: [],
  },
  tools: {
    dimensions: ['user', 'team', 'department', 'costCenter', 'tool', 'toolSource', 'decision', 'source', 'command', 'mcpServer', 'mcpTool'],
    measures: ['decisions', 'accepts', 'rejects', 'policyDenials', 'hookRejects', 'userRejects', 'userAborts', 'policyDenialRate', 'results', 'failures'],
    derived: [],
  },
} as const

export type DatasetName = keyof typeof DATASETS
export type Dimension<D extends DatasetName> = (typeof DATASETS)[D]['dimensions'][number]
export type Measure<D extends DatasetName> = (typeof DATASETS)[D]['measures'][number]
/** Figures joined from another dataset after the query: in the response, not sortable. */
export type Derived<D extends DatasetName> = (typeof DATASETS)[D]['derived'][number]
export type AnyDimension = Dimension<DatasetName>

/** Dimensions every dataset has: the filters the summary and the drill-down accept. */
export const COMMON_DIMENSIONS = ['user', 'team', 'department', 'costCenter'] as const

/** What the Cost page's attribution card groups by (GET /api/v1/attribution `by`). */
export const ATTRIBUTION_BY = ['repository', 'workflow', 'entrypoint'] as const
