import { Gauge, type Registry } from 'prom-client';
import type { Logger, OrderExport, SaleStore } from '@flashsale/common';
import { LedgerWriter } from './ledger-writer';
import { Reconciler } from './reconciler';
import { migrateLedger, OrderLedger } from './order-ledger';

export interface RunningLedger {
  writer: LedgerWriter;
  reconciler: Reconciler;
  /** Every order as the ledger holds it (orders.csv). */
  orders: OrderExport;
  stop(): Promise<void>;
}

/**
 * The order ledger of a process with DATABASE_URL: migrate, then write the store's order log
 * into PostgreSQL in the background. Start-up waits for the migration only; after that,
 * PostgreSQL may come and go without touching a purchase.
 */
export async function startLedger(options: {
  databaseUrl: string;
  store: SaleStore;
  saleId: string;
  logger: Logger;
  /** Where the ledger's lag is published, as flashsale_ledger_pending. */
  registry?: Registry;
}): Promise<RunningLedger> {
  const { databaseUrl, store, saleId, logger } = options;
  await migrateLedger(databaseUrl, logger);
  const log = store.orderLog();
  if (options.registry) {
    new Gauge({
      name: 'flashsale_ledger_pending',
      help: 'Orders in the order log not yet written to the ledger (its lag), read at scrape time.',
      registers: [options.registry],
      async collect() {
        const stats = await log.stats().catch(() => null);
        if (stats) this.set(stats.pending);
      },
    });
  }
  const ledger = new OrderLedger(databaseUrl, saleId);
  const writer = new LedgerWriter(log, ledger, logger);
  const reconciler = new Reconciler(log, ledger, logger);
  writer.start();
  reconciler.start();
  return {
    writer,
    reconciler,
    orders: () => ledger.orders(),
    async stop() {
      await Promise.all([writer.stop(), reconciler.stop()]);
      await Promise.all([log.close(), ledger.close()]);
    },
  };
}
