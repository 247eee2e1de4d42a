import { saleStatus, type Product, type QueueStore, type SaleAnswer, type SaleStore } from '@flashsale/common';

/** The sale as GET /api/sale shows it, read fresh; PATCH /api/admin/sale answers with it too. */
export function createSaleAnswer(store: SaleStore & QueueStore, product: Product): () => Promise<SaleAnswer> {
  return async () => {
    const [sale, counters, control, lottery] = await Promise.all([
      store.getSale(),
      store.saleCounters(),
      store.getAdmissionControl(),
      store.lottery(),
    ]);
    return {
      saleId: sale.saleId,
      status: saleStatus(sale, sale.remaining, sale.now),
      startsAt: new Date(sale.startsAt).toISOString(),
      endsAt: new Date(sale.endsAt).toISOString(),
      serverTime: new Date(sale.now).toISOString(),
      product,
      stock: { total: sale.stock, remaining: sale.remaining },
      queue: { waiting: counters.waiting, admissionRatePerMinute: control.ratePerMinute, paused: control.paused },
      lottery: {
        order: lottery.order,
        ...(lottery.commitment !== null && { commitment: lottery.commitment }),
        ...(lottery.seed !== null && { seed: lottery.seed }),
      },
    };
  };
}
