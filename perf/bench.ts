/**
 * `npm run bench`: throughput of the purchase path as a ratio to a bare Express "hello" measured
 * in the same run, on the same machine, with the same load generator. Absolute figures on a
 * shared machine mean little; the ratio says what our work costs on top of Express itself.
 *
 * Hello and purchase runs alternate for several rounds and the median ratio is reported, so a
 * passing disturbance on a shared machine moves one round, not the result.
 *
 *   npm run bench                     3 rounds of 6 s per figure
 *   npm run bench -- --rounds 5 --duration 10
 *   npm run bench -- --cpu-prof       also profiles the service (perf/results/) and prints where its CPU went
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { RedisServer } from '../tests/helpers/redis-server';
import { generateKey } from '../tests/helpers/sale-harness';
import { cpuShares } from './lib/cpu';
import { mintTokens } from './lib/mint-tokens';
import { newestProfile, summarizeProfile } from './lib/profile';
import { ROOT, startNode } from './lib/processes';

const { values: options } = parseArgs({
  options: {
    duration: { type: 'string', default: '6' },
    rounds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '64' },
    'cpu-prof': { type: 'boolean', default: false },
  },
});
const DURATION = Number(options.duration);
const ROUNDS = Number(options.rounds);
const CONNECTIONS = Number(options.connections);
const RESULTS = path.join(ROOT, 'perf', 'results');

interface Measured {
  rps: number;
  /** Share of one core used during the measured run, per process. */
  cpu: Record<string, number>;
  p50: number;
  p99: number;
  statuses: Record<string, number>;
}

async function load(
  url: string,
  method: 'GET' | 'POST',
  pids: Record<string, number>,
  nextHeaders?: () => Record<string, string>,
): Promise<Measured> {
  const statuses: Record<string, number> = {};
  const run = (duration: number) =>
    autocannon({
      url,
      method,
      connections: CONNECTIONS,
      duration,
      requests: nextHeaders ? [{ setupRequest: (request) => ({ ...request, headers: nextHeaders() }) }] : undefined,
    });
  await run(1); // warm-up: JIT, connection pools
  const instance = run(DURATION);
  (instance as unknown as NodeJS.EventEmitter).on('response', (_client: unknown, statusCode: number) => {
    statuses[statusCode] = (statuses[statusCode] ?? 0) + 1;
  });
  const { result, shares } = await cpuShares({ ...pids, 'load generator': process.pid }, () => instance);
  return { rps: result.requests.average, cpu: shares, p50: result.latency.p50, p99: result.latency.p99, statuses };
}

async function redisCalls(redis: RedisServer): Promise<number> {
  const client = redis.client();
  const stats = await client.info('commandstats');
  client.disconnect();
  return [...stats.matchAll(/^cmdstat_(?:evalsha|eval):calls=(\d+)/gm)].reduce((sum, match) => sum + Number(match[1]), 0);
}

async function main(): Promise<void> {
  mkdirSync(RESULTS, { recursive: true });
  console.log(`bench: ${ROUNDS} rounds of ${DURATION} s per figure, ${CONNECTIONS} connections, autocannon in this process`);

  const redis = await RedisServer.start({ appendfsync: 'always' });
  const privatePem = generateKey('rsa').export({ type: 'pkcs8', format: 'pem' }).toString();
  const saleId = 'bench';
  const hello = await startNode('perf/hello-server.js', { listening: /listening (\d+)/ });
  const service = await startNode('waiting-room/dist/all-in-one.js', {
    args: options['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${RESULTS}`] : [],
    env: {
      PORT: '0',
      REDIS_URL: redis.url,
      SALE_ID: saleId,
      SALE_STOCK: '100000000',
      SALE_STARTS_AT: new Date(Date.now() - 60_000).toISOString(),
      SALE_ENDS_AT: new Date(Date.now() + 3_600_000).toISOString(),
      RATE_LIMIT_PER_MINUTE: '0',
      JWT_PRIVATE_KEY: privatePem,
      LOG_LEVEL: 'info',
    },
    listening: /"url":"(http:\/\/[^"]+)"/,
  });

  const rows: string[] = [];
  const ratios: number[] = [];
  let purchaseRequests = 0;
  let scriptCalls = 0;
  for (let round = 1; round <= ROUNDS; round += 1) {
    const helloResult = await load(`http://127.0.0.1:${hello.url}/`, 'GET', { service: hello.child.pid ?? 0 });
    // Distinct shoppers for every purchase of the round, so each is a real sale, not a 409 retry.
    const tokens = await mintTokens(privatePem, saleId, `round${round}-shopper`, Math.ceil(helloResult.rps * (DURATION + 1)) + 1000);
    const callsBefore = await redisCalls(redis);
    let next = 0;
    const purchaseResult = await load(
      `${service.url}/api/purchase`,
      'POST',
      { service: service.child.pid ?? 0, redis: redis.pid ?? 0 },
      () => ({
        authorization: `Bearer ${tokens[next++ % tokens.length]}`,
      }),
    );
    scriptCalls += (await redisCalls(redis)) - callsBefore;
    purchaseRequests += next;
    ratios.push(purchaseResult.rps / helloResult.rps);
    rows.push(row(`${round}: bare Express "hello"`, helloResult), row(`${round}: POST /api/purchase (Redis, AOF always)`, purchaseResult));
    console.log(`round ${round}: purchase/hello ${(purchaseResult.rps / helloResult.rps).toFixed(2)}`);
  }
  await service.stop();
  await hello.stop();
  await redis.destroy();

  console.log('\n| round: figure | req/s | p50 ms | p99 ms | answers | CPU (% of one core) |\n|---|---|---|---|---|---|');
  console.log(rows.join('\n'));
  const median = [...ratios].sort((a, b) => a - b)[Math.floor(ratios.length / 2)] ?? 0;
  console.log(
    `\npurchase/hello throughput ratio, median of ${ROUNDS} rounds: ${median.toFixed(2)} (rounds: ${ratios.map((r) => r.toFixed(2)).join(', ')}; target ≥ 0.85)`,
  );
  console.log(`Redis script calls per purchase request: ${(scriptCalls / Math.max(1, purchaseRequests)).toFixed(2)}`);

  const profile = options['cpu-prof'] ? newestProfile(RESULTS) : null;
  if (profile) {
    console.log(`\nWhere the service's busy CPU time went, all rounds, by self time (${path.relative(ROOT, profile)}):`);
    for (const { where, share } of summarizeProfile(profile)) console.log(`${(share * 100).toFixed(1).padStart(6)} %  ${where}`);
  }
}

function row(name: string, m: Measured): string {
  const list = (record: Record<string, number>, format: (n: number) => string) =>
    Object.entries(record)
      .map(([key, n]) => `${key}: ${format(n)}`)
      .join(', ');
  return `| ${name} | ${Math.round(m.rps)} | ${m.p50} | ${m.p99} | ${list(m.statuses, String)} | ${list(m.cpu, (share) => `${Math.round(share * 100)}%`)} |`;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
