import { createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { Registry } from 'prom-client';
import { createCheckoutApp } from '@flashsale/checkout';
import {
  connectRedis,
  createAdmissionTokenSigner,
  createLogger,
  createRedisClient,
  generateSigningKeys,
  MemoryStore,
  RedisStore,
  type Clock,
  type InitialAdmission,
  type Logger,
  type PresencePolicy,
  type QueueStore,
  type SaleDefinition,
  type SaleStore,
  type SigningKeys,
} from '@flashsale/common';
import type { RedisCluster } from './redis-cluster';
import type { RedisServer } from './redis-server';

/** The embedded store, RedisStore on one server, and RedisStore on a three-master Redis Cluster. */
export type StoreKind = 'memory' | 'redis' | 'redis-cluster';

/** A fixed instant the tests stand at, far from any real clock, so nothing depends on the date. */
export const T0 = Date.parse('2030-01-01T12:00:00.000Z');

/** A clock the test moves by hand. */
export function manualClock(start = T0): Clock & { set: (ms: number) => void; advance: (ms: number) => void } {
  let now = start;
  const clock = () => now;
  clock.set = (ms: number) => {
    now = ms;
  };
  clock.advance = (ms: number) => {
    now += ms;
  };
  return clock;
}

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
export const TEST_ADMISSION: InitialAdmission = { prequeueOrder: 'fifo', ratePerMinute: 600, maxActive: null, overbook: 1 };

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

/**
 * A fresh private key, re-read from its PEM so it shares nothing with the generation job (see
 * generateSigningKeys: Node 20 can deadlock when GC frees that job during a JWK export).
 */
export function generateKey(kind: 'rsa' | 'ec'): KeyObject {
  const privateKeyEncoding = { type: 'pkcs8', format: 'pem' } as const;
  const publicKeyEncoding = { type: 'spki', format: 'pem' } as const;
  const { privateKey } =
    kind === 'rsa'
      ? generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding, publicKeyEncoding })
      : generateKeyPairSync('ec', { namedCurve: 'prime256v1', privateKeyEncoding, publicKeyEncoding });
  return createPrivateKey(privateKey);
}

let sharedKeys: SigningKeys | null = null;

/** One RSA key pair per test process: generating one takes a while. */
export function testKeys(): SigningKeys {
  sharedKeys ??= generateSigningKeys();
  return sharedKeys;
}

export function signAdmission(
  userId: string,
  saleId: string,
  options: { now?: number; ttlSeconds?: number; keys?: SigningKeys } = {},
): string {
  const keys = options.keys ?? testKeys();
  if (!keys.privateKey) throw new Error('these keys cannot sign');
  return createAdmissionTokenSigner(keys.privateKey, saleId, options.ttlSeconds ?? 120).sign(userId, options.now ?? T0).token;
}

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

export interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

export async function purchase(url: string, token: string | null): Promise<Answer> {
  const response = await fetch(`${url}/api/purchase`, {
    method: 'POST',
    headers: token === null ? {} : { authorization: `Bearer ${token}` },
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, unknown> };
}

export function errorCode(answer: Answer): unknown {
  return (answer.body.error as { code?: unknown } | undefined)?.code;
}
