-- Cost and tokens: one source of truth, whichever signals a fleet sends (see warehouse/RULES.md, "Cost and tokens").
-- Sessions and user-days whose api_request events carry cost; their metric points are then not counted.
CREATE TABLE IF NOT EXISTS usage_event_coverage
(
    session_id String,
    user_key   String,
    day        Date
)
ENGINE = ReplacingMergeTree
ORDER BY (session_id, user_key, day);

CREATE MATERIALIZED VIEW IF NOT EXISTS usage_event_coverage_mv TO usage_event_coverage AS
SELECT session_id, user_key, toDate(timestamp) AS day
FROM events
WHERE event_name = 'api_request';

-- Backfill for rows stored before the view existed (idempotent: the target table replaces duplicates).
INSERT INTO usage_event_coverage
SELECT DISTINCT session_id, user_key, toDate(timestamp) AS day
FROM events
WHERE event_name = 'api_request';

CREATE VIEW IF NOT EXISTS usage AS
SELECT
    timestamp, 'event' AS origin, user_key, session_id, team_id, department, cost_center, model, query_source,
    cost_usd, input_tokens, output_tokens, cache_read_tokens, cache_creation_tokens
FROM events
WHERE event_name = 'api_request'
UNION ALL
SELECT
    timestamp, 'metric' AS origin, user_key, session_id, team_id, department, cost_center, model, query_source,
    if(metric_name = 'claude_code.cost.usage', delta, 0) AS cost_usd,
    toUInt64(if(metric_name = 'claude_code.token.usage' AND type = 'input', greatest(delta, 0), 0)) AS input_tokens,
    toUInt64(if(metric_name = 'claude_code.token.usage' AND type = 'output', greatest(delta, 0), 0)) AS output_tokens,
    toUInt64(if(metric_name = 'claude_code.token.usage' AND type = 'cacheRead', greatest(delta, 0), 0)) AS cache_read_tokens,
    toUInt64(if(metric_name = 'claude_code.token.usage' AND type = 'cacheCreation', greatest(delta, 0), 0)) AS cache_creation_tokens
FROM metric_points
WHERE metric_name IN ('claude_code.cost.usage', 'claude_code.token.usage')
  AND if(session_id != '',
         session_id NOT IN (SELECT session_id FROM usage_event_coverage),
         (user_key, toDate(timestamp)) NOT IN (SELECT user_key, day FROM usage_event_coverage));
