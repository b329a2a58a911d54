-- Accepted edits move into `sessions`, beside the cost they are weighed against: the waste rule "a costly
-- session with no accepted edit" (dashboard/api/queries/waste.ts, docs/waste.md) grouped the sessions rows and
-- session_edits (0024) together, 1.3 M and 1.9 M rows at 100 M events a month, in ~250 ms; with the accepts
-- in the same row it is one grouping of the sessions rows (~100 ms). session_edits is then read by nothing and
-- goes, so the figure has one source.
--
-- An accepted edit is what 0024 counted, from either source: a tool_decision event with decision accept for
-- Edit, Write, MultiEdit or NotebookEdit, or the claude_code.code_edit_tool.decision metric's accept delta.
--
-- The views are replaced and the table refilled from the raw rows, as 0010 filled it: `sessions` is kept as long
-- as the raw rows (warehouse/retention.ts, detail), so nothing it holds is older than they are. Repeated after a
-- crash, it gives the same rows. Migrations run before the collector accepts data, so no insert falls between
-- the refill and the views.

ALTER TABLE sessions ADD COLUMN IF NOT EXISTS accepts SimpleAggregateFunction(sum, Float64) DEFAULT 0 COMMENT 'accepted Edit, Write, MultiEdit and NotebookEdit decisions (events) plus code_edit_tool.decision accept deltas (metrics)';

DROP VIEW IF EXISTS sessions_events_mv;

DROP VIEW IF EXISTS sessions_metrics_mv;

TRUNCATE TABLE sessions;

INSERT INTO sessions (user_key, day, session_id, team_id, started, ended, prompts, requests, event_cost, metric_cost, decisions, denials, accepts)
SELECT user_key, toDate(timestamp) AS day, session_id, any(team_id), min(timestamp), max(timestamp), countIf(event_name = 'user_prompt'),
    countIf(event_name = 'api_request'), sumIf(cost_usd, event_name = 'api_request'), 0,
    countIf(event_name = 'tool_decision'), countIf(event_name = 'tool_decision' AND decision = 'reject' AND source = 'config'),
    toFloat64(countIf(event_name = 'tool_decision' AND decision = 'accept' AND tool_name IN ('Edit', 'Write', 'MultiEdit', 'NotebookEdit')))
FROM events
WHERE session_id != ''
GROUP BY user_key, day, session_id;

INSERT INTO sessions (user_key, day, session_id, team_id, started, ended, prompts, requests, event_cost, metric_cost, decisions, denials, accepts)
SELECT user_key, toDate(timestamp) AS day, session_id, any(team_id), min(timestamp), max(timestamp), 0, 0, 0,
    sumIf(delta, metric_name = 'claude_code.cost.usage'), 0, 0,
    sumIf(delta, metric_name = 'claude_code.code_edit_tool.decision' AND decision = 'accept')
FROM metric_points
WHERE session_id != ''
GROUP BY user_key, day, session_id;

CREATE MATERIALIZED VIEW IF NOT EXISTS sessions_events_mv TO sessions AS
SELECT user_key, toDate(timestamp) AS day, session_id, any(team_id) AS team_id, min(timestamp) AS started, max(timestamp) AS ended,
    countIf(event_name = 'user_prompt') AS prompts, countIf(event_name = 'api_request') AS requests,
    sumIf(cost_usd, event_name = 'api_request') AS event_cost, toFloat64(0) AS metric_cost,
    countIf(event_name = 'tool_decision') AS decisions,
    countIf(event_name = 'tool_decision' AND decision = 'reject' AND source = 'config') AS denials,
    toFloat64(countIf(event_name = 'tool_decision' AND decision = 'accept' AND tool_name IN ('Edit', 'Write', 'MultiEdit', 'NotebookEdit'))) AS accepts
FROM events
WHERE session_id != ''
GROUP BY user_key, day, session_id;

CREATE MATERIALIZED VIEW IF NOT EXISTS sessions_metrics_mv TO sessions AS
SELECT user_key, toDate(timestamp) AS day, session_id, any(team_id) AS team_id, min(timestamp) AS started, max(timestamp) AS ended,
    toUInt64(0) AS prompts, toUInt64(0) AS requests, toFloat64(0) AS event_cost,
    sumIf(delta, metric_name = 'claude_code.cost.usage') AS metric_cost, toUInt64(0) AS decisions, toUInt64(0) AS denials,
    sumIf(delta, metric_name = 'claude_code.code_edit_tool.decision' AND decision = 'accept') AS accepts
FROM metric_points
WHERE session_id != ''
GROUP BY user_key, day, session_id;

DROP VIEW IF EXISTS session_edits_events_mv;

DROP VIEW IF EXISTS session_edits_metrics_mv;

DROP TABLE IF EXISTS session_edits;
