-- Rollups shaped for the pages (warehouse/RULES.md, "Rollups"): every family in three tiers, 15 minutes,
-- 1 hour and 1 day (UTC), so that a query reads the coarsest rows that still fall inside its range and
-- periods (dashboard/api/tiers.ts). Distinct sessions are uniq states per user and bucket instead of a row
-- per session. The 1 h tier is fed from the 15 min one and the 1 d tier from the 1 h one (chained views:
-- an insert aggregates its own small block once more, nothing reads back).
--
-- Families and their tiers:
--   user_activity_15m / _1h / _1d   per user: every event and metric point, sessions, adoption metrics,
--                                    tool decisions pivoted into counters (new; fed from events and metric_points)
--   usage_events_15m / _1h / _1d     cost from api_request events, every attribution dimension (15m exists, 0005)
--   usage_by_model_1h / _1d          the same without agent, skill, plugin and MCP server (its 15m tier is
--                                    usage_events_15m: the few 15-minute edges a query needs read the wide rows)
--   tools_15m / _1h / _1d            tool decisions and results by tool, decision, source, command, MCP (15m exists, 0005)
--   usage_metric_candidates_15m      cost/token metric points of sessions no api_request covered when they
--                                    were written (the writer marks them: metric_points.usage_candidate)
--   sessions                         one row per session and user (merged at read time): drill-down
--
-- Backfill order: create the tables and the chained views (15 min → 1 h → 1 d), truncate every tier, fill the
-- finest from what is stored (the old rollups where they hold the same figures, so history past the raw
-- retention is kept) and let the chained views fill the rest, then create the views from the raw tables.
-- Repeated after a crash, it gives the same rows. Migrations run before the collector accepts data, so no
-- insert falls between a backfill and its view.

-- The writer's mark (collector/writer/orphans.ts): this cost/token point's session (or, without session.id,
-- user-day) had no api_request event stored when the point was written.
ALTER TABLE metric_points ADD COLUMN IF NOT EXISTS usage_candidate UInt8 DEFAULT 0 COMMENT 'cost/token point of a session (or user-day) no api_request event covered when written';

ALTER TABLE metric_points UPDATE usage_candidate = 1
WHERE metric_name IN ('claude_code.cost.usage', 'claude_code.token.usage') AND usage_candidate = 0
  AND if(session_id != '',
         session_id IN (SELECT session_id FROM usage_metric_orphans WHERE session_id != ''),
         (user_key, toDate(timestamp)) IN (SELECT user_key, day FROM usage_metric_orphans WHERE session_id = ''))
SETTINGS mutations_sync = 2;

-- ---------------------------------------------------------------------------------------------------------
-- user_activity: one row per bucket and user (and the telemetry's team, department, cost center, version).

CREATE TABLE IF NOT EXISTS user_activity_15m
(
    bucket           DateTime('UTC'),
    user_key         String,
    team_id          LowCardinality(String),
    department       LowCardinality(String),
    cost_center      LowCardinality(String),
    service_version  LowCardinality(String),
    first_seen       SimpleAggregateFunction(min, DateTime('UTC')) COMMENT 'earliest record time in the bucket (to the second)',
    last_seen        SimpleAggregateFunction(max, DateTime('UTC')) COMMENT 'latest record time in the bucket',
    events           SimpleAggregateFunction(sum, UInt64),
    prompts          SimpleAggregateFunction(sum, UInt64),
    metric_points    SimpleAggregateFunction(sum, UInt64),
    sessions         AggregateFunction(uniq, String) COMMENT 'distinct non-empty session ids (uniq: exact below 65 536 per result cell, see RULES.md)',
    sessions_started SimpleAggregateFunction(sum, Float64) COMMENT 'claude_code.session.count',
    active_user_s    SimpleAggregateFunction(sum, Float64) COMMENT 'claude_code.active_time.total, type=user',
    active_cli_s     SimpleAggregateFunction(sum, Float64) COMMENT 'claude_code.active_time.total, type=cli',
    lines_added      SimpleAggregateFunction(sum, Float64),
    lines_removed    SimpleAggregateFunction(sum, Float64),
    commits          SimpleAggregateFunction(sum, Float64),
    pull_requests    SimpleAggregateFunction(sum, Float64),
    edit_accepts     SimpleAggregateFunction(sum, Float64) COMMENT 'claude_code.code_edit_tool.decision, decision=accept',
    edit_rejects     SimpleAggregateFunction(sum, Float64) COMMENT 'claude_code.code_edit_tool.decision, decision=reject',
    decisions        SimpleAggregateFunction(sum, UInt64) COMMENT 'tool_decision events',
    accepts          SimpleAggregateFunction(sum, UInt64),
    rejects          SimpleAggregateFunction(sum, UInt64),
    policy_denials   SimpleAggregateFunction(sum, UInt64) COMMENT 'reject with source=config',
    hook_rejects     SimpleAggregateFunction(sum, UInt64) COMMENT 'reject with source=hook',
    user_rejects     SimpleAggregateFunction(sum, UInt64) COMMENT 'reject with source=user_reject',
    user_aborts      SimpleAggregateFunction(sum, UInt64) COMMENT 'reject with source=user_abort',
    tool_results     SimpleAggregateFunction(sum, UInt64) COMMENT 'tool_result events',
    tool_failures    SimpleAggregateFunction(sum, UInt64) COMMENT 'tool_result with success=false'
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(bucket)
ORDER BY (bucket, user_key, team_id, department, cost_center, service_version);

CREATE TABLE IF NOT EXISTS user_activity_1h AS user_activity_15m;
CREATE TABLE IF NOT EXISTS user_activity_1d AS user_activity_15m;

-- The chained views first: the backfill of the 15 min tier below fills the coarser ones through them, so that
-- a repeated run (truncate, backfill) gives the same rows.
CREATE MATERIALIZED VIEW IF NOT EXISTS user_activity_1h_mv TO user_activity_1h AS
SELECT toStartOfHour(bucket) AS bucket, user_key, team_id, department, cost_center, service_version, min(first_seen) AS first_seen,
    max(last_seen) AS last_seen, sum(events) AS events, sum(prompts) AS prompts, sum(metric_points) AS metric_points, uniqMergeState(sessions) AS sessions,
    sum(sessions_started) AS sessions_started, sum(active_user_s) AS active_user_s, sum(active_cli_s) AS active_cli_s,
    sum(lines_added) AS lines_added, sum(lines_removed) AS lines_removed, sum(commits) AS commits, sum(pull_requests) AS pull_requests,
    sum(edit_accepts) AS edit_accepts, sum(edit_rejects) AS edit_rejects, sum(decisions) AS decisions, sum(accepts) AS accepts,
    sum(rejects) AS rejects, sum(policy_denials) AS policy_denials, sum(hook_rejects) AS hook_rejects, sum(user_rejects) AS user_rejects,
    sum(user_aborts) AS user_aborts, sum(tool_results) AS tool_results, sum(tool_failures) AS tool_failures
FROM user_activity_15m
GROUP BY bucket, user_key, team_id, department, cost_center, service_version;

CREATE MATERIALIZED VIEW IF NOT EXISTS user_activity_1d_mv TO user_activity_1d AS
SELECT toStartOfDay(bucket) AS bucket, user_key, team_id, department, cost_center, service_version, min(first_seen) AS first_seen,
    max(last_seen) AS last_seen, sum(events) AS events, sum(prompts) AS prompts, sum(metric_points) AS metric_points, uniqMergeState(sessions) AS sessions,
    sum(sessions_started) AS sessions_started, sum(active_user_s) AS active_user_s, sum(active_cli_s) AS active_cli_s,
    sum(lines_added) AS lines_added, sum(lines_removed) AS lines_removed, sum(commits) AS commits, sum(pull_requests) AS pull_requests,
    sum(edit_accepts) AS edit_accepts, sum(edit_rejects) AS edit_rejects, sum(decisions) AS decisions, sum(accepts) AS accepts,
    sum(rejects) AS rejects, sum(policy_denials) AS policy_denials, sum(hook_rejects) AS hook_rejects, sum(user_rejects) AS user_rejects,
    sum(user_aborts) AS user_aborts, sum(tool_results) AS tool_results, sum(tool_failures) AS tool_failures
FROM user_activity_1h
GROUP BY bucket, user_key, team_id, department, cost_center, service_version;

TRUNCATE TABLE user_activity_15m;
TRUNCATE TABLE user_activity_1h;
TRUNCATE TABLE user_activity_1d;

-- From activity_15m (a row per session and bucket) and tools_15m (tool rows carry no version: they go in
-- with an empty one and no events, which the queries' "active" condition, events + metric_points > 0,
-- leaves out of user counts; their events are already counted in activity_15m's rows).
INSERT INTO user_activity_15m (bucket, user_key, team_id, department, cost_center, service_version, first_seen, last_seen, events, prompts,
    metric_points, sessions, sessions_started, active_user_s, active_cli_s, lines_added, lines_removed, commits, pull_requests, edit_accepts, edit_rejects)
SELECT bucket, user_key, team_id, department, cost_center, service_version, bucket, bucket + INTERVAL 899 SECOND, sum(events), sum(prompts), sum(metric_points),
    uniqStateIf(session_id, session_id != ''), sum(sessions_started), sum(active_user_s), sum(active_cli_s), sum(lines_added),
    sum(lines_removed), sum(commits), sum(pull_requests), sum(edit_accepts), sum(edit_rejects)
FROM activity_15m
GROUP BY bucket, user_key, team_id, department, cost_center, service_version;

INSERT INTO user_activity_15m (bucket, user_key, team_id, department, cost_center, service_version, first_seen, last_seen, sessions,
    decisions, accepts, rejects, policy_denials, hook_rejects, user_rejects, user_aborts, tool_results, tool_failures)
SELECT bucket, user_key, team_id, department, cost_center, '', bucket, bucket + INTERVAL 899 SECOND, uniqStateIf('', 0 = 1),
    sum(decisions), sumIf(decisions, decision = 'accept'), sumIf(decisions, decision = 'reject'),
    sumIf(decisions, decision = 'reject' AND source = 'config'), sumIf(decisions, decision = 'reject' AND source = 'hook'),
    sumIf(decisions, decision = 'reject' AND source = 'user_reject'), sumIf(decisions, decision = 'reject' AND source = 'user_abort'),
    sum(results), sum(failures)
FROM tools_15m
GROUP BY bucket, user_key, team_id, department, cost_center;

CREATE MATERIALIZED VIEW IF NOT EXISTS user_activity_15m_events_mv TO user_activity_15m AS
SELECT toStartOfFifteenMinutes(timestamp) AS bucket, user_key, team_id, department, cost_center, service_version,
    min(toDateTime(timestamp)) AS first_seen, max(toDateTime(timestamp)) AS last_seen, count() AS events, countIf(event_name = 'user_prompt') AS prompts, uniqStateIf(session_id, session_id != '') AS sessions,
    countIf(event_name = 'tool_decision') AS decisions,
    countIf(event_name = 'tool_decision' AND decision = 'accept') AS accepts,
    countIf(event_name = 'tool_decision' AND decision = 'reject') AS rejects,
    countIf(event_name = 'tool_decision' AND decision = 'reject' AND source = 'config') AS policy_denials,
    countIf(event_name = 'tool_decision' AND decision = 'reject' AND source = 'hook') AS hook_rejects,
    countIf(event_name = 'tool_decision' AND decision = 'reject' AND source = 'user_reject') AS user_rejects,
    countIf(event_name = 'tool_decision' AND decision = 'reject' AND source = 'user_abort') AS user_aborts,
    countIf(event_name = 'tool_result') AS tool_results,
    countIf(event_name = 'tool_result' AND attributes['success'] = 'false') AS tool_failures
FROM events
GROUP BY bucket, user_key, team_id, department, cost_center, service_version;

CREATE MATERIALIZED VIEW IF NOT EXISTS user_activity_15m_metrics_mv TO user_activity_15m AS
SELECT toStartOfFifteenMinutes(timestamp) AS bucket, user_key, team_id, department, cost_center, service_version,
    min(toDateTime(timestamp)) AS first_seen, max(toDateTime(timestamp)) AS last_seen, count() AS metric_points, uniqStateIf(session_id, session_id != '') AS sessions,
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
GROUP BY bucket, user_key, team_id, department, cost_center, service_version;

-- ---------------------------------------------------------------------------------------------------------
-- Cost from api_request events: usage_events_15m (0005) gets 1 h and 1 d tiers; usage_by_model_* drop the
-- attribution dimensions most queries do not use.

CREATE TABLE IF NOT EXISTS usage_events_1h AS usage_events_15m;
CREATE TABLE IF NOT EXISTS usage_events_1d AS usage_events_15m;

CREATE TABLE IF NOT EXISTS usage_by_model_1h
(
    bucket                DateTime('UTC'),
    user_key              String,
    team_id               LowCardinality(String),
    department            LowCardinality(String),
    cost_center           LowCardinality(String),
    model                 LowCardinality(String),
    query_source          LowCardinality(String),
    requests              UInt64,
    cost_usd              Float64,
    input_tokens          UInt64,
    output_tokens         UInt64,
    cache_read_tokens     UInt64,
    cache_creation_tokens UInt64
)
ENGINE = SummingMergeTree
PARTITION BY toYYYYMM(bucket)
ORDER BY (bucket, user_key, team_id, department, cost_center, model, query_source);

CREATE TABLE IF NOT EXISTS usage_by_model_1d AS usage_by_model_1h;

CREATE MATERIALIZED VIEW IF NOT EXISTS usage_events_1h_mv TO usage_events_1h AS
SELECT toStartOfHour(bucket) AS bucket, team_id, user_key, model, query_source, agent_name, skill_name, plugin_name, mcp_server_name,
    department, cost_center, sum(requests) AS requests, sum(cost_usd) AS cost_usd, sum(input_tokens) AS input_tokens,
    sum(output_tokens) AS output_tokens, sum(cache_read_tokens) AS cache_read_tokens, sum(cache_creation_tokens) AS cache_creation_tokens
FROM usage_events_15m
GROUP BY bucket, team_id, user_key, model, query_source, agent_name, skill_name, plugin_name, mcp_server_name, department, cost_center;

CREATE MATERIALIZED VIEW IF NOT EXISTS usage_events_1d_mv TO usage_events_1d AS
SELECT toStartOfDay(bucket) AS bucket, team_id, user_key, model, query_source, agent_name, skill_name, plugin_name, mcp_server_name,
    department, cost_center, sum(requests) AS requests, sum(cost_usd) AS cost_usd, sum(input_tokens) AS input_tokens,
    sum(output_tokens) AS output_tokens, sum(cache_read_tokens) AS cache_read_tokens, sum(cache_creation_tokens) AS cache_creation_tokens
FROM usage_events_1h
GROUP BY bucket, team_id, user_key, model, query_source, agent_name, skill_name, plugin_name, mcp_server_name, department, cost_center;

CREATE MATERIALIZED VIEW IF NOT EXISTS usage_by_model_1h_mv TO usage_by_model_1h AS
SELECT toStartOfHour(bucket) AS bucket, user_key, team_id, department, cost_center, model, query_source, sum(requests) AS requests,
    sum(cost_usd) AS cost_usd, sum(input_tokens) AS input_tokens, sum(output_tokens) AS output_tokens,
    sum(cache_read_tokens) AS cache_read_tokens, sum(cache_creation_tokens) AS cache_creation_tokens
FROM usage_events_15m
GROUP BY bucket, user_key, team_id, department, cost_center, model, query_source;

CREATE MATERIALIZED VIEW IF NOT EXISTS usage_by_model_1d_mv TO usage_by_model_1d AS
SELECT toStartOfDay(bucket) AS bucket, user_key, team_id, department, cost_center, model, query_source, sum(requests) AS requests,
    sum(cost_usd) AS cost_usd, sum(input_tokens) AS input_tokens, sum(output_tokens) AS output_tokens,
    sum(cache_read_tokens) AS cache_read_tokens, sum(cache_creation_tokens) AS cache_creation_tokens
FROM usage_by_model_1h
GROUP BY bucket, user_key, team_id, department, cost_center, model, query_source;

TRUNCATE TABLE usage_events_1h;
TRUNCATE TABLE usage_events_1d;
TRUNCATE TABLE usage_by_model_1h;
TRUNCATE TABLE usage_by_model_1d;

-- Through the chained views: the 1 h inserts fill the 1 d tiers.
INSERT INTO usage_events_1h
SELECT toStartOfHour(bucket) AS bucket, team_id, user_key, model, query_source, agent_name, skill_name, plugin_name, mcp_server_name,
    department, cost_center, sum(requests), sum(cost_usd), sum(input_tokens), sum(output_tokens), sum(cache_read_tokens), sum(cache_creation_tokens)
FROM usage_events_15m
GROUP BY bucket, team_id, user_key, model, query_source, agent_name, skill_name, plugin_name, mcp_server_name, department, cost_center;

INSERT INTO usage_by_model_1h
SELECT toStartOfHour(bucket) AS bucket, user_key, team_id, department, cost_center, model, query_source, sum(requests), sum(cost_usd),
    sum(input_tokens), sum(output_tokens), sum(cache_read_tokens), sum(cache_creation_tokens)
FROM usage_events_15m
GROUP BY bucket, user_key, team_id, department, cost_center, model, query_source;

-- ---------------------------------------------------------------------------------------------------------
-- Tools: tools_15m (0005) gets 1 h and 1 d tiers.

CREATE TABLE IF NOT EXISTS tools_1h AS tools_15m;
CREATE TABLE IF NOT EXISTS tools_1d AS tools_15m;

CREATE MATERIALIZED VIEW IF NOT EXISTS tools_1h_mv TO tools_1h AS
SELECT toStartOfHour(bucket) AS bucket, team_id, user_key, tool_name, tool_source, decision, source, command, mcp_server, mcp_tool,
    department, cost_center, sum(decisions) AS decisions, sum(results) AS results, sum(failures) AS failures, sum(duration_ms) AS duration_ms
FROM tools_15m
GROUP BY bucket, team_id, user_key, tool_name, tool_source, decision, source, command, mcp_server, mcp_tool, department, cost_center;

CREATE MATERIALIZED VIEW IF NOT EXISTS tools_1d_mv TO tools_1d AS
SELECT toStartOfDay(bucket) AS bucket, team_id, user_key, tool_name, tool_source, decision, source, command, mcp_server, mcp_tool,
    department, cost_center, sum(decisions) AS decisions, sum(results) AS results, sum(failures) AS failures, sum(duration_ms) AS duration_ms
FROM tools_1h
GROUP BY bucket, team_id, user_key, tool_name, tool_source, decision, source, command, mcp_server, mcp_tool, department, cost_center;

TRUNCATE TABLE tools_1h;
TRUNCATE TABLE tools_1d;

-- Through the chained view: the 1 h insert fills the 1 d tier.
INSERT INTO tools_1h
SELECT toStartOfHour(bucket) AS bucket, team_id, user_key, tool_name, tool_source, decision, source, command, mcp_server, mcp_tool,
    department, cost_center, sum(decisions), sum(results), sum(failures), sum(duration_ms)
FROM tools_15m
GROUP BY bucket, team_id, user_key, tool_name, tool_source, decision, source, command, mcp_server, mcp_tool, department, cost_center;

-- ---------------------------------------------------------------------------------------------------------
-- Cost and tokens from metric points that may count (warehouse/RULES.md, "Cost and tokens"): only the points
-- the writer marked as candidates, per session, so that a query checks each candidate session's coverage.

CREATE TABLE IF NOT EXISTS usage_metric_candidates_15m
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

TRUNCATE TABLE usage_metric_candidates_15m;

INSERT INTO usage_metric_candidates_15m
SELECT bucket, team_id, user_key, session_id, model, query_source, agent_name, skill_name, plugin_name, mcp_server_name, department,
    cost_center, cost_usd, input_tokens, output_tokens, cache_read_tokens, cache_creation_tokens
FROM usage_metrics_15m
WHERE if(session_id != '',
         session_id IN (SELECT session_id FROM usage_metric_orphans WHERE session_id != ''),
         (user_key, toDate(bucket)) IN (SELECT user_key, day FROM usage_metric_orphans WHERE session_id = ''));

CREATE MATERIALIZED VIEW IF NOT EXISTS usage_metric_candidates_15m_mv TO usage_metric_candidates_15m AS
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
WHERE usage_candidate = 1 AND metric_name IN ('claude_code.cost.usage', 'claude_code.token.usage')
GROUP BY bucket, team_id, user_key, session_id, model, query_source, agent_name, skill_name, plugin_name, mcp_server_name, department, cost_center;

-- ---------------------------------------------------------------------------------------------------------
-- Sessions: what a user's session list shows, one row per session and user once merged (queries group by
-- session). A row never spans two UTC days (the views group by day too), so that the writer's rebuild of a
-- day (collector/writer/rebuild.ts) replaces exactly that day's rows. Kept as long as the raw rows it
-- summarizes (CCSCOPE_RETENTION_RAW_DAYS).

CREATE TABLE IF NOT EXISTS sessions
(
    user_key      String,
    session_id    String,
    team_id       SimpleAggregateFunction(anyLast, LowCardinality(String)),
    started       SimpleAggregateFunction(min, DateTime64(3, 'UTC')),
    ended         SimpleAggregateFunction(max, DateTime64(3, 'UTC')),
    prompts       SimpleAggregateFunction(sum, UInt64),
    requests      SimpleAggregateFunction(sum, UInt64),
    event_cost    SimpleAggregateFunction(sum, Float64) COMMENT 'api_request cost',
    metric_cost   SimpleAggregateFunction(sum, Float64) COMMENT 'claude_code.cost.usage delta: counts when requests = 0',
    decisions     SimpleAggregateFunction(sum, UInt64),
    denials       SimpleAggregateFunction(sum, UInt64) COMMENT 'reject with source=config',
    INDEX idx_session session_id TYPE bloom_filter(0.01) GRANULARITY 1
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(started)
ORDER BY (user_key, session_id);

TRUNCATE TABLE sessions;

INSERT INTO sessions
SELECT user_key, session_id, any(team_id), min(timestamp), max(timestamp), countIf(event_name = 'user_prompt'),
    countIf(event_name = 'api_request'), sumIf(cost_usd, event_name = 'api_request'), 0,
    countIf(event_name = 'tool_decision'), countIf(event_name = 'tool_decision' AND decision = 'reject' AND source = 'config')
FROM events
WHERE session_id != ''
GROUP BY user_key, session_id, toDate(timestamp);

INSERT INTO sessions
SELECT user_key, session_id, any(team_id), min(timestamp), max(timestamp), 0, 0, 0,
    sumIf(delta, metric_name = 'claude_code.cost.usage'), 0, 0
FROM metric_points
WHERE session_id != ''
GROUP BY user_key, session_id, toDate(timestamp);

CREATE MATERIALIZED VIEW IF NOT EXISTS sessions_events_mv TO sessions AS
SELECT user_key, session_id, any(team_id) AS team_id, min(timestamp) AS started, max(timestamp) AS ended,
    countIf(event_name = 'user_prompt') AS prompts, countIf(event_name = 'api_request') AS requests,
    sumIf(cost_usd, event_name = 'api_request') AS event_cost, toFloat64(0) AS metric_cost,
    countIf(event_name = 'tool_decision') AS decisions,
    countIf(event_name = 'tool_decision' AND decision = 'reject' AND source = 'config') AS denials
FROM events
WHERE session_id != ''
GROUP BY user_key, session_id, toDate(timestamp);

CREATE MATERIALIZED VIEW IF NOT EXISTS sessions_metrics_mv TO sessions AS
SELECT user_key, session_id, any(team_id) AS team_id, min(timestamp) AS started, max(timestamp) AS ended,
    toUInt64(0) AS prompts, toUInt64(0) AS requests, toFloat64(0) AS event_cost,
    sumIf(delta, metric_name = 'claude_code.cost.usage') AS metric_cost, toUInt64(0) AS decisions, toUInt64(0) AS denials
FROM metric_points
WHERE session_id != ''
GROUP BY user_key, session_id, toDate(timestamp);

-- ---------------------------------------------------------------------------------------------------------
-- What the tiers replace stops being fed: the per-session activity rollup and the metric usage of every
-- session (only candidates count now). Their tables go in 0011, once this migration is recorded: a run of
-- this one cut short and repeated still finds them to backfill from.
DROP VIEW IF EXISTS activity_15m_events_mv;
DROP VIEW IF EXISTS activity_15m_metrics_mv;
DROP VIEW IF EXISTS usage_metrics_15m_mv;
DROP VIEW IF EXISTS usage
