-- Budgets (docs/finance.md): every change is a row, so the table is its own audit trail (who changed what,
-- when, and the budget as it stood after). The current budgets are each id's newest row that is not a delete.
CREATE TABLE IF NOT EXISTS budget_changes
(
    id         String COMMENT 'the budget id',
    version    UInt64 COMMENT 'Unix milliseconds of the change (strictly increasing per budget)',
    changed_by String COMMENT 'the signed-in user, API token name or proxy identity',
    action     LowCardinality(String) COMMENT 'create, update or delete',
    definition String COMMENT 'the budget after the change, JSON (schemas/budgets.ts budgetInputSchema); empty for a delete'
)
ENGINE = MergeTree
ORDER BY (id, version);

-- Alerts that fired: one per budget, period and threshold (kind threshold with its percent, or kind
-- forecast). alert_id is derived from those three, so an alert fires once however often it is evaluated.
CREATE TABLE IF NOT EXISTS budget_alerts
(
    alert_id     String COMMENT 'SHA-256 of budget id, period first day and threshold key',
    budget_id    String,
    budget_name  String,
    period_first Date,
    kind         LowCardinality(String) COMMENT 'threshold or forecast',
    threshold    Nullable(UInt16) COMMENT 'percent, for kind threshold',
    fired_at     DateTime64(3, 'UTC'),
    spent_usd    Decimal(18, 6),
    forecast_usd Nullable(Decimal(18, 6)),
    amount_usd   Decimal(18, 2),
    message      String
)
ENGINE = ReplacingMergeTree
ORDER BY alert_id;

-- Webhook deliveries of alerts, one row per state change (queued, each attempt's outcome): the delivery
-- log the Budgets page shows. A delivery's state is its newest row. Nothing is deleted: a delivery that
-- failed every attempt stays 'failed', visible, never dropped.
CREATE TABLE IF NOT EXISTS alert_deliveries
(
    delivery_id  String COMMENT 'SHA-256 of alert id and webhook URL',
    alert_id     String,
    url          String,
    format       LowCardinality(String) COMMENT 'json or slack',
    status       LowCardinality(String) COMMENT 'pending, delivered or failed',
    attempts     UInt16 COMMENT 'attempts made so far',
    written_at   DateTime64(3, 'UTC'),
    next_attempt Nullable(DateTime64(3, 'UTC')) COMMENT 'when a pending delivery is tried next',
    last_error   String COMMENT 'the last failed attempt: HTTP status or network error'
)
ENGINE = MergeTree
ORDER BY (delivery_id, written_at);
