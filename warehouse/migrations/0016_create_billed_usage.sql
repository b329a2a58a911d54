-- What Anthropic says was used and what it estimates it cost, per UTC day, person and model: imported from the
-- Claude Code Analytics Admin API (GET /v1/organizations/usage_report/claude_code, polled with an admin key or
-- uploaded as JSON) or from a billing CSV (PUT /api/v1/billing/usage). The reconciliation compares it with the
-- telemetry's cost (docs/finance.md, "Reconciliation").
--
-- An import replaces every day it contains: each import gets a new import_id, and reads take, per day, the rows
-- of that day's newest import only (a person missing from a re-import of a day is gone from that day). Rows are
-- summed per (day, user_key, model) before they are stored, so one import holds one row per key; the engine
-- (ReplacingMergeTree on import_id) merges a re-imported key down to its newest row. Money is an integer of
-- micro-dollars, exact; the API's cents and the CSV's dollars convert without rounding.
-- Kept whole on every node of a cluster (warehouse/ddl.ts): it is small (days × people × models) and a read needs
-- every row of a day to find that day's newest import. No TTL: like the directory, it is kept until replaced.
CREATE TABLE IF NOT EXISTS billed_usage
(
    day                   Date COMMENT 'the UTC day the usage belongs to (the report''s date / starting_at)',
    user_key              String COMMENT 'actor.email_address (user_actor) or actor.api_key_name (api_actor) or the CSV''s user_email; pseudonymised like the telemetry when CCSCOPE_PSEUDONYMIZE_KEY is set',
    model                 LowCardinality(String) COMMENT 'model_breakdown[].model, as billed',
    actor_type            LowCardinality(String) COMMENT 'user_actor, api_actor, or csv',
    cost_micros           Int64 COMMENT 'estimated_cost.amount (cents) × 10 000, or the CSV''s cost_usd × 1 000 000: micro-dollars, exact',
    input_tokens          UInt64,
    output_tokens         UInt64,
    cache_read_tokens     UInt64,
    cache_creation_tokens UInt64,
    tokens_reported       Bool COMMENT 'false when the source sent no token counts (a CSV without them): the tokens are not 0, they are unknown',
    source                LowCardinality(String) COMMENT 'admin_api (polled), admin_api_upload (uploaded JSON pages) or csv',
    import_id             UInt64 COMMENT 'Unix milliseconds of the import, strictly increasing: the newest import of a day wins'
)
ENGINE = ReplacingMergeTree(import_id)
PARTITION BY toYYYYMM(day)
ORDER BY (day, user_key, model);
