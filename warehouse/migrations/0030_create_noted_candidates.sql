-- The candidates a cost query subtracts, kept apart (warehouse/RULES.md, "Cost and tokens").
--
-- A session whose metrics are stored before its first api_request event is noted (usage_candidate_coverage,
-- 0023), and every cost query subtracts its candidates. Until now it read them from usage_metric_candidates_15m,
-- which is ordered by time, not session: the range's every candidate row (2 M at 100 M events a month) was read to
-- find a few noted sessions' hundreds. With 200 sessions noted that made every cost answer 45-60 ms slower.
--
--   usage_noted_candidates_15m   the candidate rows (usage_metric_candidates_15m's, same key and columns) of the
--                                noted sessions and user-days. Written by the writer when it notes them and again
--                                whenever a flush may have stored another candidate of one (collector/writer/orphans.ts):
--                                each copy is the rows' sums read after the flush's insert, stamped with the time it
--                                was read, and replaces the older copy of the same row (ReplacingMergeTree on the
--                                version). Read with FINAL, so the newest copy counts once, however many there are.
--
-- Expires with the candidates (the rollup retention): a copy never outlives the rows it cancels. Not derived from a
-- view: the writer's rebuild of a day copies the day's noted sessions again from the candidates it rebuilt.
--
-- Filled from what is noted now; repeated after a crash, it gives the same rows.

CREATE TABLE IF NOT EXISTS usage_noted_candidates_15m
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
    cache_creation_tokens UInt64,
    version               UInt64 COMMENT 'when this copy was read (µs since the epoch): the newest copy of a row counts'
)
ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(bucket)
ORDER BY (bucket, team_id, user_key, session_id, model, query_source, agent_name, skill_name, plugin_name, mcp_server_name, department, cost_center);

TRUNCATE TABLE usage_noted_candidates_15m;

INSERT INTO usage_noted_candidates_15m
SELECT bucket, team_id, user_key, session_id, model, query_source, agent_name, skill_name, plugin_name, mcp_server_name,
    department, cost_center, sum(cost_usd), sum(input_tokens), sum(output_tokens), sum(cache_read_tokens),
    sum(cache_creation_tokens), 0 AS version
FROM usage_metric_candidates_15m
WHERE (session_id != '' AND session_id IN (SELECT session_id FROM usage_candidate_coverage WHERE session_id != ''))
   OR (session_id = '' AND (user_key, toDate(bucket)) IN (SELECT user_key, day FROM usage_candidate_coverage WHERE session_id = ''))
GROUP BY bucket, team_id, user_key, session_id, model, query_source, agent_name, skill_name, plugin_name, mcp_server_name, department, cost_center;
