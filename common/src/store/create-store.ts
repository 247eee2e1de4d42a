import type { Config } from '../config';
import type { Logger } from '../logger';
import { MemoryStore } from './memory/memory-store';
import { connectRedis, createRedisClient } from './redis/connection';
import { RedisStore } from './redis/redis-store';
import type { QueueStore } from './queue-store';
import type { SaleStore } from './sale-store';

/** Redis when REDIS_URL is set; otherwise the embedded store (all-in-one mode only). */
export async function createStore(
  config: Pick<Config, 'sale' | 'admission' | 'redisUrl' | 'redisCluster'>,
  logger: Logger,
): Promise<SaleStore & QueueStore> {
  const { presenceGraceSeconds, idleTimeoutSeconds } = config.admission;
  const presence = { graceMs: presenceGraceSeconds * 1000, idleTimeoutMs: idleTimeoutSeconds * 1000 };
  if (config.redisUrl === null) return new MemoryStore(config.sale.saleId, Date.now, presence);
  const redis = createRedisClient(config.redisUrl, config.redisCluster);
  // ioredis reports each failed reconnect; the store's callers answer 503 meanwhile.
  redis.on('error', (error: Error) => logger.warn({ err: error.message }, 'redis connection error'));
  await connectRedis(redis, 30_000);
  return new RedisStore(redis, config.sale.saleId, { presence });
}
