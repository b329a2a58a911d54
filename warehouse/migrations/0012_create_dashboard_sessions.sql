-- Dashboard sign-in sessions, shared by every ccscope instance on this warehouse: behind a load balancer a
-- browser's requests reach any of them, and a restart signs nobody out. A row is keyed by the SHA-256 of the
-- session id (the cookie's value is never stored); signing out writes a newer row with revoked = 1, and the
-- newest row of an id wins. Rows go a day after the session expires.
CREATE TABLE IF NOT EXISTS dashboard_sessions
(
    id_hash    String COMMENT 'SHA-256 (base64url) of the session id the cookie carries',
    user_name  String,
    credential String COMMENT 'SHA-256 of the password hash at sign-in: a new password ends the session',
    expires    DateTime64(3, 'UTC'),
    revoked    Bool,
    version    UInt64 COMMENT 'Unix milliseconds of the write'
)
ENGINE = ReplacingMergeTree(version)
ORDER BY id_hash
TTL toDateTime(expires) + INTERVAL 1 DAY;
