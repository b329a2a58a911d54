-- The Reliability page's most frequent kinds per UTC day (dashboard/api/queries/reliability.ts, docs/reliability.md):
-- MCP server connections, plugins loaded and installed, skills run and compactions. Every session start connects
-- every MCP server and loads every enabled plugin, so these kinds grow with sessions: at 100 M events a month,
-- 1.76 M connections and 1.18 M plugin loads, read row by row in 211 and 148 ms. Per day, user and the attributes
-- the page groups by, a month of them is some 20 000 rows.
--
-- Counts and sums only, so exact: a query reads whole UTC days here and the rest of its range (a partial day, the
-- edges of a range in another time zone) from reliability_events, row by row. What is not a sum stays raw: the
-- sessions that loaded a plugin (a distinct count) and the other kinds (sub-agents' median duration, rare errors).
-- The team, department and cost center are part of the key, as sent: the directory is applied when read.
--
-- Fed from reliability_events (a view on a view's target: an insert into reliability_events fires it, the
-- rebuild of an interrupted insert too). Kept as long as reliability_events (warehouse/retention.ts, rollup).
-- Order as in 0023: table, truncate, fill, then the view. Repeated after a crash, it gives the same rows.

CREATE TABLE IF NOT EXISTS reliability_1d
(
    day          Date COMMENT 'the UTC day of the events a row sums',
    event_name   LowCardinality(String),
    user_key     String,
    team_id      LowCardinality(String),
    department   LowCardinality(String),
    cost_center  LowCardinality(String),
    server_name  LowCardinality(String),
    plugin_name  LowCardinality(String),
    plugin_hash  String,
    transport    LowCardinality(String),
    status       LowCardinality(String),
    error_code   LowCardinality(String),
    skill_name   LowCardinality(String),
    trigger      LowCardinality(String),
    success      LowCardinality(String),
    events       UInt64 COMMENT 'events of the row: connections, loads, installs, activations, compactions',
    saved_tokens Int64 COMMENT 'compaction: pre_tokens - post_tokens of the successful ones that sent both',
    saved_n      UInt64 COMMENT 'compaction: how many saved_tokens sums',
    duration_ms  Float64 COMMENT 'the sum of duration_ms'
)
ENGINE = SummingMergeTree((events, saved_tokens, saved_n, duration_ms))
PARTITION BY toYYYYMM(day)
ORDER BY (event_name, day, user_key, team_id, department, cost_center, server_name, plugin_name, plugin_hash, transport, status,
          error_code, skill_name, trigger, success);

TRUNCATE TABLE reliability_1d;

INSERT INTO reliability_1d
SELECT toDate(timestamp) AS day, event_name, user_key, team_id, department, cost_center, server_name, plugin_name, plugin_hash,
    transport, status, error_code, skill_name, trigger, success, count() AS events,
    sumIf(toInt64(pre_tokens) - toInt64(post_tokens), success = 'true' AND pre_tokens > 0 AND post_tokens > 0) AS saved_tokens,
    countIf(success = 'true' AND pre_tokens > 0 AND post_tokens > 0) AS saved_n, sum(duration_ms) AS duration_ms
FROM reliability_events
WHERE event_name IN ('mcp_server_connection', 'plugin_loaded', 'plugin_installed', 'skill_activated', 'compaction')
GROUP BY day, event_name, user_key, team_id, department, cost_center, server_name, plugin_name, plugin_hash, transport, status,
    error_code, skill_name, trigger, success;

CREATE MATERIALIZED VIEW IF NOT EXISTS reliability_1d_mv TO reliability_1d AS
SELECT toDate(timestamp) AS day, event_name, user_key, team_id, department, cost_center, server_name, plugin_name, plugin_hash,
    transport, status, error_code, skill_name, trigger, success, count() AS events,
    sumIf(toInt64(pre_tokens) - toInt64(post_tokens), success = 'true' AND pre_tokens > 0 AND post_tokens > 0) AS saved_tokens,
    countIf(success = 'true' AND pre_tokens > 0 AND post_tokens > 0) AS saved_n, sum(duration_ms) AS duration_ms
FROM reliability_events
WHERE event_name IN ('mcp_server_connection', 'plugin_loaded', 'plugin_installed', 'skill_activated', 'compaction')
GROUP BY day, event_name, user_key, team_id, department, cost_center, server_name, plugin_name, plugin_hash, transport, status,
    error_code, skill_name, trigger, success;
