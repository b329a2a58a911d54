-- The rare events the policy views read, with their attributes extracted: hook runs, permission-mode
-- changes and managed-settings resolutions. A few percent of all events, so the policy overview reads a
-- small table instead of the raw events' attribute maps. Same backfill order as 0005.
CREATE TABLE IF NOT EXISTS policy_events
(
    timestamp    DateTime64(9, 'UTC') CODEC(Delta, ZSTD(1)),
    event_name   LowCardinality(String),
    user_key     String,
    session_id   String,
    team_id      LowCardinality(String),
    department   LowCardinality(String),
    cost_center  LowCardinality(String),
    hook_name    LowCardinality(String),
    hook_event   LowCardinality(String),
    hook_source  LowCardinality(String),
    num_blocking UInt32,
    from_mode    LowCardinality(String),
    to_mode      LowCardinality(String),
    trigger      LowCardinality(String),
    sources      LowCardinality(String) COMMENT 'managed_settings.sources, as JSON text'
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(timestamp)
ORDER BY (event_name, timestamp);

TRUNCATE TABLE policy_events;

INSERT INTO policy_events
SELECT timestamp, event_name, user_key, session_id, team_id, department, cost_center,
    attributes['hook_name'], attributes['hook_event'], attributes['hook_source'], toUInt32OrZero(attributes['num_blocking']),
    attributes['from_mode'], attributes['to_mode'], attributes['trigger'], attributes['managed_settings.sources']
FROM events
WHERE event_name IN ('hook_execution_complete', 'permission_mode_changed', 'managed_settings_resolved');

CREATE MATERIALIZED VIEW IF NOT EXISTS policy_events_mv TO policy_events AS
SELECT timestamp, event_name, user_key, session_id, team_id, department, cost_center,
    attributes['hook_name'] AS hook_name, attributes['hook_event'] AS hook_event, attributes['hook_source'] AS hook_source,
    toUInt32OrZero(attributes['num_blocking']) AS num_blocking,
    attributes['from_mode'] AS from_mode, attributes['to_mode'] AS to_mode, attributes['trigger'] AS trigger,
    attributes['managed_settings.sources'] AS sources
FROM events
WHERE event_name IN ('hook_execution_complete', 'permission_mode_changed', 'managed_settings_resolved');
