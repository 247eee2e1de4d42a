/**
 * `npm run bench`: what the service costs on top of Express itself, and how its live pushes hold up.
 *
 * - purchase, join and challenge (the join carrying its proof): what a request costs the service,
 *   in CPU microseconds per answered request (from /proc, over the measured run), as a ratio to
 *   a bare Express "hello" measured in the same run: a cost does not depend on who else uses the
 *   two cores, as throughput does. Hello and the figure alternate for several rounds; the median
 *   ratio is reported with the rounds' spread, and throughput and latency as secondary columns.
 *   With --rate, both are offered the same requests a second (an event loop at saturation batches
 *   more requests a turn and each costs less, so costs are compared in one regime).
 * - challenge: also how many joins a second a bot on one core gets when it must solve every
 *   challenge at the default cost.
 * - ledger: what a purchase costs with the PostgreSQL ledger on at 10,000, 100,000 and 500,000
 *   orders sold: flat, since reconciliation reads only what changed.
 * - aof: purchase throughput on Redis with `appendfsync always` as a ratio to `everysec`, the two
 *   measured in alternate order in the same run: what fsyncing every write costs.
 * - sockets: thousands of waiting sockets on one instance (or --socket-instances sharing one
 *   Redis); how long a change of position takes to reach all of them, the memory each socket
 *   costs, and the service's CPU while pushing. Up to 15,000 sockets per client process (the
 *   file-descriptor limit is 20,000 here), so 50,000 need three instances and four clients.
 * - surge: N shoppers (--surge, default 10,000; comma-separated for several runs) arrive within
 *   one second at one instance on Redis, each doing what the page does (sale, challenge, join with
 *   a proof solved ahead, socket); time from arrival to the first position, answers, CPU and RSS.
 * - presence: admissions per second of the admission step with 20,000 waiting and half of them
 *   absent, as a ratio to the same line all present.
 * - estimate: how far the estimated wait pushed after the start and after a resume is from the
 *   wait that followed, for a pre-queue of 200 at 600/min.
 * - scale: purchases on 1, 2 and 4 instances behind one Redis, and what that one Redis sustains
 *   of the purchase script alone (redis-benchmark): where a single shard becomes the limit.
 *
 *   npm run bench                         everything: 3 rounds of 6 s per ratio, 10,000 sockets
 *   npm run bench -- --only join          one part (purchase, join, challenge, ledger, aof, sockets, presence, estimate or scale; comma-separated)
 *   npm run bench -- --only purchase,join,challenge --rate 1200   costs at one offered rate
 *   npm run bench -- --rounds 5 --duration 10
 *   npm run bench -- --sockets 2000 --socket-store embedded
 *   npm run bench -- --only sockets --sockets 50000 --socket-instances 3   sockets spread over instances sharing one Redis
 *                                         (--socket-spacing 3000: ms between departures, and how long each waits for the updates)
 *   npm run bench -- --only surge --surge 5000,10000,20000   the surge at several sizes (--surge-clients: client processes)
 *   npm run bench -- --cpu-prof           also profiles the service of purchase, join and challenge (perf/results/) and prints where its CPU went
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { RedisServer } from '../tests/kit';
import { benchAof } from './lib/aof';
import { benchChallenge } from './lib/challenge';
import { benchEstimate } from './lib/estimate';
import { benchJoin } from './lib/join';
import { benchLedger } from './lib/ledger-cost';
import type { LoadSettings } from './lib/load';
import { ROOT, startNode } from './lib/processes';
import { newestProfile, summarizeProfile, type ProfileWindow } from './lib/profile';
import { benchPresence } from './lib/presence';
import { benchPurchase } from './lib/purchase';
import { benchScaling } from './lib/scaling';
import { benchSockets } from './lib/sockets';
import { benchSurge } from './lib/surge';

const PARTS = ['purchase', 'join', 'challenge', 'ledger', 'aof', 'sockets', 'presence', 'estimate', 'scale', 'surge'] as const;
type Part = (typeof PARTS)[number];

const { values: options } = parseArgs({
  options: {
    only: { type: 'string', default: PARTS.join(',') },
    duration: { type: 'string', default: '6' },
    rounds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '64' },
    rate: { type: 'string', default: '0' },
    'cpu-prof': { type: 'boolean', default: false },
    sockets: { type: 'string', default: '10000' },
    'socket-rounds': { type: 'string', default: '5' },
    'socket-clients': { type: 'string', default: '2' },
    'socket-store': { type: 'string', default: 'redis' },
    'socket-instances': { type: 'string', default: '1' },
    'socket-spacing': { type: 'string', default: '1500' },
    surge: { type: 'string', default: '10000' },
    'surge-clients': { type: 'string', default: '0' },
  },
});
const RESULTS = path.join(ROOT, 'perf', 'results');

function selectedParts(): Set<Part> {
  const names = options.only.split(',').map((name) => name.trim());
  const unknown = names.filter((name) => !(PARTS as readonly string[]).includes(name));
  if (unknown.length > 0) throw new Error(`--only takes ${PARTS.join(', ')}; not ${unknown.join(', ')}`);
  return new Set(names as Part[]);
}

async function main(): Promise<void> {
  const parts = selectedParts();
  const settings: LoadSettings = {
    duration: Number(options.duration),
    rounds: Number(options.rounds),
    connections: Number(options.connections),
    rate: Number(options.rate),
  };
  const nodeArgs = options['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${RESULTS}`] : [];
  mkdirSync(RESULTS, { recursive: true });
  console.log(
    `bench: ${[...parts].join(', ')}; ratios: ${settings.rounds} rounds of ${settings.duration} s, ` +
      `${settings.connections} connections${settings.rate > 0 ? ` at ${settings.rate} req/s` : ''}, autocannon in this process`,
  );

  const redis = await RedisServer.start({ appendfsync: 'always' });
  const hello =
    parts.has('purchase') || parts.has('join') || parts.has('challenge')
      ? await startNode('perf/hello-server.js', { listening: /listening (\d+)/ })
      : null;
  try {
    if (hello && parts.has('purchase')) {
      await benchPurchase(settings, hello, redis, nodeArgs);
      printProfile();
    }
    if (hello && parts.has('join')) {
      await benchJoin(settings, hello, redis, nodeArgs);
      printProfile();
    }
    if (hello && parts.has('challenge')) {
      await benchChallenge(settings, hello, redis, nodeArgs);
      printProfile();
    }
    if (parts.has('ledger')) await benchLedger(settings, redis);
    if (parts.has('aof')) await benchAof(settings);
    if (parts.has('sockets')) {
      const measured = await benchSockets({
        sockets: Number(options.sockets),
        rounds: Number(options['socket-rounds']),
        spacingMs: Number(options['socket-spacing']),
        clientProcesses: Number(options['socket-clients']),
        instances: Number(options['socket-instances']),
        redis: options['socket-store'] === 'embedded' ? null : redis,
        nodeArgs,
      });
      printProfile(measured);
    }
    if (parts.has('presence')) await benchPresence(redis, settings.rounds);
    if (parts.has('estimate')) await benchEstimate(redis);
    if (parts.has('scale')) await benchScaling(settings, redis);
    if (parts.has('surge')) {
      await benchSurge({
        sizes: options.surge.split(',').map(Number),
        redis,
        clientProcesses: Number(options['surge-clients']),
        nodeArgs,
        afterRun: printProfile,
      });
    }
  } finally {
    await hello?.stop();
    await redis.destroy();
  }
}

/** Where the last stopped service's CPU went, when it was profiled: only within `window` when given. */
function printProfile(window?: ProfileWindow): void {
  const profile = options['cpu-prof'] ? newestProfile(RESULTS) : null;
  if (!profile) return;
  const span = window ? 'while measured' : 'all rounds';
  console.log(`\nWhere the service's busy CPU time went, ${span}, by self time (${path.relative(ROOT, profile)}):`);
  for (const { where, share } of summarizeProfile(profile, 15, window)) console.log(`${(share * 100).toFixed(1).padStart(6)} %  ${where}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
