-- Accepted edits per session and UTC day, for the waste rule "a costly session with no accepted edit"
-- (dashboard/api/queries/waste.ts, docs/waste.md). The rule asked the raw tables for the accepted edits of up
-- to 5 000 costly sessions: a scan of every tool_decision event in the range, 220 of the Policy page's
-- waste answer's 440 ms at 10 M events. This table answers it by key.
--
-- An accepted edit is what the rule has always counted, from either source: a tool_decision event with
-- decision accept for Edit, Write, MultiEdit or NotebookEdit, or the claude_code.code_edit_tool.decision
-- metric's accept delta. Kept as long as the raw rows (warehouse/retention.ts, detail), like sessions.
--
-- Order as in 0023: table, truncate, fill, then the views. Repeated after a crash, it gives the same rows.

CREATE TABLE IF NOT EXISTS session_edits
(
    session_id String,
    user_key   String COMMENT 'the sharding key on a cluster (warehouse/ddl.ts)',
    day        Date COMMENT 'the UTC day of the decisions a row sums',
    accepts    Float64 COMMENT 'accepted Edit, Write, MultiEdit and NotebookEdit decisions (events) plus code_edit_tool.decision accept deltas (metrics)'
)
ENGINE = SummingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (session_id, user_key, day);

TRUNCATE TABLE session_edits;

INSERT INTO session_edits
SELECT session_id, user_key, toDate(timestamp) AS day, toFloat64(count()) AS accepts
FROM events
WHERE event_name = 'tool_decision' AND decision = 'accept' AND tool_name IN ('Edit', 'Write', 'MultiEdit', 'NotebookEdit') AND session_id != ''
GROUP BY session_id, user_key, day;

INSERT INTO session_edits
SELECT session_id, user_key, toDate(timestamp) AS day, sum(delta) AS accepts
FROM metric_points
WHERE metric_name = 'claude_code.code_edit_tool.decision' AND decision = 'accept' AND session_id != ''
GROUP BY session_id, user_key, day;

CREATE MATERIALIZED VIEW IF NOT EXISTS session_edits_events_mv TO session_edits AS
SELECT session_id, user_key, toDate(timestamp) AS day, toFloat64(count()) AS accepts
FROM events
WHERE event_name = 'tool_decision' AND decision = 'accept' AND tool_name IN ('Edit', 'Write', 'MultiEdit', 'NotebookEdit') AND session_id != ''
GROUP BY session_id, user_key, day;

CREATE MATERIALIZED VIEW IF NOT EXISTS session_edits_metrics_mv TO session_edits AS
SELECT session_id, user_key, toDate(timestamp) AS day, sum(delta) AS accepts
FROM metric_points
WHERE metric_name = 'claude_code.code_edit_tool.decision' AND decision = 'accept' AND session_id != ''
GROUP BY session_id, user_key, day;
