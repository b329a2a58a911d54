/**
 * Where the seeder's rows come from: a `RowSource` is the inner query that makes one row per event (or
 * per metric point) with its session and user, over which bench/seed.ts builds everything else (event
 * kinds, tokens, tools, attributes). Two exist: made-up users and sessions cut from numbers()
 * (bench/seed-synthetic.ts, the benchmarks' default) and a given list of users and sessions
 * (bench/seed-sessions.ts, what the demo's history is made of).
 *
 * The columns a source defines, by name:
 * - events: `n` (UInt64, unique per event: hashes and ids derive from it), `ms` (Int64, the event's
 *   time in Unix milliseconds), `seq` (Int64, the event's index in its session);
 * - metric points: `m` (UInt64, unique per point), `ts_ms` (Int64), `k` (Int64, the point's index in
 *   its session: 0 is session.count);
 * - both: `sess` (UInt64, unique per session), `session_id`, `org` (organization.id), the identity
 *   columns `u_key`, `u_email`, `u_enduser`, `u_account` (user_key, user_email, enduser_id,
 *   user_account_uuid), `user_id`, `team`, `dept`, `cost_center`, `version`, `terminal`, `sess_model`
 *   (the session's main model), `resource` (the resource attributes) and `identity_attrs` (the
 *   attributes every record of the session carries).
 */
export interface RowSource {
  /** The inner query's `WITH …`, or ''. */
  with: string
  /** Its column definitions (see above). */
  columns: string
  /** Its `FROM …`. */
  from: string
  /** A condition on its columns that rows must meet, or '' for all. */
  where: string
  /** Values of the typed placeholders ({name:Type}) the source uses, if any. */
  params?: Record<string, unknown>
  /**
   * Metric points only: a condition on its columns, true when the session has no events, so that its first
   * point (k = 0) is its first record: the writer marks that one as the session's start (session_start).
   * Default: never (every session's first record is an event).
   */
  sessionsWithoutEvents?: string
}
