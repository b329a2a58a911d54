-- Cost from metric points, summed like every other figure (warehouse/RULES.md, "Cost and tokens").
--
-- Until now a cost query read the candidates (usage_metric_candidates_15m: the cost/token points the writer
-- marked because no api_request event of their session, or without session.id of their user-day, was stored
-- yet) per 15 minutes and per session, and checked each against usage_event_coverage. In a fleet with teams
-- that send metrics only that is most sessions: at 10 M events 200 k rows, 40 of a cost query's 60 ms.
--
-- Now the decision is kept where it is made, at write time:
--   usage_metric_candidates_1h / _1d   the candidates without the session: tiers like every other family's,
--                                      fed from the 15-minute one by chained views
--   usage_candidate_sessions           each candidate session (session_id '' for points without one) and
--                                      UTC day: the writer's key lookup of "does this have candidate points?"
--   usage_candidate_coverage           the candidate sessions (and, for points without session.id, user-days)
--                                      an api_request event covered after their points were written: the rare
--                                      session whose metrics arrive first. The writer notes them after each
--                                      flush (collector/writer/orphans.ts); queries subtract their candidates,
--                                      read from the 15-minute tier. Not view-fed and not expired: a row per such
--                                      session, and dropping one would count its metrics again.
--
-- Backfill order as in 0010: tables, the chained 1 h → 1 d view, truncate, fill, then the views from the
-- 15-minute tier. Repeated after a crash, it gives the same rows.

CREATE TABLE IF NOT EXISTS usage_metric_candidates_1h
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
    cost_usd              Float64,
    input_tokens          UInt64,
    output_tokens         UInt64,
    cache_read_tokens     UInt64,
    cache_creation_tokens UInt64
)
ENGINE = SummingMergeTree
PARTITION BY toYYYYMM(bucket)
ORDER BY (bucket, team_id, user_key, model, query_source, agent_name, skill_name, plugin_name, mcp_server_name, department, cost_center);

CREATE TABLE IF NOT EXISTS usage_metric_candidates_1d AS usage_metric_candidates_1h;

CREATE MATERIALIZED VIEW IF NOT EXISTS usage_metric_candidates_1d_mv TO usage_metric_candidates_1d AS
SELECT toStartOfDay(bucket) AS bucket, team_id, user_key, model, query_source, agent_name, skill_name, plugin_name,
    mcp_server_name, department, cost_center, sum(cost_usd) AS cost_usd, sum(input_tokens) AS input_tokens,
    sum(output_tokens) AS output_tokens, sum(cache_read_tokens) AS cache_read_tokens, sum(cache_creation_tokens) AS cache_creation_tokens
FROM usage_metric_candidates_1h
GROUP BY bucket, team_id, user_key, model, query_source, agent_name, skill_name, plugin_name, mcp_server_name, department, cost_center;

CREATE TABLE IF NOT EXISTS usage_candidate_sessions
(
    session_id String,
    user_key   String,
    day        Date COMMENT 'a UTC day with candidate points of the session (session_id empty: of the user without one)'
)
ENGINE = ReplacingMergeTree
ORDER BY (session_id, user_key, day);

CREATE TABLE IF NOT EXISTS usage_candidate_coverage
(
    session_id String COMMENT 'empty: the user-day of points without session.id',
    user_key   String,
    day        Date COMMENT 'a UTC day of its candidates (with session_id empty, the user-day covered)'
)
ENGINE = ReplacingMergeTree
ORDER BY (session_id, user_key, day);

TRUNCATE TABLE usage_metric_candidates_1h;
TRUNCATE TABLE usage_metric_candidates_1d;
TRUNCATE TABLE usage_candidate_sessions;

INSERT INTO usage_metric_candidates_1h
SELECT toStartOfHour(bucket) AS hour, team_id, user_key, model, query_source, agent_name, skill_name,
    plugin_name, mcp_server_name, department, cost_center, sum(cost_usd), sum(input_tokens), sum(output_tokens), sum(cache_read_tokens),
    sum(cache_creation_tokens)
FROM usage_metric_candidates_15m
GROUP BY hour, team_id, user_key, model, query_source, agent_name, skill_name, plugin_name, mcp_server_name, department, cost_center;

INSERT INTO usage_candidate_sessions
SELECT DISTINCT session_id, user_key, toDate(bucket) AS day
FROM usage_metric_candidates_15m;

-- Idempotent: the table replaces duplicates, and it is read through IN.
INSERT INTO usage_candidate_coverage
SELECT DISTINCT session_id, user_key, day
FROM usage_candidate_sessions
WHERE session_id != '' AND session_id IN (SELECT session_id FROM usage_event_coverage);

INSERT INTO usage_candidate_coverage
SELECT DISTINCT session_id, user_key, day
FROM usage_candidate_sessions
WHERE session_id = '' AND (user_key, day) IN (SELECT user_key, toDate(bucket) FROM usage_by_model_1d);

CREATE MATERIALIZED VIEW IF NOT EXISTS usage_metric_candidates_1h_mv TO usage_metric_candidates_1h AS
SELECT toStartOfHour(bucket) AS bucket, team_id, user_key, model, query_source, agent_name,
    skill_name, plugin_name, mcp_server_name, department, cost_center, sum(cost_usd) AS cost_usd, sum(input_tokens) AS input_tokens,
    sum(output_tokens) AS output_tokens, sum(cache_read_tokens) AS cache_read_tokens, sum(cache_creation_tokens) AS cache_creation_tokens
FROM usage_metric_candidates_15m
GROUP BY bucket, team_id, user_key, model, query_source, agent_name, skill_name, plugin_name, mcp_server_name, department, cost_center;

CREATE MATERIALIZED VIEW IF NOT EXISTS usage_candidate_sessions_mv TO usage_candidate_sessions AS
SELECT DISTINCT session_id, user_key, toDate(bucket) AS day
FROM usage_metric_candidates_15m;
