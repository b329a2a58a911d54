-- Sign-in attempts, shared by every ccscope instance on this warehouse (dashboard/api/auth/attempts.ts):
-- behind a load balancer a guesser's attempts reach every instance, and each must count them all. An
-- attempt is written before the password is checked; a success writes a second row that takes it back.
-- Rows go after 31 days (a pair that signed in within 30 days is trusted; failures count for an hour).
CREATE TABLE IF NOT EXISTS login_attempts
(
    at      DateTime64(3, 'UTC'),
    address String COMMENT 'the client address (as the limiter sees it)',
    account String COMMENT 'the user name tried',
    outcome LowCardinality(String) COMMENT 'attempt or success'
)
ENGINE = MergeTree
ORDER BY (account, address, at)
TTL toDateTime(at) + INTERVAL 31 DAY;
