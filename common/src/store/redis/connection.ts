import { Redis, type RedisOptions } from 'ioredis';

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

export function createRedisClient(url: string): Redis {
  return new Redis(url, FAIL_FAST_OPTIONS);
}

/**
 * Connects, and keeps trying while Redis is not there yet (it may still be starting, or loading
 * its append-only file), until `timeoutMs` has passed.
 */
export async function connectRedis(redis: Redis, timeoutMs: number): Promise<void> {
  if (redis.status === 'ready') return;
  const ready = new Promise<void>((resolve) => redis.once('ready', () => resolve()));
  if (redis.status === 'wait') redis.connect().catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Redis did not become ready within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([ready, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Closes the Socket.IO Redis adapter's two clients without leaving its subscribe calls
 * unanswered: the adapter does not await them, so a reply lost to a closed connection would
 * surface as an unhandled rejection. A PING queued behind them answers after they do.
 */
export async function closeAdapterClients(publisher: Redis, subscriber: Redis): Promise<void> {
  await subscriber.ping().catch(() => undefined);
  // quit waits for the replies to publishes still in flight; disconnect would reject them.
  await publisher.quit().catch(() => publisher.disconnect());
  subscriber.disconnect();
}
