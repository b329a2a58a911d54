-- The rollups migration 0010 replaced, no longer fed since: the per-session activity rollup (now
-- user_activity_*, with sessions as uniq states), the metric usage of every session (now only the candidates,
-- usage_metric_candidates_15m) and the writer's list of candidate sessions (now the usage_candidate mark on
-- metric_points). In a migration of their own so that 0010, repeated after a crash, still finds them.
DROP TABLE IF EXISTS activity_15m;
DROP TABLE IF EXISTS usage_metrics_15m;
DROP TABLE IF EXISTS usage_metric_orphans;
