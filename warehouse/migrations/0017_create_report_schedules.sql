-- Scheduled reports (docs/finance.md, "Reports"): the schedules, kept as a change log like budget_changes
-- (the current schedules are each id's newest row that is not a delete), and one row per delivery attempt
-- of a report for a period. A report is delivered once per schedule and period: the newest attempt row of
-- (schedule, first_day) says whether it was delivered, is being retried, or failed for good.
CREATE TABLE IF NOT EXISTS report_schedule_changes
(
    id         String COMMENT 'the schedule id',
    version    UInt64 COMMENT 'Unix milliseconds of the change (strictly increasing per schedule)',
    changed_by String,
    action     LowCardinality(String) COMMENT 'create, update or delete',
    definition String COMMENT 'the schedule after the change, JSON (schemas/reports.ts); empty for a delete'
)
ENGINE = MergeTree
ORDER BY (id, version);

CREATE TABLE IF NOT EXISTS report_runs
(
    schedule_id String,
    first_day   Date COMMENT 'the period reported: first day',
    last_day    Date,
    kind        LowCardinality(String) COMMENT 'weeklyDigest or monthlyCostCsv',
    status      LowCardinality(String) COMMENT 'delivered, retrying or failed',
    attempts    UInt16,
    written_at  DateTime64(3, 'UTC'),
    files       Array(String) COMMENT 'the file names delivered',
    error       String COMMENT 'the last failed attempt'
)
ENGINE = MergeTree
ORDER BY (schedule_id, first_day, written_at);
