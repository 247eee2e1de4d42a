import { generateKey, RedisServer } from '../../tests/kit';
import { WARM_UP_SECONDS, type LoadSettings, type Measured } from './load';
import { loadPurchases } from './purchase';
import { mintTokens } from './mint-tokens';
import { median, row, TABLE_HEADER } from './ratio';
import { startService, type Service } from './service';

type Fsync = 'always' | 'everysec';

interface Server {
  fsync: Fsync;
  redis: RedisServer;
  service: Service;
}

const SALE_ID = 'bench-aof';

/**
 * always/everysec: the purchase path on two new Redis servers that differ only in `appendfsync`,
 * each with its own service. The two alternate in each round, first one then the other, so drift
 * on a shared machine hits both settings alike, and the median of the rounds' ratios is reported.
 */
export async function benchAof(settings: LoadSettings): Promise<void> {
  console.log('\n## aof: POST /api/purchase on Redis with appendfsync always vs everysec, a distinct admitted shopper per request');
  const privatePem = generateKey('rsa').export({ type: 'pkcs8', format: 'pem' }).toString();
  const cleanup: (() => Promise<void>)[] = [];
  const start = async (fsync: Fsync): Promise<Server> => {
    const redis = await RedisServer.start({ appendfsync: fsync });
    cleanup.unshift(() => redis.destroy());
    const service = await startService({ redisUrl: redis.url, saleId: SALE_ID, sale: 'active', env: { JWT_PRIVATE_KEY: privatePem } });
    cleanup.unshift(() => service.stop());
    return { fsync, redis, service };
  };
  try {
    const servers = [await start('always'), await start('everysec')] as const;
    // Every purchase must be a shopper's first (a repeat is a cheap 409), so each round mints enough
    // for a whole run, with room to spare: sized from short unmeasured runs (which also warm up both
    // services), then from the fastest run so far.
    const calibration = await mintTokens(privatePem, SALE_ID, 'aof-calibration', 10_000);
    let fastest = 0;
    for (const server of servers)
      fastest = Math.max(fastest, (await purchases(server, calibration, { ...settings, duration: 2 })).result.rps);
    const measured: Record<Fsync, Measured[]> = { always: [], everysec: [] };
    const rows: string[] = [];
    const ratios: number[] = [];
    for (let round = 1; round <= settings.rounds; round += 1) {
      // The two stores are separate, so one set of shoppers serves both settings.
      const tokens = await mintTokens(
        privatePem,
        SALE_ID,
        `aof-round${round}`,
        Math.ceil(fastest * (settings.duration + WARM_UP_SECONDS) * 1.5) + 1000,
      );
      for (const server of round % 2 === 1 ? servers : [servers[1], servers[0]]) {
        const { result, reused } = await purchases(server, tokens, settings);
        if (reused > 0) console.log(`round ${round}, ${server.fsync}: ${reused} requests reused a shopper (409s)`);
        measured[server.fsync].push(result);
        fastest = Math.max(fastest, result.rps);
      }
      const [always, everysec] = [measured.always[round - 1], measured.everysec[round - 1]];
      if (!always || !everysec) throw new Error(`round ${round} measured nothing`);
      ratios.push(always.rps / everysec.rps);
      rows.push(row(`${round}: appendfsync always`, always), row(`${round}: appendfsync everysec`, everysec));
      console.log(`round ${round}: always/everysec ${(always.rps / everysec.rps).toFixed(2)}`);
    }

    console.log(TABLE_HEADER);
    console.log(rows.join('\n') + '\n');
    for (const [fsync, runs] of Object.entries(measured)) {
      const middle = (pick: (m: Measured) => number) => median(runs.map(pick));
      console.log(
        `appendfsync ${fsync.padEnd(8)}: ${Math.round(middle((m) => m.costMicros))} µs a purchase, ${Math.round(middle((m) => m.rps))} req/s, p50 ${middle((m) => m.p50)} ms, ` +
          `p99 ${middle((m) => m.p99)} ms (medians of ${runs.length} rounds)`,
      );
    }
    console.log(
      `\nalways/everysec throughput ratio, median of ${ratios.length} rounds: ${median(ratios).toFixed(2)} ` +
        `(rounds: ${ratios.map((r) => r.toFixed(2)).join(', ')})`,
    );
    console.log(
      'What each can lose: always, no acknowledged purchase; everysec, up to about 1 s of acknowledged purchases on a power loss ' +
        'or kernel crash (a redis-server crash alone loses nothing: its writes are already in the OS page cache).',
    );
  } finally {
    for (const step of cleanup) await step();
  }
}

/** One measured run of POST /api/purchase, a token per request, and how many requests had to reuse one. */
async function purchases(
  { redis, service }: Server,
  tokens: string[],
  settings: LoadSettings,
): Promise<{ result: Measured; reused: number }> {
  const { result, requests } = await loadPurchases(service, redis, tokens, settings);
  return { result, reused: Math.max(0, requests - tokens.length) };
}
