import { createAdapter } from '@socket.io/redis-adapter';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { mountCheckout, startLedger } from '@flashsale/checkout';
import {
  connectRedis,
  createHttpApp,
  createLogger,
  createFailedAttemptLimit,
  createRateLimit,
  closeAdapterClients,
  ADMIN_LOGIN_ATTEMPTS,
  createAdapterClients,
  createRedisClient,
  createStore,
  type RedisConnection,
  serve,
  type Config,
} from '@flashsale/common';
import { createWaitingRoom } from './app';

/**
 * Starts a waiting-room process: alone (split mode), or with checkout beside it on the same
 * port (all-in-one). With Redis, the rate limit counts in Redis and Socket.IO pushes travel
 * through the Redis adapter, so any number of instances behave as one.
 */
export async function startWaitingRoomProcess(config: Config, options: { withCheckout: boolean }): Promise<void> {
  const logger = createLogger(config.logLevel);
  const store = await createStore(config, logger);
  const sale = await store.initSale(config.sale, config.admission);
  if (sale.startsAt !== config.sale.startsAt || sale.stock !== config.sale.stock) {
    logger.warn({ stored: sale }, 'the store already holds this sale; its stored definition wins over the configuration');
  }

  // Side connections: the rate limit's counters, and the adapter's publisher and subscriber.
  let limits: RedisConnection | null = null;
  let publisher: RedisConnection | undefined;
  let subscriber: RedisConnection | undefined;
  if (config.redisUrl) {
    limits = createRedisClient(config.redisUrl, config.redisCluster);
    limits.on('error', () => undefined);
    await connectRedis(limits, 30_000);
    ({ publisher, subscriber } = createAdapterClients(config.redisUrl, config.redisCluster));
    for (const client of [publisher, subscriber])
      client.on('error', (error: Error) => logger.warn({ err: error.message }, 'socket adapter redis error'));
  }

  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const waitingRoom = createWaitingRoom({
    store,
    saleId: sale.saleId,
    window: sale,
    admission: config.admission,
    keys: config.keys,
    queueTokenSecret: config.queueTokenSecret,
    adminToken: config.adminToken,
    joinRateLimit: createRateLimit({ perMinute: config.rateLimitPerMinute, redis: limits, name: 'join' }),
    adminAttemptLimit: createFailedAttemptLimit({ ...ADMIN_LOGIN_ATTEMPTS, redis: limits, name: `admin-auth:${sale.saleId}` }),
    registry,
    logger,
  });
  const app = createHttpApp({ logger, registry, checkReady: () => store.ping(), trustProxy: config.trustProxy }, (routes) => {
    // The purchase first: Express tries routes in order, and it is the hottest path.
    if (options.withCheckout) {
      const purchaseRateLimit = createRateLimit({ perMinute: config.rateLimitPerMinute, redis: limits, name: 'purchase' });
      mountCheckout(routes, { store, saleId: sale.saleId, keys: config.keys, registry, rateLimit: purchaseRateLimit });
    }
    waitingRoom.mount(routes);
  });

  // The ledger writer runs where DATABASE_URL is set (SPEC); in split mode, in checkout.
  const ledger =
    options.withCheckout && config.databaseUrl
      ? await startLedger({ databaseUrl: config.databaseUrl, store, saleId: sale.saleId, logger, registry })
      : null;

  const running = await serve(app, {
    port: config.port,
    host: config.host,
    logger,
    beforeClose: () => waitingRoom.stop(),
    onShutdown: async () => {
      await ledger?.stop();
      await store.close();
      limits?.disconnect();
      if (publisher && subscriber) await closeAdapterClients(publisher, subscriber);
    },
  });
  waitingRoom.start(running.server, publisher && subscriber ? createAdapter(publisher, subscriber) : undefined);
  logger.info(
    {
      url: running.url,
      mode: config.mode,
      store: config.redisUrl ? (config.redisCluster ? 'redis-cluster' : 'redis') : 'memory',
      saleId: sale.saleId,
      startsAt: new Date(sale.startsAt).toISOString(),
    },
    'flash sale listening',
  );
  if (config.generated.adminToken) {
    process.stdout.write(`\nADMIN_TOKEN was not set, so one was generated for this run: ${config.adminToken}\n\n`);
  }
}
