import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import { StartupDependencyError } from '../../errors';

/**
 * Options for a Redis client that fails fast instead of hanging a shopper's request:
 * - no offline queue: while Redis is away a command fails at once and the caller answers 503;
 * - in-flight commands are failed when the connection drops (maxRetriesPerRequest 0) and never
 *   re-sent on reconnect, so a purchase that was answered 503 cannot run later behind its back;
 * - a command that gets no reply within a second fails (commandTimeout);
 * - auto-pipelining batches the commands of concurrent requests into one write, which is most of
 *   what one Redis round trip per purchase costs the event loop.
 * Reconnection goes on by itself, with a backoff capped at one second.
 */
export const FAIL_FAST_OPTIONS: RedisOptions = {
  enableOfflineQueue: false,
  maxRetriesPerRequest: 0,
  autoResendUnfulfilledCommands: false,
  commandTimeout: 1000,
  enableAutoPipelining: true,
  lazyConnect: true,
  retryStrategy: (attempt) => Math.min(attempt * 100, 1000),
};

/**
 * One Redis server, or a Redis Cluster. Every key of a sale shares the hash tag `{sale:<id>}`,
 * so each of its scripts runs on one slot and the store is the same code on both.
 */
export type RedisConnection = Redis | Cluster;

export function createRedisClient(url: string): Redis;
export function createRedisClient(url: string, cluster: boolean): RedisConnection;
export function createRedisClient(url: string, cluster = false): RedisConnection {
  return cluster ? createClusterClient(url, FAIL_FAST_OPTIONS) : new Redis(url, FAIL_FAST_OPTIONS);
}

/**
 * A Cluster client that learns every node from the one REDIS_URL names, with the same fail-fast
 * behaviour per node. Commands follow MOVED and ASK redirections (a resharding or a failover);
 * while the cluster has no usable slot map, they fail at once, as on a single server.
 */
function createClusterClient(url: string, nodeOptions: RedisOptions): Cluster {
  const { hostname, port, username, password, protocol } = new URL(url);
  const options: ClusterOptions = {
    redisOptions: {
      ...nodeOptions,
      ...(username && { username: decodeURIComponent(username) }),
      ...(password && { password: decodeURIComponent(password) }),
      ...(protocol === 'rediss:' && { tls: {} }),
    },
    enableOfflineQueue: nodeOptions.enableOfflineQueue ?? true,
    enableAutoPipelining: nodeOptions.enableAutoPipelining ?? false,
    lazyConnect: nodeOptions.lazyConnect ?? false,
    clusterRetryStrategy: (attempt) => Math.min(attempt * 100, 1000),
  };
  return new Cluster([{ host: hostname, port: Number(port || 6379) }], options);
}

/**
 * A second connection like `connection` with some options changed (the order log's blocking
 * reads): a Cluster duplicates with its own signature.
 */
export function duplicateConnection(connection: RedisConnection, overrides: RedisOptions = {}): RedisConnection {
  if (!(connection instanceof Cluster)) return connection.duplicate(overrides);
  const { redisOptions } = connection.options;
  return connection.duplicate([], {
    redisOptions: { ...redisOptions, ...overrides },
    ...(overrides.enableOfflineQueue !== undefined && { enableOfflineQueue: overrides.enableOfflineQueue }),
    ...(overrides.lazyConnect !== undefined && { lazyConnect: overrides.lazyConnect }),
  });
}

/**
 * The Socket.IO adapter's publisher and subscriber. They keep ioredis' defaults (an offline
 * queue and retries): a push delayed by a reconnect is still worth delivering.
 */
export function createAdapterClients(url: string, cluster: boolean): { publisher: RedisConnection; subscriber: RedisConnection } {
  const publisher = cluster ? createClusterClient(url, {}) : new Redis(url);
  return { publisher, subscriber: publisher.duplicate() };
}

/**
 * Connects, and keeps trying while Redis is not there yet (it may still be starting, or loading
 * its append-only file), until `timeoutMs` has passed; then fails with the last connection error.
 */
export async function connectRedis(redis: RedisConnection, timeoutMs: number): Promise<void> {
  if (redis.status === 'ready') return;
  let lastError = '';
  const noteError = (error: Error) => (lastError = error.message);
  redis.on('error', noteError);
  const ready = new Promise<void>((resolve) => redis.once('ready', () => resolve()));
  if (redis.status === 'wait') redis.connect().catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const why = lastError ? ` (last error: ${lastError})` : '';
      reject(new StartupDependencyError(`Redis (REDIS_URL) did not become ready within ${timeoutMs / 1000} s${why}`));
    }, timeoutMs);
  });
  try {
    await Promise.race([ready, timeout]);
  } finally {
    clearTimeout(timer);
    redis.off('error', noteError);
  }
}

/**
 * Closes the Socket.IO Redis adapter's two clients without leaving its subscribe calls
 * unanswered: the adapter does not await them, so a reply lost to a closed connection would
 * surface as an unhandled rejection. A PING queued behind them answers after they do.
 */
export async function closeAdapterClients(publisher: RedisConnection, subscriber: RedisConnection): Promise<void> {
  await subscriber.ping().catch(() => undefined);
  // quit waits for the replies to publishes still in flight; disconnect would reject them.
  await publisher.quit().catch(() => publisher.disconnect());
  subscriber.disconnect();
}
