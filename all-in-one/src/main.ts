import { startLedger } from '@flashsale/checkout';
import { loadConfig, runMain, stopOnSignals } from '@flashsale/common';
import { logListening, openSale } from '@flashsale/waiting-room';
import { startAllInOneInstance } from './instance';

/**
 * The all-in-one process: both services and the built client on one port. With no REDIS_URL it
 * runs on the embedded store, so it needs nothing but Node.js.
 */
runMain(async () => {
  const config = loadConfig(process.env, 'all-in-one');
  const { logger, store, sale, registry } = await openSale(config);
  // The ledger writer runs where DATABASE_URL is set (SPEC).
  const ledger = config.databaseUrl
    ? await startLedger({ databaseUrl: config.databaseUrl, store, saleId: sale.saleId, logger, registry })
    : null;
  const running = await startAllInOneInstance({
    store,
    sale,
    settings: config,
    logger,
    registry,
    ...(ledger && { ledgerOrders: ledger.orders }),
    onShutdown: async () => {
      await ledger?.stop();
      await store.close();
    },
  });
  stopOnSignals(running);
  logListening(logger, running, config.mode, config, sale);
  if (config.generated.adminToken) {
    process.stdout.write(`\nADMIN_TOKEN was not set, so one was generated for this run: ${config.adminToken}\n\n`);
  }
  if (config.join.identity === null) {
    process.stdout.write('Shoppers name themselves. To try shop-signed identities: npm run mint-identity (it prints how).\n\n');
  }
});
