-- Cost and tokens from metrics count only for sessions (or, without session.id, user-days) that sent no
-- api_request event (warehouse/RULES.md, "Cost and tokens"). Checking that at query time against every
-- covered session was the slowest step of every cost query (about 0.8 s at 100 M events). So the writer
-- notes here each session or user-day whose cost/token points it writes while no api_request event of it
-- is stored (collector/writer/orphans.ts), and queries check only these candidates against the coverage.
-- A candidate that gets covered later is simply excluded by that check; a covered session never becomes
-- uncovered (coverage only grows), so a session not noted here has its metrics covered.
CREATE TABLE IF NOT EXISTS usage_metric_orphans
(
    session_id String,
    user_key   String,
    day        Date
)
ENGINE = ReplacingMergeTree
ORDER BY (session_id, user_key, day);

-- Backfill: the sessions and user-days of the cost/token points already stored that are not covered now
-- (idempotent: the table replaces duplicates, and queries read it through IN).
INSERT INTO usage_metric_orphans
SELECT DISTINCT session_id, user_key, toDate(bucket) AS day
FROM usage_metrics_15m
WHERE if(session_id != '',
         session_id NOT IN (SELECT session_id FROM usage_event_coverage),
         (user_key, toDate(bucket)) NOT IN (SELECT user_key, day FROM usage_event_coverage));
