import { OrderLedger } from '@flashsale/checkout';
import { loadConfig, runMain, stopOnSignals } from '@flashsale/common';
import { logListening, openSale, startWaitingRoomInstance } from './instance';

/**
 * One waiting-room instance of a split deployment: Redis, the private key and QUEUE_TOKEN_SECRET
 * required. With DATABASE_URL it reads the ledger checkout writes, for the operator's orders.csv.
 */
runMain(async () => {
  const config = loadConfig(process.env, 'waiting-room');
  const { logger, store, sale, registry } = await openSale(config);
  const ledger = config.databaseUrl ? new OrderLedger(config.databaseUrl, sale.saleId) : null;
  const running = await startWaitingRoomInstance({
    store,
    sale,
    settings: config,
    logger,
    registry,
    ...(ledger && { ledgerOrders: () => ledger.orders() }),
    onShutdown: async () => {
      await ledger?.close();
      await store.close();
    },
  });
  stopOnSignals(running);
  logListening(logger, running, config.mode, config, sale);
});
