import {
  connectRedis,
  createRedisClient,
  MemoryStore,
  RedisStore,
  type AdmissionSettings,
  type Clock,
  type InitialAdmission,
  type PresencePolicy,
  type QueueStore,
  type SaleDefinition,
  type SaleStore,
} from '@flashsale/common';
import { manualClock, T0 } from './clock';
import type { RedisCluster } from './redis-cluster';
import type { RedisServer } from './redis-server';

/** The embedded store, RedisStore on one server, and RedisStore on a three-master Redis Cluster. */
export type StoreKind = 'memory' | 'redis' | 'redis-cluster';

let saleCounter = 0;

/** A sale open from T0 for an hour; each call gets a fresh id, so tests sharing a Redis never meet. */
export function saleDefinition(overrides: Partial<SaleDefinition> = {}): SaleDefinition {
  saleCounter += 1;
  return {
    saleId: `test-${process.pid}-${saleCounter}`,
    stock: 10,
    startsAt: T0,
    endsAt: T0 + 3_600_000,
    queueOpensAt: T0 - 60_000,
    ...overrides,
  };
}

/** A sale on the real clock that started a second ago and lasts an hour, with the queue open: for tests of real processes. */
export function activeSale(overrides: Partial<SaleDefinition> = {}): SaleDefinition {
  return saleDefinition({ startsAt: Date.now() - 1_000, endsAt: Date.now() + 3_600_000, queueOpensAt: 0, ...overrides });
}

/** Admission as the SPEC's defaults set it, but in join order so tests can predict it. */
export const TEST_ADMISSION: InitialAdmission = {
  prequeueOrder: 'fifo',
  ratePerMinute: 600,
  maxActive: null,
  overbook: 1,
  // The join's proof of work is off but where a test is about it (the kit's solveChallenge pays it).
  challengeMaxNumber: 0,
};

/** The test admission of the stores, with the SPEC's default lifetimes. */
export const DEFAULT_SETTINGS: AdmissionSettings = {
  ...TEST_ADMISSION,
  tokenTtlSeconds: 120,
  presenceGraceSeconds: 30,
  idleTimeoutSeconds: 600,
};

/** A store of the given kind holding `sale`, initialised; Redis stores share the file's server. */
export async function createSaleStore(
  kind: StoreKind,
  sale: SaleDefinition,
  options: {
    redis?: RedisServer;
    cluster?: RedisCluster;
    clock?: Clock;
    /** null: created as a checkout instance creates it, with the admission settings left unset. */
    admission?: Partial<InitialAdmission> | null;
    presence?: PresencePolicy;
  } = {},
): Promise<SaleStore & QueueStore> {
  let store: SaleStore & QueueStore;
  if (kind === 'memory') {
    store = new MemoryStore(sale.saleId, options.clock ?? manualClock(), options.presence);
  } else {
    const server = kind === 'redis' ? options.redis : options.cluster;
    if (!server) throw new Error(`a ${kind} store needs the test file's server`);
    // The product's own client: fail-fast, and for the cluster the Cluster client it uses with REDIS_CLUSTER.
    const client = createRedisClient(server.url, kind === 'redis-cluster');
    client.on('error', () => undefined);
    await connectRedis(client, 5_000);
    store = new RedisStore(client, sale.saleId, {
      ...(options.clock && { clock: options.clock }),
      ...(options.presence && { presence: options.presence }),
    });
  }
  await store.initSale(sale, options.admission === null ? null : { ...TEST_ADMISSION, ...options.admission });
  return store;
}
