import type { Warehouse } from './client'

/** What the query layer needs of the warehouse: to run a query. A client, or a pool of them. */
export type Reader = Pick<Warehouse, 'query'>

/**
 * Several engine sessions for reads (embedded mode). One chDB session runs one query at a time, so a
 * page's ten panels used to wait in line behind each other; sessions on the same data directory run
 * side by side. Each query goes to the session with the fewest queries in flight. (A server client
 * already keeps several connections: it needs no pool.)
 */
export class ReadPool implements Reader {
  private readonly busy: number[]

  constructor(private readonly sessions: readonly Warehouse[]) {
    if (sessions.length === 0) throw new Error('a read pool needs at least one session')
    this.busy = sessions.map(() => 0)
  }

  get size(): number {
    return this.sessions.length
  }

  query: Warehouse['query'] = (async (params: Parameters<Warehouse['query']>[0]) => {
    let best = 0
    for (let i = 1; i < this.busy.length; i++) if (this.busy[i]! < this.busy[best]!) best = i
    this.busy[best]!++
    try {
      // The result is read to the end before the session counts as free (chDB materializes it anyway).
      return await this.sessions[best]!.query(params)
    } finally {
      this.busy[best]!--
    }
  }) as Warehouse['query']
}
