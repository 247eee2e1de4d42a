/**
 * The estimated wait comes from the admission rate the line actually moves at while admission
 * runs: the inventory cap or slow buyers slow the line, and the estimate should say so. Time in
 * which nobody could be admitted (before the start, while paused, with nobody present to admit)
 * must not count, or the estimate is worst exactly when the crowd arrives. So the meter measures
 * one stretch of admitting at a time: a change of regime (the start, a resume, a new rate)
 * starts a new stretch, and until it is long enough to measure, the operator's rate stands in,
 * which the shared bucket keeps exactly.
 */
const RATE_WINDOW_MS = 10_000;
/** A stretch shorter than this is not measured: at 600/min it holds 30 admissions, ±1. */
const MIN_STRETCH_MS = 3_000;

interface Sample {
  at: number;
  admittedTotal: number;
}

/** What admission is doing now, as the ticker sees it. */
export interface AdmissionRegime {
  /** Active, not paused, drawn, and someone present to admit. */
  admitting: boolean;
  ratePerMinute: number;
}

export class AdmissionRateMeter {
  private samples: Sample[] = [];
  /** The rate of the stretch being measured; null while not admitting. */
  private stretchRate: number | null = null;

  record(at: number, admittedTotal: number, regime: AdmissionRegime): void {
    const rate = regime.admitting ? regime.ratePerMinute : null;
    if (rate !== this.stretchRate) {
      this.samples = [];
      this.stretchRate = rate;
    }
    if (rate === null) return;
    const last = this.samples.at(-1);
    if (last && at <= last.at) return;
    this.samples.push({ at, admittedTotal });
    // Keep one sample from before the window, so the window is always fully covered.
    while (this.samples.length > 2 && (this.samples[1] as Sample).at <= at - RATE_WINDOW_MS) this.samples.shift();
  }

  /** Admissions per second over this stretch of admitting (10 s at most), or null until it is long enough. */
  perSecond(): number | null {
    const first = this.samples[0];
    const last = this.samples.at(-1);
    if (!first || !last || last.at - first.at < MIN_STRETCH_MS) return null;
    return ((last.admittedTotal - first.admittedTotal) * 1000) / (last.at - first.at);
  }
}

export interface EtaInputs {
  /** 1-based queue position; null in a random pre-queue before its draw. */
  position: number | null;
  /** Shoppers in the draw, when position is null. */
  inDraw: number;
  /** The measured rate, admissions per second; null when this stretch has not been measured. */
  measuredPerSecond: number | null;
  ratePerMinute: number;
  paused: boolean;
  /** Until the sale starts nobody is admitted: that time is part of the wait. */
  msUntilStart: number;
}

/**
 * Seconds until this shopper is admitted: the time to the start, plus the shoppers ahead at the
 * measured rate (never above the operator's, which the bucket enforces). Before anything is
 * measured, and while paused, the operator's rate stands in. In the draw, the place is not known
 * yet: the estimate is the average over the draw's places.
 */
export function estimateWaitSeconds(inputs: EtaInputs): number {
  const configured = inputs.ratePerMinute / 60;
  const measured = inputs.paused ? null : inputs.measuredPerSecond;
  const rate = measured !== null && measured > 0 ? Math.min(measured, configured) : configured;
  const ahead = inputs.position ?? (inputs.inDraw + 1) / 2;
  const admitting = rate > 0 ? ahead / rate : 0;
  // Rounded, not ceiled: a ceiling adds half a second on average, a fifth of a three-second wait.
  return Math.max(0, Math.round(Math.max(0, inputs.msUntilStart) / 1000 + admitting));
}

/** What the estimate needs of the sale between ticks. */
export interface EstimateFigures {
  inDraw: number;
  measuredPerSecond: number | null;
  ratePerMinute: number;
  paused: boolean;
}

/**
 * The estimated wait as of the last tick: the live ticker writes the figures, and the routes,
 * the greeting and the pushes read from this one object. Before the first tick nobody can be
 * admitted yet as far as anyone knows, so the estimate is the time to the start.
 */
export class WaitEstimate {
  private figures: EstimateFigures = { inDraw: 0, measuredPerSecond: null, ratePerMinute: 0, paused: false };

  /** `window` is the instance's live copy of the sale's window: an operator may move the start. */
  constructor(private readonly window: { startsAt: number }) {}

  update(figures: EstimateFigures): void {
    this.figures = figures;
  }

  /** Seconds until the shopper at `position` (null: in the draw) is admitted. */
  seconds(position: number | null, now: number): number {
    return estimateWaitSeconds({ position, ...this.figures, msUntilStart: this.window.startsAt - now });
  }
}
