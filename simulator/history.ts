/**
 * The demo fleet's history, a time window at a time: the sessions the simulator runs (simulator/run.ts
 * `generate`: the same plan, seeds and deadline), per user. The records of a window are those whose time
 * falls in it, of the sessions that may reach it (those starting in it or the day before: no simulated
 * session lasts a day), so that the windows that cover the period hold exactly `generate`'s records, each
 * once, and a window's rows are exactly its UTC days'. The backfilled history and a run of the simulator
 * are one fleet. Pure: no engine.
 */
import { DAY, MINUTE, planDay, type Period, type SessionPlan, type SimUser } from './fleet'
import { Rng } from './random'
import { SessionSim, type SessionRecords } from './session'
import { Tally } from './truths'

/** Like `generate`: no session starts in the period's last 20 minutes. */
const LAST_START_MARGIN_MS = 20 * MINUTE

export interface Window {
  fromMs: number
  toMs: number
}

/** The local days whose sessions may start in the window (a user's day is shifted by their UTC offset). */
function daysAround(period: Period, w: Window): number[] {
  const first = Math.max(0, Math.floor((w.fromMs - period.firstUtcMidnight) / DAY) - 1)
  const last = Math.min(period.days, Math.floor((w.toMs - 1 - period.firstUtcMidnight) / DAY) + 1)
  const days: number[] = []
  for (let d = first; d <= last; d++) days.push(d)
  return days
}

/** The plans of the sessions starting in the window, per user (users without any left out). */
export function windowPlans(seed: number, users: readonly SimUser[], period: Period, w: Window): Array<{ user: SimUser; plans: SessionPlan[] }> {
  const bounds = { from: Math.max(period.from, w.fromMs), lastStart: Math.min(period.end - LAST_START_MARGIN_MS, w.toMs - 1) }
  const out: Array<{ user: SimUser; plans: SessionPlan[] }> = []
  if (bounds.lastStart < bounds.from) return out
  const days = daysAround(period, w)
  for (const user of users) {
    const plans = days.flatMap((day) => planDay(seed, user, day, period.days, period.firstUtcMidnight, bounds))
    if (plans.length > 0) out.push({ user, plans })
  }
  return out
}

/** The longest a simulated session runs: a window's records come from sessions starting up to this long before it. */
export const SESSION_REACH_MS = DAY

/** The sessions that may have records in the window (starting in it or up to SESSION_REACH_MS before), simulated, per user. */
export function* windowSessions(seed: number, users: readonly SimUser[], period: Period, w: Window): Generator<{ user: SimUser; sessions: SessionRecords[] }> {
  const tally = new Tally({ from: new Date(period.from), to: new Date(period.end) })
  for (const { user, plans } of windowPlans(seed, users, period, { fromMs: w.fromMs - SESSION_REACH_MS, toMs: w.toMs }))
    yield { user, sessions: plans.map((plan) => new SessionSim(new Rng(plan.seed), plan, tally, period.end).run()) }
}
