/**
 * What the stores record for the operator's report, and the few rules both stores share. Each
 * event is counted in the minute it happened, by the store's clock: a sparse count per
 * '<figure>:<minute>' (a Redis hash, or a Map in the embedded store).
 */

export const REPORT_FIGURES = ['joined', 'admitted', 'purchased', 'expired', 'left'] as const;
export type ReportFigure = (typeof REPORT_FIGURES)[number];

export const MINUTE_MS = 60_000;

export type MinuteCounts = { minute: number } & Record<ReportFigure, number>;

/** The sale's story as one store read sees it; the report (GET /api/admin/report) is shaped from it. */
export interface SaleRecord {
  /** The store's clock, epoch ms. */
  now: number;
  /** Every minute from the first one with anything counted to the last, in order; `minute` is epoch ms / 60,000. */
  minutes: MinuteCounts[];
  /** How many shoppers have a time in queue (join to their latest admission). */
  queueTimes: number;
  /** When the latest purchase was made, epoch ms; null before the first. */
  lastPurchaseAt: number | null;
}

/** The minute an instant falls in, as the per-minute counts key it (includes/report.lua does the same). */
export function minuteOf(epochMs: number): number {
  return Math.floor(epochMs / MINUTE_MS);
}

/** The count's key: the figure and the minute it happened in. */
export function minuteCountKey(figure: ReportFigure, epochMs: number): string {
  return `${figure}:${minuteOf(epochMs)}`;
}

/**
 * A shopper who leaves the line counts as having left only while the sale could still sell to
 * them: once it is sold out or over, the line is closed out by the sale, not left.
 */
export function departureCounts(sale: { remaining: number; endsAt: number }, now: number): boolean {
  return sale.remaining > 0 && now < sale.endsAt;
}

/** Sparse '<figure>:<minute>' counts into whole minutes, first to last, quiet minutes as zeros. */
export function minutesFromCounts(counts: Iterable<readonly [string, number]>): MinuteCounts[] {
  const byMinute = new Map<number, MinuteCounts>();
  for (const [key, count] of counts) {
    const [figure, minuteText] = key.split(':');
    const minute = Number(minuteText);
    if (!REPORT_FIGURES.includes(figure as ReportFigure) || !Number.isInteger(minute)) continue;
    const row = byMinute.get(minute) ?? emptyMinute(minute);
    row[figure as ReportFigure] += count;
    byMinute.set(minute, row);
  }
  if (byMinute.size === 0) return [];
  const first = Math.min(...byMinute.keys());
  const last = Math.max(...byMinute.keys());
  const minutes: MinuteCounts[] = [];
  for (let minute = first; minute <= last; minute++) minutes.push(byMinute.get(minute) ?? emptyMinute(minute));
  return minutes;
}

function emptyMinute(minute: number): MinuteCounts {
  return { minute, joined: 0, admitted: 0, purchased: 0, expired: 0, left: 0 };
}

/**
 * The 0-based rank of a percentile among `count` sorted values, by the nearest-rank method (the
 * smallest value with at least p % of the values at or below it); -1 when there are none.
 */
export function nearestRank(count: number, percentile: number): number {
  if (count === 0) return -1;
  return Math.min(count, Math.max(1, Math.ceil((percentile / 100) * count))) - 1;
}
