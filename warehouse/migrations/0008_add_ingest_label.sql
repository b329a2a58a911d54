-- Which fleet sent a row: the label of the ingest token it came with (CCSCOPE_INGEST_TOKENS=label:token).
-- '' for unlabelled tokens and for rows stored before this migration.
ALTER TABLE events ADD COLUMN IF NOT EXISTS ingest_label LowCardinality(String) DEFAULT '' AFTER ingested_at;
ALTER TABLE metric_points ADD COLUMN IF NOT EXISTS ingest_label LowCardinality(String) DEFAULT '' AFTER ingested_at;
ALTER TABLE spans ADD COLUMN IF NOT EXISTS ingest_label LowCardinality(String) DEFAULT '' AFTER ingested_at;
