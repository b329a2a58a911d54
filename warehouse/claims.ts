import { randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { z } from 'zod'
import type { Warehouse } from './client'
import { insertCompact } from './columns'
import { run } from './query'

/**
 * "The first claim wins" between ccscope instances on one warehouse (table `claims`, migration 0022), for
 * work that must happen once and that two instances may start at the same moment: inserting the records of
 * a batch an exporter resent to another instance, a webhook delivery attempt, a scheduled report's attempt.
 *
 * An instance inserts a claim per key, waits `settleMs`, then reads the claims of those keys made within
 * `windowSeconds`: the earliest (claimed_at, stamped by the warehouse; then instance id) wins. Two instances
 * that both claim a key each read after their own claim was committed, so at least the later reader sees
 * both; and a claim stamped before mine is visible when I read unless its insert took longer than the settle
 * from its stamp to its commit. So one instance wins, never two, as long as a claim insert commits within
 * `settleMs` of its stamp (on one server: milliseconds; on a cluster claims are read and written on the first
 * healthy replica of the key's shard, load_balancing in_order, so the same holds while that replica is up).
 * A winner that dies before it has done the work holds the key until its claim leaves the window.
 */

export interface ClaimOptions {
  /** Wait between inserting the claims and reading them back. */
  settleMs: number
  /** Claims older than this are ignored: their instance finished, or died. */
  windowSeconds: number
}

export interface Claim {
  key: string
  /** The sharding key (records: their user_key; other claims ''). */
  user_key: string
}

/**
 * Reads and writes of claims go to the first healthy replica of a shard (load_balancing), so every instance sees
 * the same claims; an insert is synchronous through a cluster's Distributed table: on its shard when it returns.
 */
const INSERT_SETTINGS = { load_balancing: 'in_order', async_insert: 0, distributed_foreground_insert: 1 } as const
const CLAIM_COLUMNS = ['key', 'user_key', 'instance'] as const
const LOOKUP_CHUNK = 5_000
const lost = z.object({ key: z.string() })

export class Claimant {
  /** This instance, among the claimants (random per start). */
  readonly instance = randomUUID()

  constructor(
    private readonly client: Warehouse,
    private readonly options: ClaimOptions,
  ) {}

  /** Claims the keys; returns those another instance claimed first (the rest are this instance's to do). */
  async claim(claims: readonly Claim[]): Promise<Set<string>> {
    const others = new Set<string>()
    if (claims.length === 0) return others
    await insertCompact(this.client, {
      into: 'claims',
      columns: CLAIM_COLUMNS,
      rows: claims,
      values: (c) => [c.key, c.user_key, this.instance],
      settings: INSERT_SETTINGS,
    })
    if (this.options.settleMs > 0) await sleep(this.options.settleMs)
    const keys = [...new Set(claims.map((c) => c.key))]
    for (let i = 0; i < keys.length; i += LOOKUP_CHUNK) {
      const rows = await run(this.client, {
        sql: `SELECT key FROM claims
              WHERE key IN {keys:Array(String)} AND claimed_at >= now64(9) - toIntervalSecond({window:UInt32})
              GROUP BY key HAVING argMin(instance, (claimed_at, instance)) != {me:String}
              SETTINGS load_balancing = 'in_order'`,
        params: { keys: keys.slice(i, i + LOOKUP_CHUNK), window: this.options.windowSeconds, me: this.instance },
        row: lost,
      })
      for (const r of rows) others.add(r.key)
    }
    return others
  }
}
