-- The event kinds of the Reliability page (issue 17), one row each with the attributes it reads extracted:
-- API errors, exhausted retries and refusals; sub-agent completions; skills run; plugins loaded and installed;
-- MCP server connections; compactions; internal errors. All rare next to api_request and the tool events, so
-- GET /api/v1/reliability reads this small table instead of the raw events' attribute maps (the same reason as
-- policy_events, 0007). Same backfill order as 0007 and 0013. Every other kind stays in `events` only, raw.
CREATE TABLE IF NOT EXISTS reliability_events
(
    timestamp     DateTime64(9, 'UTC') CODEC(Delta, ZSTD(1)),
    event_name    LowCardinality(String),
    user_key      String,
    session_id    String,
    team_id       LowCardinality(String),
    department    LowCardinality(String),
    cost_center   LowCardinality(String),
    model         LowCardinality(String) COMMENT 'api_error, api_refusal, api_retries_exhausted, subagent_completed',
    status_code   LowCardinality(String) COMMENT 'api_error, api_retries_exhausted: the HTTP status; empty for network errors',
    attempts      UInt32 COMMENT 'api_error.attempt, api_retries_exhausted.total_attempts',
    category      LowCardinality(String) COMMENT 'api_refusal.category: only with OTEL_LOG_TOOL_DETAILS',
    fallback_hop  UInt8 COMMENT 'api_refusal.server_fallback_hop: a refusal already retried on another model, unseen by the user',
    agent_type    LowCardinality(String) COMMENT 'subagent_completed.agent_type (custom unless official or tool details are on)',
    tool_uses     UInt32 COMMENT 'subagent_completed.total_tool_uses',
    total_tokens  UInt64 COMMENT 'subagent_completed.total_tokens: the final request only, not what the sub-agent spent',
    skill_name    LowCardinality(String) COMMENT 'skill_activated.skill.name (custom_skill unless official or tool details are on)',
    plugin_name   LowCardinality(String) COMMENT 'plugin.name on skill, plugin, MCP and sub-agent events (third-party when hidden)',
    plugin_hash   String COMMENT 'plugin_id_hash: tells hidden plugins apart',
    server_name   LowCardinality(String) COMMENT 'mcp_server_connection.server_name: only with OTEL_LOG_TOOL_DETAILS',
    transport     LowCardinality(String) COMMENT 'mcp_server_connection.transport_type',
    status        LowCardinality(String) COMMENT 'mcp_server_connection.status',
    error_code    LowCardinality(String) COMMENT 'mcp_server_connection and internal_error error_code',
    error_name    LowCardinality(String) COMMENT 'internal_error.error_name',
    trigger       LowCardinality(String) COMMENT 'skill invocation_trigger, compaction trigger, plugin install.trigger',
    success       LowCardinality(String) COMMENT 'compaction.success as sent: true, false or empty',
    pre_tokens    UInt64 COMMENT 'compaction.pre_tokens',
    post_tokens   UInt64 COMMENT 'compaction.post_tokens',
    duration_ms   Float64
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(timestamp)
ORDER BY (event_name, timestamp);

TRUNCATE TABLE reliability_events;

INSERT INTO reliability_events
SELECT timestamp, event_name, user_key, session_id, team_id, department, cost_center, model,
    attributes['status_code'],
    toUInt32OrZero(if(event_name = 'api_retries_exhausted', attributes['total_attempts'], attributes['attempt'])),
    attributes['category'], toUInt8(attributes['server_fallback_hop'] = 'true'),
    attributes['agent_type'], toUInt32OrZero(attributes['total_tool_uses']), toUInt64OrZero(attributes['total_tokens']),
    attributes['skill.name'], attributes['plugin.name'], attributes['plugin_id_hash'],
    attributes['server_name'], attributes['transport_type'], attributes['status'], attributes['error_code'], attributes['error_name'],
    multiIf(event_name = 'skill_activated', attributes['invocation_trigger'], event_name = 'plugin_installed', attributes['install.trigger'], attributes['trigger']),
    attributes['success'], toUInt64OrZero(attributes['pre_tokens']), toUInt64OrZero(attributes['post_tokens']), duration_ms
FROM events
WHERE event_name IN ('api_error', 'api_retries_exhausted', 'api_refusal', 'subagent_completed', 'skill_activated', 'plugin_loaded',
    'plugin_installed', 'mcp_server_connection', 'compaction', 'internal_error');

CREATE MATERIALIZED VIEW IF NOT EXISTS reliability_events_mv TO reliability_events AS
SELECT timestamp, event_name, user_key, session_id, team_id, department, cost_center, model,
    attributes['status_code'] AS status_code,
    toUInt32OrZero(if(event_name = 'api_retries_exhausted', attributes['total_attempts'], attributes['attempt'])) AS attempts,
    attributes['category'] AS category, toUInt8(attributes['server_fallback_hop'] = 'true') AS fallback_hop,
    attributes['agent_type'] AS agent_type, toUInt32OrZero(attributes['total_tool_uses']) AS tool_uses,
    toUInt64OrZero(attributes['total_tokens']) AS total_tokens,
    attributes['skill.name'] AS skill_name, attributes['plugin.name'] AS plugin_name, attributes['plugin_id_hash'] AS plugin_hash,
    attributes['server_name'] AS server_name, attributes['transport_type'] AS transport, attributes['status'] AS status,
    attributes['error_code'] AS error_code, attributes['error_name'] AS error_name,
    multiIf(event_name = 'skill_activated', attributes['invocation_trigger'], event_name = 'plugin_installed', attributes['install.trigger'],
        attributes['trigger']) AS trigger,
    attributes['success'] AS success, toUInt64OrZero(attributes['pre_tokens']) AS pre_tokens,
    toUInt64OrZero(attributes['post_tokens']) AS post_tokens, duration_ms
FROM events
WHERE event_name IN ('api_error', 'api_retries_exhausted', 'api_refusal', 'subagent_completed', 'skill_activated', 'plugin_loaded',
    'plugin_installed', 'mcp_server_connection', 'compaction', 'internal_error');
