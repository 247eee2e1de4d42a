import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { startNode, type Started } from './processes';

export interface ServiceOptions {
  redisUrl?: string;
  saleId: string;
  /** An active sale admits shoppers; an upcoming one only queues them, so the queue stands still. */
  sale: 'active' | 'upcoming';
  env?: Record<string, string>;
  nodeArgs?: string[];
}

export interface Service extends Started {
  pid: number;
  adminToken: string;
}

const HOUR_MS = 3_600_000;

/** Starts the all-in-one process with rate limiting off, on Redis when given a URL. */
export async function startService(options: ServiceOptions): Promise<Service> {
  const startsAt = options.sale === 'active' ? Date.now() - 60_000 : Date.now() + HOUR_MS;
  const adminToken = randomBytes(16).toString('hex');
  const started = await startNode('all-in-one/dist/main.js', {
    args: options.nodeArgs ?? [],
    env: {
      PORT: '0',
      ...(options.redisUrl ? { REDIS_URL: options.redisUrl } : {}),
      SALE_ID: options.saleId,
      SALE_STOCK: '100000000',
      SALE_STARTS_AT: new Date(startsAt).toISOString(),
      SALE_ENDS_AT: new Date(startsAt + HOUR_MS).toISOString(),
      RATE_LIMIT_PER_MINUTE: '0',
      // Load comes from one address and pays no proof of work, but in the join bench that measures it.
      MAX_PLACES_PER_NETWORK: '0',
      JOIN_CHALLENGE_MAX_NUMBER: '0',
      ADMIN_TOKEN: adminToken,
      // 'info', not quieter: the listening line is logged at info; requests are not logged.
      LOG_LEVEL: 'info',
      ...options.env,
    },
    listening: /"url":"(http:\/\/[^"]+)"/,
  });
  return { ...started, pid: started.child.pid ?? 0, adminToken };
}

/** Resident set size of a process in KB, from /proc (Linux). */
export function rssKb(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match?.[1] ?? NaN);
}
