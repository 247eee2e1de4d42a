import { collectDefaultMetrics, Registry } from 'prom-client';
import {
  connectRedis,
  createLogger,
  createRateLimit,
  createRedisClient,
  createStore,
  loadConfig,
  runMain,
  serve,
  stopOnSignals,
} from '@flashsale/common';
import { createCheckoutApp, startLedger } from './app';

/** One checkout instance of a split deployment: Redis required, public keys only. */
runMain(async () => {
  const config = loadConfig(process.env, 'checkout');
  const logger = createLogger(config.logLevel);
  const store = await createStore(config, logger);
  // Admission is the waiting room's: checkout leaves its settings alone, whichever starts first.
  await store.initSale(config.sale, null);

  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  // The rate limit counts in Redis, so the limit is per IP across every instance.
  const limits = createRedisClient(config.redisUrl, config.redisCluster);
  limits.on('error', () => undefined);
  await connectRedis(limits, 30_000);
  const { saleId } = config.sale;
  const rateLimit = createRateLimit({ perMinute: config.rateLimitPerMinute, redis: limits, name: `purchase:${saleId}` });
  const app = createCheckoutApp({ store, saleId, keys: config.keys, registry, logger, rateLimit, trustProxy: config.trustProxy });
  const ledger = config.databaseUrl ? await startLedger({ databaseUrl: config.databaseUrl, store, saleId, logger, registry }) : null;
  const running = await serve(app, {
    port: config.port,
    host: config.host,
    logger,
    onShutdown: async () => {
      await ledger?.stop();
      await store.close();
      limits.disconnect();
    },
  });
  stopOnSignals(running);
  logger.info({ url: running.url, saleId }, 'checkout listening');
});
