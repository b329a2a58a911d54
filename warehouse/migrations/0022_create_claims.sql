-- Claims (warehouse/claims.ts): several ccscope instances on one warehouse decide here which of them does a
-- thing that must happen once. Each instance about to do it inserts a claim (key, its instance id); after a
-- short settle it reads the claims of those keys back, and the earliest (claimed_at, then instance) wins;
-- the others leave it to the winner. Used for the records of a batch two instances are inserting at once (an
-- exporter's resend reaching a second instance: the key is the record id), for each webhook delivery
-- attempt of a budget alert and each scheduled report's attempt. Claims older than a minute (ingest) or ten
-- (deliveries) no longer count: an instance that claimed and died leaves the work to the next one. Kept
-- a day. Sharded like the records (by user_key; '' for deliveries), so all claims of one key are on one shard.
CREATE TABLE IF NOT EXISTS claims
(
    key        String COMMENT 'what is claimed: a record id, or delivery:/report: and the attempt',
    user_key   String COMMENT 'the person of the record (the sharding key); empty for deliveries and reports',
    instance   String COMMENT 'the claiming ccscope instance (random per process start)',
    claimed_at DateTime64(9, 'UTC') DEFAULT now64(9)
)
ENGINE = MergeTree
PARTITION BY toYYYYMMDD(claimed_at)
ORDER BY key
TTL toDateTime(claimed_at) + INTERVAL 1 DAY
SETTINGS ttl_only_drop_parts = 1;
