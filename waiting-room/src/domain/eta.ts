/**
 * The estimated wait comes from the admission rate the sale actually achieves, not the one the
 * operator set: the inventory cap, a pause or slow buyers all slow the line, and the estimate
 * should say so. Each instance samples the sale-wide admittedTotal (one read per tick, shared by
 * all its shoppers) and measures the rate over a sliding window.
 */
const RATE_WINDOW_MS = 10_000;

interface Sample {
  at: number;
  admittedTotal: number;
}

export class AdmissionRateMeter {
  private samples: Sample[] = [];

  record(at: number, admittedTotal: number): void {
    const last = this.samples.at(-1);
    if (last && at <= last.at) return;
    this.samples.push({ at, admittedTotal });
    // Keep one sample from before the window, so the window is always fully covered.
    while (this.samples.length > 2 && (this.samples[1] as Sample).at <= at - RATE_WINDOW_MS) this.samples.shift();
  }

  /** Admissions per second over the last window, or null until a second of history exists. */
  perSecond(): number | null {
    const first = this.samples[0];
    const last = this.samples.at(-1);
    if (!first || !last || last.at - first.at < 1_000) return null;
    return ((last.admittedTotal - first.admittedTotal) * 1000) / (last.at - first.at);
  }
}

export interface EtaInputs {
  /** 1-based queue position. */
  position: number;
  /** The measured rate, admissions per second; null or 0 when nothing has been measured. */
  measuredPerSecond: number | null;
  ratePerMinute: number;
  paused: boolean;
  /** Until the sale starts nobody is admitted: that time is part of the wait. */
  msUntilStart: number;
}

/**
 * Seconds until this shopper is admitted: the time to the start, plus the shoppers ahead at the
 * measured rate. Before anything is measured (the start, or after a pause), the operator's rate
 * stands in. While paused, the estimate assumes the operator's rate on resume.
 */
export function estimateWaitSeconds(inputs: EtaInputs): number {
  const configured = inputs.ratePerMinute / 60;
  const measured = inputs.paused ? null : inputs.measuredPerSecond;
  const rate = measured !== null && measured > 0 ? measured : configured;
  const admitting = rate > 0 ? inputs.position / rate : 0;
  return Math.max(0, Math.ceil(Math.max(0, inputs.msUntilStart) / 1000 + admitting));
}
