import { saleStatus, type Product, type QueueStore, type SaleAnswer } from '@flashsale/common';

/** The sale as GET /api/sale shows it, read fresh; PATCH /api/admin/sale answers with it too. */
export function createSaleAnswer(store: QueueStore, saleId: string, product: Product): () => Promise<SaleAnswer> {
  return async () => {
    // The counters carry the window and the stock, read in the same step as the rest.
    const [counters, control, lottery] = await Promise.all([store.saleCounters(), store.getAdmissionControl(), store.lottery()]);
    const { window, now } = counters;
    return {
      saleId,
      status: saleStatus(window, counters.remaining, now),
      startsAt: new Date(window.startsAt).toISOString(),
      endsAt: new Date(window.endsAt).toISOString(),
      serverTime: new Date(now).toISOString(),
      product,
      stock: { total: counters.stock, remaining: counters.remaining },
      queue: { waiting: counters.waiting, admissionRatePerMinute: control.ratePerMinute, paused: control.paused },
      lottery: {
        order: lottery.order,
        ...(lottery.commitment !== null && { commitment: lottery.commitment }),
        ...(lottery.seed !== null && { seed: lottery.seed }),
      },
    };
  };
}
