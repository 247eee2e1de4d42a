import type { AdminStateAnswer } from '@flashsale/common/contract';

export interface Sample {
  /** Unix seconds (server clock), as uPlot's time axis wants. */
  t: number;
  admittedTotal: number;
  sold: number;
  waiting: number;
}

/** Five minutes of one-second samples. */
export const HISTORY_LENGTH = 300;

/** The history with one more sample; the oldest go past HISTORY_LENGTH. A repeat of the same second replaces it. */
export function withSample(history: readonly Sample[], state: AdminStateAnswer): Sample[] {
  const t = Date.parse(state.serverTime) / 1000;
  const sample: Sample = { t, admittedTotal: state.counters.admittedTotal, sold: state.counters.sold, waiting: state.counters.waiting };
  const kept = history.filter((old) => old.t < t);
  kept.push(sample);
  return kept.slice(-HISTORY_LENGTH);
}

/** uPlot's columns: time, admitted (cumulative), sold (cumulative), waiting. */
export function chartColumns(history: readonly Sample[]): [number[], number[], number[], number[]] {
  return [history.map((s) => s.t), history.map((s) => s.admittedTotal), history.map((s) => s.sold), history.map((s) => s.waiting)];
}
