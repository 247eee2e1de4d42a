import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { startAllInOneInstance } from '@flashsale/all-in-one';
import { createCheckoutApp } from '@flashsale/checkout';
import {
  createLogger,
  type AdmissionSettings,
  type JoinPolicy,
  type Clock,
  type InitialAdmission,
  type Logger,
  type OrderExport,
  type Product,
  type QueueStore,
  type SaleDefinition,
  type SaleStore,
  type SigningKeys,
} from '@flashsale/common';
import type { WaitingRoom } from '@flashsale/waiting-room';
import { manualClock } from './clock';
import { ADMIN_TOKEN, QUEUE_TOKEN_SECRET, testKeys } from './keys';
import type { RedisServer } from './redis-server';
import { createSaleStore, DEFAULT_SETTINGS, type StoreKind } from './sales';

/**
 * The services started inside the test process, on a real port of 127.0.0.1: the checkout alone,
 * or a whole instance (waiting room and checkout on one port, as the all-in-one process runs them).
 * For the built entry points as child processes, see processes.ts.
 */

export interface RunningCheckout {
  url: string;
  close: () => Promise<void>;
}

/** The checkout service on a real port, as a shopper's request would reach it. */
export async function startCheckout(
  store: SaleStore,
  saleId: string,
  options: { clock?: Clock; keys?: SigningKeys; logger?: Logger } = {},
): Promise<RunningCheckout> {
  const app = createCheckoutApp({
    store,
    saleId,
    keys: options.keys ?? testKeys(),
    registry: new Registry(),
    logger: options.logger ?? createLogger('silent'),
    clock: options.clock ?? manualClock(),
  });
  const server: Server = await new Promise((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export interface RunningInstance {
  url: string;
  room: WaitingRoom;
  close: () => Promise<void>;
}

/**
 * One instance as the all-in-one process runs it (waiting room and checkout on one port), on a
 * real port with real sockets, its loops on the real clock: the production composition itself.
 * Give several instances the same RedisServer and they share the sale, the rate limit and
 * (through the adapter) their pushes.
 */
export async function startInstance(
  store: SaleStore & QueueStore,
  sale: SaleDefinition,
  options: {
    settings?: Partial<AdmissionSettings>;
    redis?: RedisServer;
    rateLimitPerMinute?: number;
    join?: Partial<JoinPolicy>;
    product?: Product;
    ledgerOrders?: OrderExport;
  } = {},
): Promise<RunningInstance> {
  const { privateKey, publicKeys } = testKeys();
  if (!privateKey) throw new Error('the test keys cannot sign');
  const running = await startAllInOneInstance({
    store,
    sale,
    settings: {
      admission: { ...DEFAULT_SETTINGS, ...options.settings },
      product: options.product ?? { name: 'Limited edition' },
      keys: { privateKey, publicKeys },
      queueTokenSecret: QUEUE_TOKEN_SECRET,
      adminToken: ADMIN_TOKEN,
      // No cap per network but where a test is about it: tests join from one address.
      join: { maxPlacesPerNetwork: 0, identity: null, ...options.join },
      rateLimitPerMinute: options.rateLimitPerMinute ?? 0,
      trustProxy: false,
      port: 0,
      host: '127.0.0.1',
      redisUrl: options.redis?.url ?? null,
      redisCluster: false,
    },
    logger: createLogger('silent'),
    registry: new Registry(),
    drainNoticeMs: 0,
    ...(options.ledgerOrders && { ledgerOrders: options.ledgerOrders }),
  });
  let closed: Promise<void> | null = null;
  return {
    url: running.url,
    room: running.room,
    // The graceful shutdown, without waiting for requests still out: a test closes an instance as a crash would.
    close: () => {
      closed ??= running.shutdown('test').then(() => undefined);
      running.server.closeAllConnections();
      return closed;
    },
  };
}

export interface OpenSaleOptions {
  /** Waiting-room instances, each with its own store connection as separate processes have. */
  instances?: number;
  admission?: Partial<InitialAdmission>;
  settings?: Partial<AdmissionSettings>;
  /** The cap per network and the shop's identities (none unless given). */
  join?: Partial<JoinPolicy>;
  /** The stores' clock (tests only: RedisStore passes it to its scripts); the real clock unless given. */
  clock?: Clock;
  /** The ledger's orders, for orders.csv (a started ledger's `orders`); the store's unless given. */
  ledgerOrders?: OrderExport;
}

/**
 * A fixture for the test file: `openSale(kind, sale, options)` starts instances on one sale, on
 * the real clock (their loops run on timers; Redis keeps its own TIME), and closes them after
 * each test. The memory store can only be one instance.
 */
export function useSales(redisServer: () => RedisServer) {
  const running: Array<() => Promise<void>> = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((close) => close()));
  });
  return async function openSale(kind: StoreKind, sale: SaleDefinition, options: OpenSaleOptions = {}) {
    const stores: Array<SaleStore & QueueStore> = [];
    const instances: RunningInstance[] = [];
    const { presenceGraceSeconds, idleTimeoutSeconds } = { ...DEFAULT_SETTINGS, ...options.settings };
    for (let i = 0; i < (options.instances ?? 1); i++) {
      const store = await createSaleStore(kind, sale, {
        redis: redisServer(),
        ...(options.clock ? { clock: options.clock } : kind === 'memory' && { clock: Date.now }),
        admission: { ratePerMinute: 600, ...options.admission },
        presence: { graceMs: presenceGraceSeconds * 1000, idleTimeoutMs: idleTimeoutSeconds * 1000 },
      });
      const instance = await startInstance(store, sale, {
        ...(kind === 'redis' && { redis: redisServer() }),
        settings: options.settings ?? {},
        ...(options.join && { join: options.join }),
        ...(options.ledgerOrders && { ledgerOrders: options.ledgerOrders }),
      });
      stores.push(store);
      instances.push(instance);
      running.push(async () => {
        await instance.close();
        await store.close();
      });
    }
    return { stores, instances, url: (instances[0] as RunningInstance).url };
  };
}
