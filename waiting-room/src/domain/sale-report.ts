import { MINUTE_MS, saleStatus, type SaleCounters, type SaleRecord, type SaleReportAnswer } from '@flashsale/common';

/** The percentiles of the time in queue that the report gives, in its order. */
export const QUEUE_PERCENTILES = [50, 95, 99] as const;

export interface SaleReportFacts {
  saleId: string;
  record: SaleRecord;
  counters: SaleCounters;
  /** Times in queue (ms) at QUEUE_PERCENTILES' nearest ranks; empty before the first admission. */
  queueTimes: number[];
  topNetworks: Array<{ network: string; places: number }>;
  blocked: string[];
}

/** GET /api/admin/report from what the store recorded. */
export function saleReport(facts: SaleReportFacts): SaleReportAnswer {
  const { record, counters } = facts;
  const sold = counters.stock - counters.remaining;
  const [p50 = 0, p95 = 0, p99 = 0] = facts.queueTimes.map((ms) => ms / 1000);
  const soldOut = counters.stock > 0 && counters.remaining === 0 && record.lastPurchaseAt !== null;
  return {
    saleId: facts.saleId,
    status: saleStatus(counters.window, counters.remaining, counters.now),
    ...(soldOut && { soldOutAt: new Date(record.lastPurchaseAt as number).toISOString() }),
    minutes: record.minutes.map(({ minute, ...figures }) => ({ at: new Date(minute * MINUTE_MS).toISOString(), ...figures })),
    queueSeconds: { p50, p95, p99 },
    conversion: counters.admittedTotal === 0 ? 0 : sold / counters.admittedTotal,
    outcomes: counters.outcomes,
    abuse: {
      challengesFailed: counters.challengesFailed,
      placesRefused: counters.placesRefused,
      blocked: facts.blocked,
      topNetworks: facts.topNetworks,
    },
  };
}

/** report.csv's columns, in the SPEC's order. */
export const REPORT_CSV_COLUMNS = ['at', 'joined', 'admitted', 'purchased', 'expired', 'left'] as const;
/** orders.csv's columns, in the SPEC's order. */
export const ORDERS_CSV_COLUMNS = ['order_id', 'sale_id', 'user_id', 'purchased_at'] as const;
