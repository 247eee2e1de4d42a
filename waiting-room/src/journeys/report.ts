import { nearestRank, type OrderExport, type QueueStore, type SaleReportAnswer, type SaleStore } from '@flashsale/common';
import { QUEUE_PERCENTILES, saleReport } from '../domain/sale-report';

/** How many of the busiest networks the operator sees, in the state and the report. */
export const TOP_NETWORKS = 10;

/** GET /api/admin/report's answer, read fresh from the store (sale-wide, whichever instance answers). */
export function createSaleReport(store: QueueStore, saleId: string): () => Promise<SaleReportAnswer> {
  return async () => {
    const [record, counters, topNetworks, blocked] = await Promise.all([
      store.saleRecord(),
      store.saleCounters(),
      store.topNetworks(TOP_NETWORKS),
      store.blockedNetworks(),
    ]);
    const ranks = record.queueTimes === 0 ? [] : QUEUE_PERCENTILES.map((percentile) => nearestRank(record.queueTimes, percentile));
    const queueTimes = await store.queueTimesAt(ranks);
    return saleReport({ saleId, record, counters, queueTimes, topNetworks, blocked });
  };
}

/** The store's orders, oldest first, a page at a time: orders.csv where there is no ledger. */
export function storeOrders(store: SaleStore, pageSize = 5_000): OrderExport {
  return async function* () {
    const log = store.orderLog();
    try {
      // Pages by purchase time; `skip` steps over the orders of the page's last millisecond already given.
      let from = 0;
      let skip = 0;
      for (;;) {
        const page = await log.ordersBetween(from, Number.MAX_SAFE_INTEGER, skip, pageSize);
        if (page.length === 0) return;
        yield page;
        const last = (page[page.length - 1] as (typeof page)[number]).purchasedAt;
        skip = last === from ? skip + page.length : page.filter((order) => order.purchasedAt === last).length;
        from = last;
      }
    } finally {
      await log.close();
    }
  };
}
