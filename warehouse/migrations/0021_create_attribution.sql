-- Cost by repository, workflow run and entrypoint (docs/attribution.md): api_request cost per UTC day, user and
-- the attributes Claude Code (or the deployment, through OTEL_RESOURCE_ATTRIBUTES) puts on each request:
--   repository: vcs.repository.url.full, else vcs.repository.name (OTEL_METRICS_INCLUDE_REPOSITORY=true, v2.1.269+)
--   workflow:   workflow.run_id / workflow.name (agents of a Workflow tool run), else the CI run a deployment names
--               with the OpenTelemetry CI/CD conventions cicd.pipeline.run.id / cicd.pipeline.name
--   entrypoint: app.entrypoint (cli, sdk-ts, claude-vscode, …)
-- Each is read from the record's attributes, else its resource's. Events only: cost that reached ccscope only as
-- metrics (sessions with no api_request) is not attributable here and is stated apart in the answer.
CREATE TABLE IF NOT EXISTS attribution_1d
(
    day           Date COMMENT 'UTC day',
    user_key      String,
    repository    LowCardinality(String),
    workflow_run  String,
    workflow_name LowCardinality(String),
    entrypoint    LowCardinality(String),
    requests      SimpleAggregateFunction(sum, UInt64),
    cost_usd      SimpleAggregateFunction(sum, Float64),
    sessions      AggregateFunction(uniqExact, String)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (day, repository, workflow_run, workflow_name, entrypoint, user_key);

TRUNCATE TABLE attribution_1d;

INSERT INTO attribution_1d
SELECT toDate(timestamp) AS day, user_key,
    multiIf(attributes['vcs.repository.url.full'] != '', attributes['vcs.repository.url.full'],
            resource_attributes['vcs.repository.url.full'] != '', resource_attributes['vcs.repository.url.full'],
            attributes['vcs.repository.name'] != '', attributes['vcs.repository.name'], resource_attributes['vcs.repository.name']) AS repository,
    multiIf(attributes['workflow.run_id'] != '', attributes['workflow.run_id'],
            resource_attributes['workflow.run_id'] != '', resource_attributes['workflow.run_id'],
            attributes['cicd.pipeline.run.id'] != '', attributes['cicd.pipeline.run.id'], resource_attributes['cicd.pipeline.run.id']) AS workflow_run,
    multiIf(attributes['workflow.name'] != '', attributes['workflow.name'],
            resource_attributes['workflow.name'] != '', resource_attributes['workflow.name'],
            attributes['cicd.pipeline.name'] != '', attributes['cicd.pipeline.name'], resource_attributes['cicd.pipeline.name']) AS workflow_name,
    if(attributes['app.entrypoint'] != '', attributes['app.entrypoint'], resource_attributes['app.entrypoint']) AS entrypoint,
    count(), sum(cost_usd), uniqExactState(session_id)
FROM events
WHERE event_name = 'api_request'
GROUP BY day, user_key, repository, workflow_run, workflow_name, entrypoint;

CREATE MATERIALIZED VIEW IF NOT EXISTS attribution_1d_mv TO attribution_1d AS
SELECT toDate(timestamp) AS day, user_key,
    multiIf(attributes['vcs.repository.url.full'] != '', attributes['vcs.repository.url.full'],
            resource_attributes['vcs.repository.url.full'] != '', resource_attributes['vcs.repository.url.full'],
            attributes['vcs.repository.name'] != '', attributes['vcs.repository.name'], resource_attributes['vcs.repository.name']) AS repository,
    multiIf(attributes['workflow.run_id'] != '', attributes['workflow.run_id'],
            resource_attributes['workflow.run_id'] != '', resource_attributes['workflow.run_id'],
            attributes['cicd.pipeline.run.id'] != '', attributes['cicd.pipeline.run.id'], resource_attributes['cicd.pipeline.run.id']) AS workflow_run,
    multiIf(attributes['workflow.name'] != '', attributes['workflow.name'],
            resource_attributes['workflow.name'] != '', resource_attributes['workflow.name'],
            attributes['cicd.pipeline.name'] != '', attributes['cicd.pipeline.name'], resource_attributes['cicd.pipeline.name']) AS workflow_name,
    if(attributes['app.entrypoint'] != '', attributes['app.entrypoint'], resource_attributes['app.entrypoint']) AS entrypoint,
    count() AS requests, sum(cost_usd) AS cost_usd, uniqExactState(session_id) AS sessions
FROM events
WHERE event_name = 'api_request'
GROUP BY day, user_key, repository, workflow_run, workflow_name, entrypoint;
