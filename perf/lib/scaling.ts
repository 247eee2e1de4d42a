import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import autocannon from 'autocannon';
import { PREQUEUE_BAND, saleKeys, saleScriptSource } from '@flashsale/common';
import { generateKey, type RedisServer } from '../../tests/kit';
import { cpuShares } from './cpu';
import { WARM_UP_SECONDS, type LoadSettings } from './load';
import { mintTokens } from './mint-tokens';
import { median } from './ratio';
import { startService, type Service } from './service';

const run = promisify(execFile);
const INSTANCE_COUNTS = [1, 2, 4];

interface ScaleRun {
  instances: number;
  rps: number;
  p99: number;
  /** Share of one core, summed over the instances. */
  serviceCpu: number;
  redisCpu: number;
  generatorCpu: number;
}

/**
 * scale: POST /api/purchase on 1, 2 and 4 all-in-one instances behind one Redis (AOF always),
 * the load spread evenly, then what one Redis shard sustains of the purchase script alone
 * (redis-benchmark, no HTTP in front): where the single shard would become the limit.
 */
export async function benchScaling(settings: LoadSettings, redis: RedisServer): Promise<void> {
  console.log('\n## scale: POST /api/purchase on 1, 2 and 4 instances behind one Redis');
  const privatePem = generateKey('rsa').export({ type: 'pkcs8', format: 'pem' }).toString();
  const runs: ScaleRun[][] = [];
  for (let round = 1; round <= settings.rounds; round++) {
    const roundRuns: ScaleRun[] = [];
    for (const instances of INSTANCE_COUNTS) {
      roundRuns.push(await measureInstances(instances, round, privatePem, settings, redis));
    }
    runs.push(roundRuns);
    console.log(`round ${round}: ${roundRuns.map((r) => `${r.instances} → ${Math.round(r.rps)} req/s`).join(', ')}`);
  }
  console.log(
    '\n| instances | req/s (median) | vs 1 instance | p99 ms | service CPU (cores) | Redis CPU (% of a core) | load generator CPU |',
  );
  console.log('|---|---|---|---|---|---|---|');
  const single = median(runs.map((round) => (round[0] as ScaleRun).rps));
  INSTANCE_COUNTS.forEach((instances, i) => {
    const these = runs.map((round) => round[i] as ScaleRun);
    const mid = (pick: (r: ScaleRun) => number) => median(these.map(pick));
    console.log(
      `| ${instances} | ${Math.round(mid((r) => r.rps))} | ${(mid((r) => r.rps) / single).toFixed(2)} | ${mid((r) => r.p99)} | ` +
        `${mid((r) => r.serviceCpu).toFixed(2)} | ${Math.round(mid((r) => r.redisCpu) * 100)} % | ${Math.round(mid((r) => r.generatorCpu) * 100)} % |`,
    );
  });
  const best = runs.flat().reduce((a, b) => (b.rps > a.rps ? b : a));
  console.log(
    `Redis spent ${((best.redisCpu / best.rps) * 1e6).toFixed(1)} µs of CPU per purchase at ${Math.round(best.rps)} req/s: ` +
      `one core would carry about ${Math.round(best.rps / best.redisCpu)} purchases/s by that measure.`,
  );
  await shardCeiling(redis);
}

async function measureInstances(instances: number, round: number, privatePem: string, settings: LoadSettings, redis: RedisServer) {
  const saleId = `bench-scale-${round}-${instances}`;
  const services: Service[] = [];
  try {
    for (let i = 0; i < instances; i++) {
      services.push(await startService({ redisUrl: redis.url, saleId, sale: 'active', env: { JWT_PRIVATE_KEY: privatePem } }));
    }
    // Enough distinct shoppers for the fastest plausible run, so every request is a real sale.
    const tokens = await mintTokens(privatePem, saleId, `scale-${round}-${instances}`, 7_000 * (settings.duration + WARM_UP_SECONDS));
    let next = 0;
    const connections = Math.max(1, Math.floor(settings.connections / instances));
    const fire = (duration: number) =>
      Promise.all(
        services.map((service) =>
          autocannon({
            url: `${service.url}/api/purchase`,
            method: 'POST',
            connections,
            duration,
            requests: [
              { setupRequest: (request) => ({ ...request, headers: { authorization: `Bearer ${tokens[next++ % tokens.length]}` } }) },
            ],
          }),
        ),
      );
    await fire(1);
    const pids: Record<string, number> = { redis: redis.pid ?? 0, generator: process.pid };
    services.forEach((service, i) => (pids[`service${i}`] = service.pid));
    const { result, shares } = await cpuShares(pids, () => fire(settings.duration));
    const serviceCpu = services.reduce((sum, _, i) => sum + (shares[`service${i}`] ?? 0), 0);
    return {
      instances,
      rps: result.reduce((sum, r) => sum + r.requests.average, 0),
      p99: Math.max(...result.map((r) => r.latency.p99)),
      serviceCpu,
      redisCpu: shares.redis ?? 0,
      generatorCpu: shares.generator ?? 0,
    };
  } finally {
    await Promise.all(services.map((service) => service.stop()));
  }
}

/**
 * The sale's hot scripts alone against the same Redis (AOF, fsync always), from redis-benchmark's
 * own clients, 50 connections, one command at a time per connection and then 16 pipelined. No
 * HTTP, no JWT: what one shard can do at most.
 * - purchase-6.lua: each command a new shopper buying (__rand_int__);
 * - queueState-14.lua: each command a new shopper joining the line (no challenge, no cap);
 * - queuePositions-1.lua: 100 positions per command, as the live ticker asks in batches, on a line
 *   of 1,000,000 shoppers (redis-benchmark's __rand_int__ is 12 digits, zero-padded).
 */
async function shardCeiling(redis: RedisServer): Promise<void> {
  const keys = saleKeys('bench-shard');
  const scripts = ['purchase-6.lua', 'queueState-14.lua', 'queuePositions-1.lua'];
  const sha = new Map(scripts.map((file) => [file, createHash('sha1').update(saleScriptSource(file)).digest('hex')]));
  const client = redis.client();
  try {
    for (const file of scripts) await client.script('LOAD', saleScriptSource(file));
    const now = Date.now();
    await client.hset(keys.sale, {
      saleId: 'bench-shard',
      stock: 1e9,
      remaining: 1e9,
      startsAt: now - 60_000,
      endsAt: now + 3_600_000,
      queueOpensAt: now - 120_000,
    });
    const line = `${keys.queue}:positions`;
    await client.eval("for i = 1, 1000000 do redis.call('ZADD', KEYS[1], i, string.format('p%012d', i)) end return 1", 1, line);
  } finally {
    client.disconnect();
  }
  const expiry = String(Date.now() + 3_600_000);
  const { sale, orders, orderLog, active, admissionTokens, queue, admission, present, presence, tickets } = keys;
  const { networks, placeAddresses, spentChallenges, orderTimes, report, joinedAt } = keys;
  const rows: Array<{ name: string; perCommand: number; commands: number; args: string[] }> = [
    {
      name: 'purchase-6.lua (purchases/s)',
      perCommand: 1,
      commands: 200_000,
      args: ['EVALSHA', sha.get('purchase-6.lua') ?? '', '6', sale, orders, orderLog, active, admissionTokens, orderTimes].concat([
        'user:__rand_int__',
        'order:__rand_int__',
        expiry,
        '',
      ]),
    },
    {
      name: 'queueState-14.lua join (joins/s)',
      perCommand: 1,
      commands: 200_000,
      args: [
        'EVALSHA',
        sha.get('queueState-14.lua') ?? '',
        '14',
        sale,
        orders,
        queue,
        active,
        admissionTokens,
        admission,
        present,
        presence,
        tickets,
        networks,
        placeAddresses,
        spentChallenges,
        report,
        joinedAt,
        // No network (no cap counted) and no challenge: the join's own work.
      ].concat(['joiner:__rand_int__', 'join', String(PREQUEUE_BAND), '', '30000', 'ticket:__rand_int__', '', '0', '', '', '0']),
    },
    {
      name: 'queuePositions-1.lua, 100 a call (positions/s)',
      perCommand: 100,
      commands: 20_000,
      args: ['EVALSHA', sha.get('queuePositions-1.lua') ?? '', '1', `${queue}:positions`].concat(
        Array.from({ length: 100 }, () => 'p__rand_int__'),
      ),
    },
  ];
  console.log('\n| redis-benchmark, AOF fsync always, 50 clients | one at a time | 16 pipelined |\n|---|---|---|');
  for (const row of rows) {
    const rates: number[] = [];
    for (const pipeline of [1, 16]) {
      const { stdout } = await run('redis-benchmark', [
        ...['-h', '127.0.0.1', '-p', String(redis.port), '-c', '50', '-n', String(row.commands)],
        ...['-r', row.perCommand === 1 ? '1000000000' : '1000000', '-P', String(pipeline), '-q'],
        ...row.args,
      ]);
      rates.push(Number(/([\d.]+) requests per second/.exec(stdout)?.[1] ?? NaN) * row.perCommand);
    }
    console.log(`| ${row.name} | ${rates.map((rate) => Math.round(rate).toLocaleString('en-US')).join(' | ')} |`);
  }
}
