import type { RequestHandler } from 'express';
import { rateLimit } from 'express-rate-limit';
import { Cluster } from 'ioredis';
import { RedisStore as RateLimitRedisStore, type RedisReply } from 'rate-limit-redis';
import { errorBody } from '../contract/error-codes';
import type { RedisConnection } from '../store/redis/connection';

export interface RateLimitOptions {
  /** Requests per IP per minute; 0 turns the limit off (load tests). */
  perMinute: number;
  /** Shared counters for every instance; null counts in this process (embedded mode). */
  redis: RedisConnection | null;
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
  return rateLimit({
    ...shared(options.redis, options.name),
    windowMs: 60_000,
    limit: options.perMinute,
    handler: (_req, res) => {
      res.status(429).json(errorBody('rate_limited', 'Too many requests from your address. Please wait a moment and retry.'));
    },
  });
}

/** Failed operator logins allowed per IP: ten in 15 minutes. */
export const ADMIN_LOGIN_ATTEMPTS = { attempts: 10, windowMs: 15 * 60_000 };

export interface FailedAttemptLimitOptions {
  /** Failed attempts (401) per IP in a window before every attempt is refused until it ends. */
  attempts: number;
  windowMs: number;
  redis: RedisConnection | null;
  name: string;
}

/**
 * A stricter limit for credentials: only answers of 401 count, so an operator who types the
 * token right is never slowed, while guessing it costs a 15-minute wait every few tries. It
 * holds across instances through Redis, like the request limits.
 */
export function createFailedAttemptLimit(options: FailedAttemptLimitOptions): RequestHandler {
  return rateLimit({
    ...shared(options.redis, options.name),
    windowMs: options.windowMs,
    limit: options.attempts,
    skipSuccessfulRequests: true,
    requestWasSuccessful: (_req, res) => res.statusCode !== 401,
    handler: (_req, res) => {
      res.status(429).json(errorBody('rate_limited', 'Too many failed attempts from your address. Please wait before trying again.'));
    },
  });
}

/** What every limit shares: standard headers, counters in Redis when there is one, and no outage of its own. */
function shared(redis: RedisConnection | null, name: string) {
  return {
    standardHeaders: 'draft-8' as const,
    legacyHeaders: false,
    passOnStoreError: true,
    ...(redis && {
      store: new RateLimitRedisStore({
        prefix: `rate-limit:${name}:`,
        sendCommand: (command: string, ...args: string[]) => sendCommand(redis, command, args),
      }),
    }),
  };
}

/**
 * The counters' commands. On a Redis Cluster a script is loaded on every master, since the
 * EVALSHA that follows goes to whichever node holds the counter's key.
 */
async function sendCommand(redis: RedisConnection, command: string, args: string[]): Promise<RedisReply> {
  if (redis instanceof Cluster && command.toUpperCase() === 'SCRIPT') {
    const replies = await Promise.all(redis.nodes('master').map((node) => node.call(command, ...args)));
    return replies[0] as RedisReply;
  }
  return redis.call(command, ...args) as Promise<RedisReply>;
}
