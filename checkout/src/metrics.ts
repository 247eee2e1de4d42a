import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { SaleStore } from '@flashsale/common';

export type PurchaseMetrics = ReturnType<typeof createPurchaseMetrics>;

export function createPurchaseMetrics(registry: Registry, store: SaleStore) {
  return {
    outcomes: new Counter<'outcome'>({
      name: 'flashsale_purchases_total',
      help: 'Purchase requests by outcome.',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    duration: new Histogram({
      name: 'flashsale_purchase_duration_seconds',
      help: 'Time to answer a purchase request, token check and store included.',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers: [registry],
    }),
    remaining: new Gauge({
      name: 'flashsale_stock_remaining',
      help: 'Units not yet sold, read from the store at scrape time.',
      registers: [registry],
      async collect() {
        // A scrape while the store is away leaves the last value rather than failing /metrics.
        const sale = await store.getSale().catch(() => null);
        if (sale) this.set(sale.remaining);
      },
    }),
  };
}
