import { createAdapter } from '@socket.io/redis-adapter';
import type { Express } from 'express';
import { collectDefaultMetrics, Registry } from 'prom-client';
import {
  ADMIN_LOGIN_ATTEMPTS,
  closeAdapterClients,
  connectRedis,
  createAdapterClients,
  createFailedAttemptLimit,
  createHttpApp,
  createLogger,
  createRateLimit,
  createRedisClient,
  createStore,
  serve,
  type AllInOneConfig,
  type Logger,
  type OrderExport,
  type QueueStore,
  type RedisConnection,
  type RunningServer,
  type SaleDefinition,
  type SaleStore,
  type WaitingRoomConfig,
} from '@flashsale/common';
import { createWaitingRoom, type WaitingRoom } from './app';

/** What an instance reads of its configuration (either mode that runs a waiting room). */
export type InstanceSettings = Pick<
  WaitingRoomConfig,
  | 'admission'
  | 'product'
  | 'keys'
  | 'queueTokenSecret'
  | 'adminToken'
  | 'join'
  | 'rateLimitPerMinute'
  | 'trustProxy'
  | 'port'
  | 'host'
  | 'redisCluster'
> & { redisUrl: string | null };

export interface InstanceParts {
  /** The sale's store, initialised (openSale), and the sale as it holds it. */
  store: SaleStore & QueueStore;
  sale: SaleDefinition;
  settings: InstanceSettings;
  logger: Logger;
  registry: Registry;
  /** Routes tried before the waiting room's: checkout's purchase, in the all-in-one process. */
  mountFirst?: (app: Express, limits: RedisConnection | null) => void;
  /** Every order as the PostgreSQL ledger holds it, where there is one (orders.csv); else the store's. */
  ledgerOrders?: OrderExport;
  /** Closes what the caller opened (ledger, store), once the server has stopped. */
  onShutdown?: () => Promise<void>;
  drainNoticeMs?: number;
}

export interface RunningInstance extends RunningServer {
  room: WaitingRoom;
}

/**
 * What a waiting-room process opens first: its logger, the configured store holding this sale (a
 * store that already held it keeps its definition), and a metrics registry with the process's figures.
 */
export async function openSale(config: WaitingRoomConfig | AllInOneConfig) {
  const logger = createLogger(config.logLevel);
  const store = await createStore(config, logger);
  const sale = await store.initSale(config.sale, config.admission);
  if (sale.startsAt !== config.sale.startsAt || sale.stock !== config.sale.stock) {
    logger.warn({ stored: sale }, 'the store already holds this sale; its stored definition wins over the configuration');
  }
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return { logger, store, sale, registry };
}

/**
 * One waiting-room instance on its port: the production composition, which the process entries
 * and the tests both start. With Redis, the rate limits count in Redis and Socket.IO pushes
 * travel through the Redis adapter, so any number of instances behave as one.
 */
export async function startWaitingRoomInstance(parts: InstanceParts): Promise<RunningInstance> {
  const { store, sale, settings, logger, registry } = parts;
  const side = settings.redisUrl === null ? null : await openSideConnections(settings.redisUrl, settings.redisCluster, logger);
  const limits = side?.limits ?? null;

  const room = createWaitingRoom({
    store,
    saleId: sale.saleId,
    window: sale,
    admission: settings.admission,
    keys: settings.keys,
    queueTokenSecret: settings.queueTokenSecret,
    adminToken: settings.adminToken,
    joinPolicy: settings.join,
    product: settings.product,
    joinRateLimit: createRateLimit({ perMinute: settings.rateLimitPerMinute, redis: limits, name: `join:${sale.saleId}` }),
    adminAttemptLimit: createFailedAttemptLimit({ ...ADMIN_LOGIN_ATTEMPTS, redis: limits, name: `admin-auth:${sale.saleId}` }),
    ...(side && { socketAdapter: createAdapter(side.publisher, side.subscriber) }),
    registry,
    logger,
    ...(parts.ledgerOrders && { ledgerOrders: parts.ledgerOrders }),
  });
  const { imageUrl } = settings.product;
  const httpOptions = { logger, registry, checkReady: () => store.ping(), trustProxy: settings.trustProxy };
  const app = createHttpApp({ ...httpOptions, imageOrigins: imageUrl ? [new URL(imageUrl).origin] : [] }, (routes) => {
    parts.mountFirst?.(routes, limits);
    room.mount(routes);
  });
  const running = await serve(app, {
    port: settings.port,
    host: settings.host,
    logger,
    ...(parts.drainNoticeMs !== undefined && { drainNoticeMs: parts.drainNoticeMs }),
    beforeClose: () => room.stop(),
    onShutdown: async () => {
      await parts.onShutdown?.();
      await side?.close();
    },
  });
  room.start(running.server);
  return { ...running, room };
}

/** The rate limits' counters, and the socket adapter's publisher and subscriber. */
async function openSideConnections(url: string, cluster: boolean, logger: Logger) {
  const limits = createRedisClient(url, cluster);
  limits.on('error', () => undefined);
  await connectRedis(limits, 30_000);
  const { publisher, subscriber } = createAdapterClients(url, cluster);
  for (const client of [publisher, subscriber])
    client.on('error', (error: Error) => logger.warn({ err: error.message }, 'socket adapter redis error'));
  return {
    limits,
    publisher,
    subscriber,
    close: async () => {
      limits.disconnect();
      await closeAdapterClients(publisher, subscriber);
    },
  };
}

/** The one line every started process logs (tests and operators find the URL in it). */
export function logListening(logger: Logger, running: RunningServer, mode: string, settings: InstanceSettings, sale: SaleDefinition): void {
  logger.info(
    {
      url: running.url,
      mode,
      store: settings.redisUrl ? (settings.redisCluster ? 'redis-cluster' : 'redis') : 'memory',
      saleId: sale.saleId,
      startsAt: new Date(sale.startsAt).toISOString(),
    },
    'flash sale listening',
  );
}
