import { collectDefaultMetrics, Registry } from 'prom-client';
import { mountCheckout } from '@flashsale/checkout';
import { createHttpApp, createLogger, createStore, loadConfig, runMain, serve } from '@flashsale/common';
import { mountWaitingRoom } from './app';

/**
 * The all-in-one process: both services (and, as it arrives, the built client) on one port.
 * With no REDIS_URL it runs on the embedded store, so it needs nothing but Node.js.
 */
runMain(async () => {
  const config = loadConfig(process.env, 'all-in-one');
  const logger = createLogger(config.logLevel);
  const store = await createStore(config, logger);
  const sale = await store.initSale(config.sale, config.admission);
  if (sale.startsAt !== config.sale.startsAt || sale.stock !== config.sale.stock) {
    logger.warn({ stored: sale }, 'the store already holds this sale; its stored definition wins over the configuration');
  }

  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const app = createHttpApp({ logger, registry, checkReady: () => store.ping() }, (routes) => {
    mountWaitingRoom(routes, { store, admission: config.admission });
    mountCheckout(routes, { store, saleId: config.sale.saleId, keys: config.keys, registry });
  });

  const running = await serve(app, { port: config.port, host: config.host, logger, onShutdown: () => store.close() });
  logger.info(
    { url: running.url, store: config.redisUrl ? 'redis' : 'memory', saleId: sale.saleId, startsAt: new Date(sale.startsAt).toISOString() },
    'flash sale listening',
  );
  if (config.generated.adminToken) {
    process.stdout.write(`\nADMIN_TOKEN was not set, so one was generated for this run: ${config.adminToken}\n\n`);
  }
});
