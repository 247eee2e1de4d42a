import type { RedisServer } from '../../tests/kit';
import { load, type LoadSettings, type Measured } from './load';
import type { Started } from './processes';
import { printRatio, ratioRounds } from './ratio';
import { startService, type Service } from './service';

/**
 * join/hello: POST /api/queue with a new shopper per request, on Redis with AOF always. The
 * sale starts in an hour, so the queue only grows: no admissions compete with the joins.
 */
export async function benchJoin(settings: LoadSettings, hello: Started, redis: RedisServer, nodeArgs: string[]): Promise<void> {
  console.log('\n## join: POST /api/queue, a distinct shopper per request, sale not started');
  const service = await startService({ redisUrl: redis.url, saleId: 'bench-join', sale: 'upcoming', nodeArgs });
  let shopper = 0;
  try {
    const rounds = await ratioRounds('join', settings, hello, async () => ({
      name: 'POST /api/queue (Redis, AOF always)',
      result: await loadJoins(service, redis, settings, () => ({ userId: `u${shopper++}` })),
    }));
    printRatio('join', rounds, null);
    console.log(`shoppers joined (warm-ups included): ${shopper}`);
  } finally {
    await service.stop();
  }
}

/** POST /api/queue under load, each request with the body `nextBody` gives (a new shopper each). */
export function loadJoins(service: Service, redis: RedisServer, settings: LoadSettings, nextBody: () => object): Promise<Measured> {
  return load(
    {
      url: `${service.url}/api/queue`,
      method: 'POST',
      pids: { service: service.pid, redis: redis.pid ?? 0 },
      headers: { 'content-type': 'application/json' },
      nextRequest: () => ({ body: JSON.stringify(nextBody()) }),
    },
    settings,
  );
}
