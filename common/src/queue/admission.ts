import { checkWindow, type SaleWindow } from '../contract/sale-status';

/** The operator's live admission settings (SPEC, operator API). */
export interface AdmissionControl {
  ratePerMinute: number;
  paused: boolean;
  /** null: as many as the remaining stock allows. */
  maxActive: number | null;
  overbook: number;
  /** The join's proof of work (ALTCHA maxnumber); 0: off. */
  challengeMaxNumber: number;
}

/**
 * The admission allowance, shared by every instance: a token bucket that fills at
 * `ratePerMinute` by the store's clock. Whoever runs the admission step spends from the one
 * bucket, so the total rate is the same with one instance or five, and it admits as smoothly
 * as the step runs (every ~100 ms), not in a burst once a minute.
 */
export interface AdmissionBucket {
  /** Fractional admissions available now. */
  allowance: number;
  /** When the allowance was last brought up to date (epoch ms). */
  updatedAt: number;
}

/** At most one second's worth of admissions may be saved up, so a quiet spell never ends in a burst. */
export function bucketCapacity(ratePerMinute: number): number {
  return Math.max(1, ratePerMinute / 60);
}

/**
 * Brings the bucket up to `now`. Nothing is earned before the start or while paused, so the first
 * second of the sale admits a second's worth, not that plus whatever piled up before.
 */
export function refillBucket(bucket: AdmissionBucket, control: AdmissionControl, now: number, startsAt: number): AdmissionBucket {
  const earningFrom = Math.max(bucket.updatedAt, startsAt);
  if (control.paused || now <= earningFrom) return { allowance: bucket.allowance, updatedAt: Math.max(now, bucket.updatedAt) };
  const earned = ((now - earningFrom) * control.ratePerMinute) / 60_000;
  // Rounded to a billionth, so that ten steps of 0.1 make 1 and not 0.999…: the Redis store keeps
  // the allowance as a 14-digit string, and both stores must floor it alike.
  const allowance = Math.round((bucket.allowance + earned) * 1e9) / 1e9;
  return { allowance: Math.min(bucketCapacity(control.ratePerMinute), allowance), updatedAt: now };
}

/**
 * The allowance a step leaves after admitting `admitted`. Unspent allowance is kept only as far
 * as someone could use it: when no present shopper was left (`lineRanOut`) whole units are
 * dropped, and never more is kept than the cap has free slots (`room`, before the step).
 * Allowance saved while nobody could use it would come out later as a burst, and the rate must
 * hold within 2 % over any 10 s of admitting. What a step only did not reach (its batch or
 * pass-over limit) is kept and caught up; so is the fraction, so slow rates reach a whole unit.
 */
export function spendAllowance(step: { allowance: number; admitted: number; room: number; lineRanOut: boolean }): number {
  const left = step.allowance - step.admitted;
  const fraction = left - Math.floor(left);
  const usable = step.lineRanOut ? 0 : Math.max(0, step.room - step.admitted);
  return Math.round(Math.min(left, usable + fraction) * 1e9) / 1e9;
}

/**
 * The most shoppers who may hold an admission at once: never more than `maxActive`, and never
 * more than the remaining stock times `overbook`, so by default nobody is admitted to a sale
 * that cannot serve them.
 */
export function activeAdmissionCap(control: AdmissionControl, remaining: number): number {
  const byStock = Math.floor(remaining * control.overbook);
  return Math.max(0, control.maxActive === null ? byStock : Math.min(control.maxActive, byStock));
}

/** How many shoppers a step may admit: whole units of allowance, within the cap's free slots and the batch limit. */
export function admissionsToGrant(allowance: number, room: number, maxBatch: number): number {
  return Math.max(0, Math.min(Math.floor(allowance), room, maxBatch));
}

/** What one admission step decides before it looks at the line; admit-10.lua returns the same states. */
export type AdmissionPlan =
  /** Outside the window, or sold out. */
  | { kind: 'closed' }
  /** A random pre-queue still waits for its one draw. */
  | { kind: 'awaiting_draw' }
  /** The bucket is brought up to now (earning nothing), so a resume does not pay out the pause. */
  | { kind: 'paused'; bucket: AdmissionBucket }
  /** Admit up to `grant` present shoppers; `room` is the cap's free slots before the step. */
  | { kind: 'admitting'; bucket: AdmissionBucket; room: number; grant: number };

export interface AdmissionFacts {
  window: SaleWindow;
  remaining: number;
  prequeueSettled: boolean;
  control: AdmissionControl;
  bucket: AdmissionBucket;
  activeAdmissions: number;
}

/** The admission step's plan: whether it may admit at all, and how many. */
export function planAdmission(facts: AdmissionFacts, now: number, maxBatch: number): AdmissionPlan {
  const { window, remaining, control } = facts;
  if (checkWindow(window, now) !== 'open' || remaining <= 0) return { kind: 'closed' };
  if (!facts.prequeueSettled) return { kind: 'awaiting_draw' };
  const bucket = refillBucket(facts.bucket, control, now, window.startsAt);
  if (control.paused) return { kind: 'paused', bucket };
  const room = activeAdmissionCap(control, remaining) - facts.activeAdmissions;
  return { kind: 'admitting', bucket, room, grant: admissionsToGrant(bucket.allowance, room, maxBatch) };
}
