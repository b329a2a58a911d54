-- The sessions whose first record is marked (session_start = 1, collector/writer/sessions.ts): the writer
-- marks a session's first record only when its session is not here. It used to ask the `sessions` rollup,
-- which has a session as soon as any of its records is stored: after an insert killed part-way that stored
-- some of a new session's records but not the marked one, the exporter's retry found the session "known" and
-- marked nothing, so the session was never counted (test/crash.test.ts, "sessions:marked"). A mark is stored
-- with its record, so this table (fed from both raw tables, rebuilt with the rollups after an interrupted
-- insert) says exactly which sessions are counted.
CREATE TABLE IF NOT EXISTS session_marks
(
    session_id String,
    user_key   String,
    timestamp  DateTime64(9, 'UTC')
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(timestamp)
ORDER BY session_id;

TRUNCATE TABLE session_marks;

INSERT INTO session_marks SELECT session_id, user_key, timestamp FROM events WHERE session_start = 1 AND session_id != '';

INSERT INTO session_marks SELECT session_id, user_key, timestamp FROM metric_points WHERE session_start = 1 AND session_id != '';

-- Sessions stored before the writer marked anything (migration 0010 counted them from the rollups): known,
-- so that their later records are not marked as a new session.
INSERT INTO session_marks
SELECT session_id, any(user_key), min(started) FROM sessions
WHERE session_id != '' AND session_id NOT IN (SELECT session_id FROM session_marks)
GROUP BY session_id;

CREATE MATERIALIZED VIEW IF NOT EXISTS session_marks_events_mv TO session_marks AS
SELECT session_id, user_key, timestamp FROM events WHERE session_start = 1 AND session_id != '';

CREATE MATERIALIZED VIEW IF NOT EXISTS session_marks_points_mv TO session_marks AS
SELECT session_id, user_key, timestamp FROM metric_points WHERE session_start = 1 AND session_id != '';
