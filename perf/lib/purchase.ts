import { generateKey, type RedisServer } from '../../tests/kit';
import { load, WARM_UP_SECONDS, type LoadSettings, type Measured } from './load';
import { mintTokens } from './mint-tokens';
import type { Started } from './processes';
import { printRatio, ratioRounds } from './ratio';
import { startService } from './service';

/** Issue 17: a purchase costs the service at most 1.5 times a hello. */
const COST_TARGET = 1.5;

/** purchase/hello: POST /api/purchase with a fresh admission token per request, on Redis with AOF always. */
export async function benchPurchase(settings: LoadSettings, hello: Started, redis: RedisServer, nodeArgs: string[]): Promise<void> {
  console.log('\n## purchase: POST /api/purchase, a distinct admitted shopper per request');
  const privatePem = generateKey('rsa').export({ type: 'pkcs8', format: 'pem' }).toString();
  const saleId = 'bench-purchase';
  const service = await startService({ redisUrl: redis.url, saleId, sale: 'active', nodeArgs, env: { JWT_PRIVATE_KEY: privatePem } });
  let purchaseRequests = 0;
  let scriptCalls = 0;
  try {
    const rounds = await ratioRounds('purchase', settings, hello, async (round, helloResult) => {
      // Distinct shoppers for every purchase of the round, so each is a real sale, not a 409 retry.
      const count = Math.ceil(helloResult.rps * (settings.duration + WARM_UP_SECONDS)) + 1000;
      const tokens = await mintTokens(privatePem, saleId, `round${round}-shopper`, count);
      const callsBefore = await redisCalls(redis);
      const { result, requests } = await loadPurchases(service, redis, tokens, settings);
      scriptCalls += (await redisCalls(redis)) - callsBefore;
      purchaseRequests += requests;
      return { name: 'POST /api/purchase (Redis, AOF always)', result };
    });
    printRatio('purchase', rounds, COST_TARGET);
    console.log(`Redis script calls per purchase request: ${(scriptCalls / Math.max(1, purchaseRequests)).toFixed(2)}`);
  } finally {
    await service.stop();
  }
}

async function redisCalls(redis: RedisServer): Promise<number> {
  const client = redis.client();
  const stats = await client.info('commandstats');
  client.disconnect();
  return [...stats.matchAll(/^cmdstat_(?:evalsha|eval):calls=(\d+)/gm)].reduce((sum, match) => sum + Number(match[1]), 0);
}

/**
 * One measured run of POST /api/purchase, each request with the next of `tokens`. Returns the
 * figures and how many requests were sent (beyond `tokens.length`, tokens were reused: 409s).
 */
export async function loadPurchases(
  service: { url: string; pid: number },
  redis: RedisServer,
  tokens: string[],
  settings: LoadSettings,
): Promise<{ result: Measured; requests: number }> {
  let next = 0;
  const result = await load(
    {
      url: `${service.url}/api/purchase`,
      method: 'POST',
      pids: { service: service.pid, redis: redis.pid ?? 0 },
      nextRequest: () => ({ headers: { authorization: `Bearer ${tokens[next++ % tokens.length]}` } }),
    },
    settings,
  );
  return { result, requests: next };
}
