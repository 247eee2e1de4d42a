import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { io as connectSocket, type Socket } from 'socket.io-client';
import { mountCheckout } from '@flashsale/checkout';
import {
  connectRedis,
  createHttpApp,
  createLogger,
  createFailedAttemptLimit,
  createRateLimit,
  ADMIN_LOGIN_ATTEMPTS,
  createRedisClient,
  closeAdapterClients,
  type AdmissionSettings,
  type ClientToServerEvents,
  type InitialAdmission,
  type QueueStore,
  type SaleDefinition,
  type SaleStore,
  type ServerToClientEvents,
} from '@flashsale/common';
import { createWaitingRoom, type WaitingRoom } from '@flashsale/waiting-room';
import type { RedisServer } from './redis-server';
import { createSaleStore, TEST_ADMISSION, testKeys, type StoreKind } from './sale-harness';

export const ADMIN_TOKEN = 'test-admin-token-0123456789';
export const QUEUE_TOKEN_SECRET = 'test-queue-token-secret-0123456789';

/** The test admission of the stores, with the SPEC's default lifetimes. */
export const DEFAULT_SETTINGS: AdmissionSettings = {
  ...TEST_ADMISSION,
  tokenTtlSeconds: 120,
  presenceGraceSeconds: 30,
  idleTimeoutSeconds: 600,
};

export interface RunningInstance {
  url: string;
  room: WaitingRoom;
  close: () => Promise<void>;
}

/**
 * One instance as the all-in-one process runs it (waiting room and checkout on one port), on a
 * real port with real sockets, its loops on the real clock. Give several instances the same
 * RedisServer and they share the sale, the rate limit and (through the adapter) their pushes.
 */
export async function startInstance(
  store: SaleStore & QueueStore,
  sale: SaleDefinition,
  options: { settings?: Partial<AdmissionSettings>; redis?: RedisServer; rateLimitPerMinute?: number } = {},
): Promise<RunningInstance> {
  const settings = { ...DEFAULT_SETTINGS, ...options.settings };
  const logger = createLogger('silent');
  const registry = new Registry();
  const keys = testKeys();
  const closers: Array<() => Promise<void> | void> = [];

  let limits: Redis | null = null;
  let adapter: ReturnType<typeof createAdapter> | undefined;
  if (options.redis) {
    const redisUrl = options.redis.url;
    const client = createRedisClient(redisUrl);
    client.on('error', () => undefined);
    await connectRedis(client, 5_000);
    limits = client;
    const publisher = new Redis(redisUrl);
    const subscriber = publisher.duplicate();
    for (const connection of [publisher, subscriber]) connection.on('error', () => undefined);
    adapter = createAdapter(publisher, subscriber);
    closers.push(async () => {
      client.disconnect();
      await closeAdapterClients(publisher, subscriber);
    });
  }
  const perMinute = options.rateLimitPerMinute ?? 0;
  const room = createWaitingRoom({
    store,
    saleId: sale.saleId,
    window: sale,
    admission: settings,
    keys,
    queueTokenSecret: QUEUE_TOKEN_SECRET,
    adminToken: ADMIN_TOKEN,
    joinRateLimit: createRateLimit({ perMinute, redis: limits, name: `join-${sale.saleId}` }),
    adminAttemptLimit: createFailedAttemptLimit({ ...ADMIN_LOGIN_ATTEMPTS, redis: limits, name: `admin-auth:${sale.saleId}` }),
    registry,
    logger,
  });
  const app = createHttpApp({ logger, registry, checkReady: () => store.ping() }, (routes) => {
    room.mount(routes);
    mountCheckout(routes, { store, saleId: sale.saleId, keys, registry });
  });
  const server: Server = await new Promise((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  room.start(server, adapter);
  const { port } = server.address() as AddressInfo;
  let closed = false;
  return {
    url: `http://127.0.0.1:${port}`,
    room,
    close: async () => {
      if (closed) return;
      closed = true;
      await room.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      for (const close of closers) await close();
    },
  };
}

export interface JsonAnswer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

/** A JSON request with a timeout, so a lost answer fails its test instead of hanging it. */
export async function call(url: string, method: string, body?: unknown, token?: string): Promise<JsonAnswer> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  const response = await fetch(url, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

export const join = (url: string, userId: string) => call(`${url}/api/queue`, 'POST', { userId });
export const lookUp = (url: string, queueToken: string) => call(`${url}/api/queue/me`, 'GET', undefined, queueToken);
export const admin = (url: string, method: 'GET' | 'PATCH', path: string, body?: unknown) =>
  call(`${url}/api/admin/${path}`, method, body, ADMIN_TOKEN);

export type ShopperSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/**
 * A shopper's socket, connected (or refused) over WebSocket. `listen` attaches the listeners
 * before connecting: the pushes sent at connect may arrive in the same read as the handshake.
 */
export function openSocket(url: string, queueToken: string, listen?: (socket: ShopperSocket) => void): Promise<ShopperSocket> {
  const socket: ShopperSocket = connectSocket(url, {
    auth: { queueToken },
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    autoConnect: false,
  });
  listen?.(socket);
  socket.connect();
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (error) => {
      socket.close();
      reject(error);
    });
  });
}

/** Runs `work` over `items`, at most `limit` at a time: many shoppers, paced like many browsers. */
export async function inPool<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await work(items[next++] as T);
    }),
  );
}

/** Resolves when `condition` holds, polling every 20 ms; fails after `timeoutMs`. */
export async function eventually(condition: () => boolean | Promise<boolean>, timeoutMs = 5_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export interface OpenSaleOptions {
  /** Waiting-room instances, each with its own store connection as separate processes have. */
  instances?: number;
  admission?: Partial<InitialAdmission>;
  settings?: Partial<AdmissionSettings>;
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
        ...(kind === 'memory' && { clock: Date.now }),
        admission: { ratePerMinute: 600, ...options.admission },
        presence: { graceMs: presenceGraceSeconds * 1000, idleTimeoutMs: idleTimeoutSeconds * 1000 },
      });
      const instance = await startInstance(store, sale, {
        ...(kind === 'redis' && { redis: redisServer() }),
        settings: options.settings ?? {},
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
