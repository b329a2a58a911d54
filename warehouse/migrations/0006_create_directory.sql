-- The people directory an admin loads (CSV or JSON): identity → display name, team, department, cost center, seat.
-- Each load is a new load_id; queries read only the newest load, so a load replaces the directory at once
-- and a person removed from the file disappears. Where the directory names a team, department or cost center
-- it overrides what the telemetry says; empty fields fall back to the telemetry.
CREATE TABLE IF NOT EXISTS directory
(
    load_id      UInt64 COMMENT 'Unix milliseconds of the load',
    user_key     String COMMENT 'matches the resolved user key: user.email, else enduser.id, else user.account_uuid, else user.id',
    display_name String,
    team_id      LowCardinality(String),
    department   LowCardinality(String),
    cost_center  LowCardinality(String),
    seat         Bool COMMENT 'holds a licensed seat'
)
ENGINE = MergeTree
ORDER BY (load_id, user_key);
