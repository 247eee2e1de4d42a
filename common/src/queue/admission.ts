/** The operator's live admission settings (SPEC, operator API). */
export interface AdmissionControl {
  ratePerMinute: number;
  paused: boolean;
  /** null: as many as the remaining stock allows. */
  maxActive: number | null;
  overbook: number;
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

/** Brings the bucket up to `now`. While paused it does not fill. */
export function refillBucket(bucket: AdmissionBucket, control: AdmissionControl, now: number): AdmissionBucket {
  if (control.paused || now <= bucket.updatedAt) return { allowance: bucket.allowance, updatedAt: Math.max(now, bucket.updatedAt) };
  const earned = ((now - bucket.updatedAt) * control.ratePerMinute) / 60_000;
  // Rounded to a billionth, so that ten steps of 0.1 make 1 and not 0.999…: the Redis store keeps
  // the allowance as a 14-digit string, and both stores must floor it alike.
  const allowance = Math.round((bucket.allowance + earned) * 1e9) / 1e9;
  return { allowance: Math.min(bucketCapacity(control.ratePerMinute), allowance), updatedAt: now };
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

/** How many shoppers this step admits: whole units of allowance, within the cap, and no more than wait. */
export function admissionsToGrant(allowance: number, cap: number, active: number, waiting: number): number {
  return Math.max(0, Math.min(Math.floor(allowance), cap - active, waiting));
}
