import { selectRows, type Warehouse } from '../../../warehouse/client'

/**
 * Sign-in attempts in the warehouse (migration 0019), so that every instance behind a load balancer
 * counts the failures of all of them. Each attempt is written before its password is checked (parallel
 * guesses on several instances all see each other); a success writes a row that takes its attempt back.
 * Over the last `windowMs`: a pair's failures since its last success, and an account's or address's
 * failures (attempts less successes), each with its latest attempt; and whether the pair signed in
 * within `knownMs`.
 */
export interface Tally {
  count: number
  /** Unix ms of the latest attempt (0 without one). */
  last: number
}

export interface SharedTally {
  pair: Tally
  account: Tally
  address: Tally
  known: boolean
}

const text = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '')
const msOf = (value: string) => (value.startsWith('1970-01-01') ? 0 : Date.parse(`${value.replace(' ', 'T')}Z`))

export class SharedAttempts {
  constructor(
    private readonly client: Warehouse,
    private readonly windowMs = 60 * 60_000,
    private readonly knownMs = 30 * 86_400_000,
  ) {}

  async record(outcome: 'attempt' | 'success', address: string, account: string, at = Date.now()): Promise<void> {
    await this.client.insert({ table: 'login_attempts', format: 'JSONEachRow', values: [{ at: text(at), address, account, outcome }] })
  }

  async tally(address: string, account: string, now = Date.now()): Promise<SharedTally> {
    const [row] = await selectRows<Record<string, string>>(
      this.client,
      `WITH (SELECT max(at) FROM login_attempts WHERE outcome = 'success' AND account = {account:String} AND address = {address:String}) AS pair_success
       SELECT
         countIf(outcome = 'attempt' AND account = {account:String} AND address = {address:String} AND at > pair_success) AS pair_n,
         maxIf(at, outcome = 'attempt' AND account = {account:String} AND address = {address:String}) AS pair_last,
         countIf(outcome = 'attempt' AND account = {account:String}) - countIf(outcome = 'success' AND account = {account:String}) AS account_n,
         maxIf(at, outcome = 'attempt' AND account = {account:String}) AS account_last,
         countIf(outcome = 'attempt' AND address = {address:String}) - countIf(outcome = 'success' AND address = {address:String}) AS address_n,
         maxIf(at, outcome = 'attempt' AND address = {address:String}) AS address_last,
         pair_success > {known:DateTime64(3, 'UTC')} AS known
       FROM login_attempts
       WHERE at > {since:DateTime64(3, 'UTC')} AND (account = {account:String} OR address = {address:String})`,
      { account, address, since: text(now - this.windowMs), known: text(now - this.knownMs) },
    )
    const tally = (n: string | undefined, last: string | undefined): Tally => ({ count: Math.max(0, Number(n ?? 0)), last: msOf(last ?? '1970-01-01') })
    return {
      pair: tally(row?.pair_n, row?.pair_last),
      account: tally(row?.account_n, row?.account_last),
      address: tally(row?.address_n, row?.address_last),
      known: String(row?.known) === '1' || String(row?.known) === 'true',
    }
  }
}
