import type { RequestHandler } from 'express';
import { rateLimit } from 'express-rate-limit';
import type { Redis } from 'ioredis';
import { RedisStore as RateLimitRedisStore, type RedisReply } from 'rate-limit-redis';
import { errorBody } from '../errors';

export interface RateLimitOptions {
  /** Requests per IP per minute; 0 turns the limit off (load tests). */
  perMinute: number;
  /** Shared counters for every instance; null counts in this process (embedded mode). */
  redis: Redis | null;
  /** Names this limit's counters, so join and purchase are limited separately. */
  name: string;
}

/**
 * The per-IP limit on joins and purchases (SPEC: RATE_LIMIT_PER_MINUTE), answering 429
 * `rate_limited` with Retry-After in the contract's error shape. With Redis, every instance
 * counts in the same place. If the counters cannot be reached the request goes through: the
 * limit protects the sale, it must not take it down with Redis.
 */
export function createRateLimit(options: RateLimitOptions): RequestHandler {
  if (options.perMinute === 0) return (_req, _res, next) => next();
  const { redis } = options;
  return rateLimit({
    windowMs: 60_000,
    limit: options.perMinute,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    passOnStoreError: true,
    ...(redis && {
      store: new RateLimitRedisStore({
        prefix: `rate-limit:${options.name}:`,
        sendCommand: (command: string, ...args: string[]) => redis.call(command, ...args) as Promise<RedisReply>,
      }),
    }),
    handler: (_req, res) => {
      res.status(429).json(errorBody('rate_limited', 'Too many requests from your address. Please wait a moment and retry.'));
    },
  });
}
