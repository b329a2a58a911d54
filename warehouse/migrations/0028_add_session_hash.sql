-- A 64-bit hash of the session id beside it in `sessions`, for the waste patterns that group or look up
-- sessions by it (dashboard/api/queries/waste.ts, docs/waste.md): a denial loop is priced at its session's mean
-- cost per request, read from the sessions rows of the loops' sessions; a costly session with no accepted edit is
-- found by hash first. Both read the whole range's rows (1.3 M at 100 M events a month), and hashing the 36-character
-- ids as they are read was most of the time: a stored UInt64 is read instead, and the strings only for the rows
-- that match. The same hash the queries computed (cityHash64 of the id), so nothing they answer changes.
--
-- MATERIALIZED: computed on every insert (the views, the writer's rebuild, the migrations' refills), never
-- written by a client, so it cannot disagree with the id. The parts stored before this migration compute it when
-- read until the mutation below has rewritten them; answers are the same either way. Repeated after a crash, both
-- statements give the same table.

ALTER TABLE sessions ADD COLUMN IF NOT EXISTS session_hash UInt64 MATERIALIZED cityHash64(session_id) COMMENT 'cityHash64(session_id): the waste patterns group and look up sessions by it';

ALTER TABLE sessions MATERIALIZE COLUMN session_hash;
