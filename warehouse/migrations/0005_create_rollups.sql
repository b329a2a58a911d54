-- Rollups that the analytics API reads (warehouse/RULES.md, "Rollups"): 15-minute buckets, so that a day
-- in any time zone (every UTC offset is a multiple of 15 minutes) is a whole number of buckets.
-- Each rollup is filled by materialized views on the raw tables and backfilled here from the rows already
-- stored. Backfill order (truncate, insert, then create the view) keeps a repeated run exact; migrations
-- run before the collector accepts data, so no insert can slip between the backfill and the view.

-- Cost and tokens from api_request events.
CREATE TABLE IF NOT EXISTS usage_events_15m
(
    bucket                DateTime('UTC'),
    team_id               LowCardinality(String),
    user_key              String,
    model                 LowCardinality(String),
    query_source          LowCardinality(String),
    agent_name            LowCardinality(String),
    skill_name            LowCardinality(String),
    plugin_name           LowCardinality(String),
    mcp_server_name       LowCardinality(String),
    department            LowCardinality(String),
    cost_center           LowCardinality(String),
    requests              UInt64,
    cost_usd              Float64,
    input_tokens          UInt64,
    output_tokens         UInt64,
    cache_read_tokens     UInt64,
    cache_creation_tokens UInt64
)
ENGINE = SummingMergeTree
PARTITION BY toYYYYMM(bucket)
ORDER BY (bucket, team_id, user_key, model, query_source, agent_name, skill_name, plugin_name, mcp_server_name, department, cost_center);

TRUNCATE TABLE usage_events_15m;

INSERT INTO usage_events_15m
SELECT
    toStartOfFifteenMinutes(timestamp) AS bucket, team_id, user_key, model, query_source,
    attributes['agent.name'] AS agent_name, attributes['skill.name'] AS skill_name,
    attributes['plugin.name'] AS plugin_name, attributes['mcp_server.name'] AS mcp_server_name,
    department, cost_center,
    count() AS requests, sum(cost_usd) AS cost_usd, sum(input_tokens) AS input_tokens, sum(output_tokens) AS output_tokens,
    sum(cache_read_tokens) AS cache_read_tokens, sum(cache_creation_tokens) AS cache_creation_tokens
FROM events
WHERE event_name = 'api_request'
GROUP BY bucket, team_id, user_key, model, query_source, agent_name, skill_name, plugin_name, mcp_server_name, department, cost_center;

CREATE MATERIALIZED VIEW IF NOT EXISTS usage_events_15m_mv TO usage_events_15m AS
SELECT
    toStartOfFifteenMinutes(timestamp) AS bucket, team_id, user_key, model, query_source,
    attributes['agent.name'] AS agent_name, attributes['skill.name'] AS skill_name,
    attributes['plugin.name'] AS plugin_name, attributes['mcp_server.name'] AS mcp_server_name,
    department, cost_center,
    count() AS requests, sum(cost_usd) AS cost_usd, sum(input_tokens) AS input_tokens, sum(output_tokens) AS output_tokens,
    sum(cache_read_tokens) AS cache_read_tokens, sum(cache_creation_tokens) AS cache_creation_tokens
FROM events
WHERE event_name = 'api_request'
GROUP BY bucket, team_id, user_key, model, query_source, agent_name, skill_name, plugin_name, mcp_server_name, department, cost_center;

-- Cost and tokens from claude_code.cost.usage / token.usage points, per session: a query counts them only
-- for sessions (or, without session.id, user-days) that sent no api_request event (usage_event_coverage).
CREATE TABLE IF NOT EXISTS usage_metrics_15m
(
    bucket                DateTime('UTC'),
    team_id               LowCardinality(String),
    user_key              String,
    session_id            String,
    model                 LowCardinality(String),
    query_source          LowCardinality(String),
    agent_name            LowCardinality(String),
    skill_name            LowCardinality(String),
    plugin_name           LowCardinality(String),
    mcp_server_name       LowCardinality(String),
    department            LowCardinality(String),
    cost_center           LowCardinality(String),
    cost_usd              Float64,
    input_tokens          UInt64,
    output_tokens         UInt64,
    cache_read_tokens     UInt64,
    cache_creation_tokens UInt64
)
ENGINE = SummingMergeTree
PARTITION BY toYYYYMM(bucket)
ORDER BY (bucket, team_id, user_key, session_id, model, query_source, agent_name, skill_name, plugin_name, mcp_server_name, department, cost_center);

TRUNCATE TABLE usage_metrics_15m;

INSERT INTO usage_metrics_15m
SELECT
    toStartOfFifteenMinutes(timestamp) AS bucket, team_id, user_key, session_id, model, query_source,
    attributes['agent.name'] AS agent_name, attributes['skill.name'] AS skill_name,
    attributes['plugin.name'] AS plugin_name, attributes['mcp_server.name'] AS mcp_server_name,
    department, cost_center,
    sumIf(delta, metric_name = 'claude_code.cost.usage') AS cost_usd,
    sumIf(toUInt64(greatest(delta, 0)), metric_name = 'claude_code.token.usage' AND type = 'input') AS input_tokens,
    sumIf(toUInt64(greatest(delta, 0)), metric_name = 'claude_code.token.usage' AND type = 'output') AS output_tokens,
    sumIf(toUInt64(greatest(delta, 0)), metric_name = 'claude_code.token.usage' AND type = 'cacheRead') AS cache_read_tokens,
    sumIf(toUInt64(greatest(delta, 0)), metric_name = 'claude_code.token.usage' AND type = 'cacheCreation') AS cache_creation_tokens
FROM metric_points
WHERE metric_name IN ('claude_code.cost.usage', 'claude_code.token.usage')
GROUP BY bucket, team_id, user_key, session_id, model, query_source, agent_name, skill_name, plugin_name, mcp_server_name, department, cost_center;

CREATE MATERIALIZED VIEW IF NOT EXISTS usage_metrics_15m_mv TO usage_metrics_15m AS
SELECT
    toStartOfFifteenMinutes(timestamp) AS bucket, team_id, user_key, session_id, model, query_source,
    attributes['agent.name'] AS agent_name, attributes['skill.name'] AS skill_name,
    attributes['plugin.name'] AS plugin_name, attributes['mcp_server.name'] AS mcp_server_name,
    department, cost_center,
    sumIf(delta, metric_name = 'claude_code.cost.usage') AS cost_usd,
    sumIf(toUInt64(greatest(delta, 0)), metric_name = 'claude_code.token.usage' AND type = 'input') AS input_tokens,
    sumIf(toUInt64(greatest(delta, 0)), metric_name = 'claude_code.token.usage' AND type = 'output') AS output_tokens,
    sumIf(toUInt64(greatest(delta, 0)), metric_name = 'claude_code.token.usage' AND type = 'cacheRead') AS cache_read_tokens,
    sumIf(toUInt64(greatest(delta, 0)), metric_name = 'claude_code.token.usage' AND type = 'cacheCreation') AS cache_creation_tokens
FROM metric_points
WHERE metric_name IN ('claude_code.cost.usage', 'claude_code.token.usage')
GROUP BY bucket, team_id, user_key, session_id, model, query_source, agent_name, skill_name, plugin_name, mcp_server_name, department, cost_center;

-- Adoption: every event and metric point, per user and session (users and sessions are distinct over both).
CREATE TABLE IF NOT EXISTS activity_15m
(
    bucket          DateTime('UTC'),
    team_id         LowCardinality(String),
    user_key        String,
    session_id      String,
    department      LowCardinality(String),
    cost_center     LowCardinality(String),
    service_version LowCardinality(String),
    events          UInt64,
    prompts         UInt64,
    metric_points   UInt64,
    sessions_started Float64 COMMENT 'claude_code.session.count',
    active_user_s   Float64 COMMENT 'claude_code.active_time.total, type=user',
    active_cli_s    Float64 COMMENT 'claude_code.active_time.total, type=cli',
    lines_added     Float64,
    lines_removed   Float64,
    commits         Float64,
    pull_requests   Float64,
    edit_accepts    Float64 COMMENT 'claude_code.code_edit_tool.decision, decision=accept',
    edit_rejects    Float64 COMMENT 'claude_code.code_edit_tool.decision, decision=reject'
)
ENGINE = SummingMergeTree
PARTITION BY toYYYYMM(bucket)
ORDER BY (bucket, team_id, user_key, session_id, department, cost_center, service_version);

TRUNCATE TABLE activity_15m;

INSERT INTO activity_15m (bucket, team_id, user_key, session_id, department, cost_center, service_version, events, prompts)
SELECT toStartOfFifteenMinutes(timestamp) AS bucket, team_id, user_key, session_id, department, cost_center, service_version,
    count() AS events, countIf(event_name = 'user_prompt') AS prompts
FROM events
GROUP BY bucket, team_id, user_key, session_id, department, cost_center, service_version;

INSERT INTO activity_15m (bucket, team_id, user_key, session_id, department, cost_center, service_version, metric_points,
    sessions_started, active_user_s, active_cli_s, lines_added, lines_removed, commits, pull_requests, edit_accepts, edit_rejects)
SELECT toStartOfFifteenMinutes(timestamp) AS bucket, team_id, user_key, session_id, department, cost_center, service_version,
    count() AS metric_points,
    sumIf(delta, metric_name = 'claude_code.session.count') AS sessions_started,
    sumIf(delta, metric_name = 'claude_code.active_time.total' AND type = 'user') AS active_user_s,
    sumIf(delta, metric_name = 'claude_code.active_time.total' AND type = 'cli') AS active_cli_s,
    sumIf(delta, metric_name = 'claude_code.lines_of_code.count' AND type = 'added') AS lines_added,
    sumIf(delta, metric_name = 'claude_code.lines_of_code.count' AND type = 'removed') AS lines_removed,
    sumIf(delta, metric_name = 'claude_code.commit.count') AS commits,
    sumIf(delta, metric_name = 'claude_code.pull_request.count') AS pull_requests,
    sumIf(delta, metric_name = 'claude_code.code_edit_tool.decision' AND decision = 'accept') AS edit_accepts,
    sumIf(delta, metric_name = 'claude_code.code_edit_tool.decision' AND decision = 'reject') AS edit_rejects
FROM metric_points
GROUP BY bucket, team_id, user_key, session_id, department, cost_center, service_version;

CREATE MATERIALIZED VIEW IF NOT EXISTS activity_15m_events_mv TO activity_15m AS
SELECT toStartOfFifteenMinutes(timestamp) AS bucket, team_id, user_key, session_id, department, cost_center, service_version,
    count() AS events, countIf(event_name = 'user_prompt') AS prompts
FROM events
GROUP BY bucket, team_id, user_key, session_id, department, cost_center, service_version;

CREATE MATERIALIZED VIEW IF NOT EXISTS activity_15m_metrics_mv TO activity_15m AS
SELECT toStartOfFifteenMinutes(timestamp) AS bucket, team_id, user_key, session_id, department, cost_center, service_version,
    count() AS metric_points,
    sumIf(delta, metric_name = 'claude_code.session.count') AS sessions_started,
    sumIf(delta, metric_name = 'claude_code.active_time.total' AND type = 'user') AS active_user_s,
    sumIf(delta, metric_name = 'claude_code.active_time.total' AND type = 'cli') AS active_cli_s,
    sumIf(delta, metric_name = 'claude_code.lines_of_code.count' AND type = 'added') AS lines_added,
    sumIf(delta, metric_name = 'claude_code.lines_of_code.count' AND type = 'removed') AS lines_removed,
    sumIf(delta, metric_name = 'claude_code.commit.count') AS commits,
    sumIf(delta, metric_name = 'claude_code.pull_request.count') AS pull_requests,
    sumIf(delta, metric_name = 'claude_code.code_edit_tool.decision' AND decision = 'accept') AS edit_accepts,
    sumIf(delta, metric_name = 'claude_code.code_edit_tool.decision' AND decision = 'reject') AS edit_rejects
FROM metric_points
GROUP BY bucket, team_id, user_key, session_id, department, cost_center, service_version;

-- Tools: tool_decision and tool_result events, with the command or MCP server from tool_parameters
-- (present when the fleet sets OTEL_LOG_TOOL_DETAILS=1).
CREATE TABLE IF NOT EXISTS tools_15m
(
    bucket          DateTime('UTC'),
    team_id         LowCardinality(String),
    user_key        String,
    tool_name       LowCardinality(String),
    tool_source     LowCardinality(String),
    decision        LowCardinality(String),
    source          LowCardinality(String),
    command         LowCardinality(String) COMMENT 'tool_parameters.bash_command',
    mcp_server      LowCardinality(String) COMMENT 'tool_parameters.mcp_server_name',
    mcp_tool        LowCardinality(String) COMMENT 'tool_parameters.mcp_tool_name',
    department      LowCardinality(String),
    cost_center     LowCardinality(String),
    decisions       UInt64,
    results         UInt64,
    failures        UInt64 COMMENT 'tool_result with success=false',
    duration_ms     Float64 COMMENT 'tool_result duration_ms, summed'
)
ENGINE = SummingMergeTree
PARTITION BY toYYYYMM(bucket)
ORDER BY (bucket, team_id, user_key, tool_name, tool_source, decision, source, command, mcp_server, mcp_tool, department, cost_center);

TRUNCATE TABLE tools_15m;

INSERT INTO tools_15m
SELECT toStartOfFifteenMinutes(timestamp) AS bucket, team_id, user_key, tool_name, tool_source, decision, source,
    JSONExtractString(attributes['tool_parameters'], 'bash_command') AS command,
    JSONExtractString(attributes['tool_parameters'], 'mcp_server_name') AS mcp_server,
    JSONExtractString(attributes['tool_parameters'], 'mcp_tool_name') AS mcp_tool,
    department, cost_center,
    countIf(event_name = 'tool_decision') AS decisions,
    countIf(event_name = 'tool_result') AS results,
    countIf(event_name = 'tool_result' AND attributes['success'] = 'false') AS failures,
    sumIf(duration_ms, event_name = 'tool_result') AS duration_ms
FROM events
WHERE event_name IN ('tool_decision', 'tool_result')
GROUP BY bucket, team_id, user_key, tool_name, tool_source, decision, source, command, mcp_server, mcp_tool, department, cost_center;

CREATE MATERIALIZED VIEW IF NOT EXISTS tools_15m_mv TO tools_15m AS
SELECT toStartOfFifteenMinutes(timestamp) AS bucket, team_id, user_key, tool_name, tool_source, decision, source,
    JSONExtractString(attributes['tool_parameters'], 'bash_command') AS command,
    JSONExtractString(attributes['tool_parameters'], 'mcp_server_name') AS mcp_server,
    JSONExtractString(attributes['tool_parameters'], 'mcp_tool_name') AS mcp_tool,
    department, cost_center,
    countIf(event_name = 'tool_decision') AS decisions,
    countIf(event_name = 'tool_result') AS results,
    countIf(event_name = 'tool_result' AND attributes['success'] = 'false') AS failures,
    sumIf(duration_ms, event_name = 'tool_result') AS duration_ms
FROM events
WHERE event_name IN ('tool_decision', 'tool_result')
GROUP BY bucket, team_id, user_key, tool_name, tool_source, decision, source, command, mcp_server, mcp_tool, department, cost_center;
