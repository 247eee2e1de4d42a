import { collectDefaultMetrics, Registry } from 'prom-client';
import { createLogger, createStore, loadConfig, runMain, serve } from '@flashsale/common';
import { createCheckoutApp } from './app';

/** One checkout instance of a split deployment: Redis required, public keys only. */
runMain(async () => {
  const config = loadConfig(process.env, 'checkout');
  const logger = createLogger(config.logLevel);
  const store = await createStore(config, logger);
  await store.initSale(config.sale, config.admission);

  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const app = createCheckoutApp({ store, saleId: config.sale.saleId, keys: config.keys, registry, logger });
  const running = await serve(app, { port: config.port, host: config.host, logger, onShutdown: () => store.close() });
  logger.info({ url: running.url, saleId: config.sale.saleId }, 'checkout listening');
});
