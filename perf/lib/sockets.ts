import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { performance } from 'node:perf_hooks';
import { generateKey, leave, send, type RedisServer } from '../../tests/kit';
import { cpuShares } from './cpu';
import { monotonicUs, type ProfileWindow } from './profile';
import { summarize } from './report-stats';
import { rssKb, startService, type Service } from './service';
import { MAX_SOCKETS_PER_CLIENT, SocketClients } from './socket-clients';

export interface SocketSettings {
  sockets: number;
  rounds: number;
  /** Time between two departures, and how long a round waits for the updates. */
  spacingMs: number;
  /** At least this many client processes; more when the sockets need them (15,000 each at most). */
  clientProcesses: number;
  /** All-in-one instances sharing the sale (and the one Redis), the sockets spread evenly over them. */
  instances: number;
  /** Redis (the production path) or, when absent, the embedded store (one instance only). */
  redis: RedisServer | null;
  /** Node options for the services (--cpu-prof). */
  nodeArgs?: string[];
}

const TARGET_P99_MS = 500;
/** The SPEC: every socket hears a change of its position within a second. */
const SPEC_MS = 1_000;
const JOINS_AT_ONCE = 200;
/** The service's live tick (live-ticker.ts). */
const TICK_MS = 250;
/** The service's CPU is first measured this long with every socket connected and the line still. */
const IDLE_MS = 3_000;

// Same wall clock as the socket client processes, at sub-millisecond resolution.
const wallNow = () => performance.timeOrigin + performance.now();

/**
 * Holds `sockets` waiting shoppers' sockets on `instances` instances (one Redis), then makes
 * every position drop by one at known instants: each round, the shopper at the head of the line
 * (who has no socket) leaves. The delay is from just before that DELETE to each socket's
 * 'queue:position'; each socket must hear its position one lower. Returns when the rounds ran, in
 * the clock of the services' CPU profiles.
 */
export async function benchSockets(settings: SocketSettings): Promise<ProfileWindow> {
  const { instances } = settings;
  if (instances > 1 && !settings.redis) throw new Error('several instances share a sale through Redis: --socket-store redis');
  const store = settings.redis ? 'Redis, AOF always' : 'embedded store';
  const clientCount = Math.max(settings.clientProcesses, Math.ceil(settings.sockets / MAX_SOCKETS_PER_CLIENT));
  console.log(
    `\n## sockets: ${settings.sockets} waiting sockets on ${instances === 1 ? 'one all-in-one instance' : `${instances} all-in-one instances`} ` +
      `(${store}), ${clientCount} client processes`,
  );
  // One sale on every instance: the same secrets, so a queue token or admission is good anywhere.
  const shared = {
    QUEUE_TOKEN_SECRET: randomBytes(32).toString('hex'),
    JWT_PRIVATE_KEY: generateKey('rsa').export({ type: 'pkcs8', format: 'pem' }).toString(),
    // Join order is queue order before the start, so the heads joined first are positions 1, 2, …
    PREQUEUE_ORDER: 'fifo',
  };
  const services: Service[] = [];
  let clients: SocketClients | null = null;
  try {
    for (let i = 0; i < instances; i++) {
      services.push(
        await startService({
          redisUrl: settings.redis?.url,
          saleId: 'bench-sockets',
          sale: 'upcoming',
          env: shared,
          // The hook lets the bench read memory after a full collection (see collectedMemory).
          nodeArgs: ['--expose-gc', '--require', GC_HOOK, ...(settings.nodeArgs ?? [])],
        }),
      );
    }
    clients = SocketClients.start(clientCount);
    const urls = services.map((service) => service.url);
    // Shopper i's socket is on instance i mod n, and they joined there, as behind a load balancer.
    const instanceOf = (i: number) => i % instances;

    let started = Date.now();
    const heads = await join([urls[0] as string], 'head', settings.rounds, 1);
    if (heads.some((head, i) => head.position !== i + 1))
      throw new Error(`heads are not at the front: ${heads.map((h) => h.position).join()}`);
    const shoppers = await join(urls, 'shopper', settings.sockets, JOINS_AT_ONCE);
    console.log(`joined ${heads.length + shoppers.length} shoppers in ${seconds(started)}`);

    const before = await Promise.all(services.map((service) => collectedMemory(service.pid)));
    started = Date.now();
    const connected = await clients.connect(
      urls,
      shoppers.map((s) => s.queueToken),
      instanceOf,
    );
    await sleep(1_000); // let the connect-time pushes and the first ticks settle before reading memory
    const ready = connected.ready.reduce((sum, n) => sum + n, 0);
    console.log(`connected ${ready} of ${shoppers.length} sockets in ${seconds(started)} (errors: ${describe(connected.errors)})`);
    const rssWith = services.map((service) => rssKb(service.pid));
    const after = await Promise.all(services.map((service) => collectedMemory(service.pid)));
    const perSocket = services.map((_, i) => memoryPerSocket(before[i] as Memory, after[i] as Memory, connected.ready[i] ?? 0));
    services.forEach((_, i) => {
      const [was, is, each] = [before[i] as Memory, after[i] as Memory, perSocket[i] as Memory];
      console.log(
        `${serviceName(i, instances)} memory per socket, after a full garbage collection: ` +
          `RSS ${each.rssKb.toFixed(1)} KB (${mb(was.rssKb)} before the sockets, ${mb(is.rssKb)} with ${connected.ready[i] ?? 0}; ` +
          `${mb(rssWith[i] ?? 0)} before the collection), ` +
          `of which JS heap ${each.heapKb.toFixed(1)} KB and buffers ${each.externalKb.toFixed(1)} KB`,
      );
    });

    const servicePids = Object.fromEntries(services.map((service, i) => [serviceName(i, instances), service.pid]));
    const pids = {
      ...servicePids,
      ...(settings.redis ? { redis: settings.redis.pid ?? 0 } : {}),
      ...Object.fromEntries(clients.pids.map((pid, i) => [`client ${i + 1}`, pid])),
      bench: process.pid,
    };
    const idle = await cpuShares(servicePids, () => sleep(IDLE_MS));
    const sockets = clients;
    const fromUs = monotonicUs();
    const machineBefore = machineTicks();
    const { result, shares, seconds: spent } = await cpuShares(pids, () => rounds(urls[0] as string, heads, sockets, settings));
    const machine = machineCores(machineBefore, machineTicks(), spent);
    const window = { fromUs, toUs: monotonicUs() };
    report(result, ready, settings.rounds);
    console.log(`CPU during the rounds (% of one core): ${describe(shares, percent)}`);
    const ours = Object.values(shares).reduce((sum, share) => sum + share, 0);
    console.log(
      `the machine during the rounds: ${machine.busy.toFixed(2)} of ${machine.cores} cores busy, ${ours.toFixed(2)} of them this bench's ` +
        `processes, ${Math.max(0, machine.busy - ours).toFixed(2)} the rest (other work on a shared machine; the kernel's network work is ` +
        `partly charged to no process)`,
    );
    console.log(
      '\n| service | sockets | RSS per socket | JS heap per socket | delay p50 / p99 / max | missed | CPU during the rounds | ' +
        'CPU, line still | µs of CPU per update | ms of CPU per push to all |',
    );
    console.log('|---|---|---|---|---|---|---|---|---|---|');
    // The rounds are mostly waiting for the next departure, so the CPU share of the rounds is an
    // average over them; per update delivered, and per push to all its sockets, it does not depend on the spacing.
    services.forEach((_, i) => {
      const name = serviceName(i, instances);
      const delay = summarize(result.delaysByInstance[i] ?? []);
      const updates = Math.max(1, delay.count);
      const busy = (shares[name] ?? 0) * spent;
      const pushing = busy - (idle.shares[name] ?? 0) * spent;
      const each = perSocket[i] as Memory;
      console.log(
        `| ${i + 1} | ${connected.ready[i]} | ${each.rssKb.toFixed(1)} KB | ${each.heapKb.toFixed(1)} KB | ` +
          `${[delay.p50, delay.p99, delay.max].map((ms) => ms.toFixed(0)).join(' / ')} ms | ${result.missedByInstance[i] ?? 0} | ` +
          `${percent(shares[name] ?? 0)} | ${percent(idle.shares[name] ?? 0)} | ${((busy * 1e6) / updates).toFixed(1)} ` +
          `(${((pushing * 1e6) / updates).toFixed(1)} above the still line) | ${((pushing / settings.rounds) * 1000).toFixed(0)} |`,
      );
    });
    const serviceShare = services.reduce((sum, _, i) => sum + (shares[serviceName(i, instances)] ?? 0), 0);
    const stillShare = services.reduce((sum, _, i) => sum + (idle.shares[serviceName(i, instances)] ?? 0), 0);
    const delivered = sumOf(result.delaysByInstance.map((delays) => delays.length));
    console.log(
      `\nservice CPU per second of pushing (a departure every ${(settings.spacingMs / 1000).toFixed(1)} s, every socket pushed once each): ` +
        `${percent(serviceShare)} of a core over all instances, ${percent(stillShare)} of it what the instances spend with the line still; ` +
        `${(((serviceShare * spent) / Math.max(1, delivered)) * 1e6).toFixed(1)} µs of service CPU per position update delivered`,
    );
    return window;
  } finally {
    await clients?.close();
    await Promise.all(services.map((service) => service.stop()));
  }
}

const GC_HOOK = path.join(__dirname, 'gc-hook.js');

/** Busy and total clock ticks of the whole machine so far, from /proc/stat (Linux). */
function machineTicks(): { busy: number; total: number } {
  const fields = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
  const total = fields.reduce((sum, n) => sum + n, 0);
  // idle and iowait
  return { busy: total - (fields[3] ?? 0) - (fields[4] ?? 0), total };
}

function machineCores(before: { busy: number; total: number }, after: { busy: number; total: number }, seconds: number) {
  const cores = availableParallelism();
  return { cores, busy: Math.min(cores, (after.busy - before.busy) / 100 / seconds) };
}

interface Memory {
  rssKb: number;
  heapKb: number;
  externalKb: number;
}

/** What each of `sockets` sockets added to an instance's memory. */
function memoryPerSocket(was: Memory, is: Memory, sockets: number): Memory {
  const count = Math.max(1, sockets);
  return {
    rssKb: (is.rssKb - was.rssKb) / count,
    heapKb: (is.heapKb - was.heapKb) / count,
    externalKb: (is.externalKb - was.externalKb) / count,
  };
}

/** The service's memory right after a full garbage collection, which gc-hook.js runs on SIGUSR2. */
async function collectedMemory(pid: number): Promise<Memory> {
  const file = path.join(tmpdir(), `flashsale-memory-${pid}.json`);
  rmSync(file, { force: true });
  process.kill(pid, 'SIGUSR2');
  for (let waited = 0; !existsSync(file); waited += 20) {
    if (waited > 30_000) throw new Error(`the service (pid ${pid}) wrote no memory figures: is gc-hook.js preloaded?`);
    await sleep(20);
  }
  const usage = JSON.parse(readFileSync(file, 'utf8')) as NodeJS.MemoryUsage;
  rmSync(file, { force: true });
  return { rssKb: rssKb(pid), heapKb: usage.heapUsed / 1024, externalKb: usage.external / 1024 };
}

const serviceName = (i: number, instances: number) => (instances === 1 ? 'service' : `service ${i + 1}`);

interface Rounds {
  /** Every update's delay (ms), by the instance the socket is on. */
  delaysByInstance: number[][];
  missedByInstance: number[];
  wrong: number;
  disconnects: number;
  rises: number;
}

/** One departure per round; collects every socket's delay for it. */
async function rounds(url: string, heads: Joined[], clients: SocketClients, settings: SocketSettings): Promise<Rounds> {
  const all: Rounds = { delaysByInstance: [], missedByInstance: [], wrong: 0, disconnects: 0, rises: 0 };
  for (const [index, head] of heads.entries()) {
    await clients.arm();
    // A departure falls anywhere in the service's 250 ms tick, not at the same phase every round.
    await sleep(Math.random() * TICK_MS);
    const t0 = wallNow();
    const answer = await leave(url, head.queueToken);
    if (answer.status !== 204) throw new Error(`DELETE /api/queue/me answered ${answer.status}`);
    await sleep(Math.max(0, t0 + settings.spacingMs - wallNow()));
    const collected = await clients.collect();
    const delay = summarize(collected.arrivals.filter((at) => !Number.isNaN(at)).map((at) => at - t0));
    Object.assign(all, { wrong: all.wrong + collected.wrong, disconnects: collected.disconnects, rises: collected.rises });
    collected.arrivals.forEach((at, i) => {
      const instance = collected.instances[i] ?? 0;
      if (Number.isNaN(at)) all.missedByInstance[instance] = (all.missedByInstance[instance] ?? 0) + 1;
      else (all.delaysByInstance[instance] ??= []).push(at - t0);
    });
    console.log(
      `round ${index + 1}: ${delay.count}/${collected.arrivals.length} updated, ` +
        `p50 ${delay.p50.toFixed(0)} ms, p99 ${delay.p99.toFixed(0)} ms, max ${delay.max.toFixed(0)} ms`,
    );
  }
  return all;
}

function report({ delaysByInstance, missedByInstance, wrong, disconnects, rises }: Rounds, sockets: number, roundCount: number): void {
  const { count, p50, p95, p99, max } = summarize(delaysByInstance.flat());
  const missed = sumOf(missedByInstance);
  console.log(
    `\nposition update delay, ${roundCount} rounds × ${sockets} sockets: ` +
      `p50 ${p50.toFixed(0)} ms, p95 ${p95.toFixed(0)} ms, p99 ${p99.toFixed(0)} ms, max ${max.toFixed(0)} ms` +
      `\nupdates received: ${count} of ${count + missed} (missed: ${missed}, wrong position: ${wrong}, ` +
      `positions that rose: ${rises}, sockets disconnected: ${disconnects})` +
      `\ntarget p99 < ${TARGET_P99_MS} ms (the SPEC's bound: ${SPEC_MS} ms), every socket updated with the right position: ` +
      `${p99 < TARGET_P99_MS && missed === 0 && wrong === 0 && rises === 0 ? 'met' : p99 < SPEC_MS && missed === 0 && wrong === 0 && rises === 0 ? 'within the SPEC, target NOT met' : 'NOT met'}`,
  );
}

interface Joined {
  queueToken: string;
  position: number;
}

/** Joins prefix-0 … prefix-(count-1), `atOnce` requests in flight, shopper i at urls[i mod n]. */
async function join(urls: string[], prefix: string, count: number, atOnce: number): Promise<Joined[]> {
  const joined: Joined[] = [];
  for (let from = 0; from < count; from += atOnce) {
    const batch = Array.from({ length: Math.min(atOnce, count - from) }, (_, i) =>
      joinOne(urls[(from + i) % urls.length] as string, `${prefix}-${from + i}`),
    );
    joined.push(...(await Promise.all(batch)));
  }
  return joined;
}

async function joinOne(url: string, userId: string): Promise<Joined> {
  const answer = await send(`${url}/api/queue`, { method: 'POST', body: { userId } });
  if (answer.status !== 202) throw new Error(`POST /api/queue for ${userId} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  return answer.body as unknown as Joined;
}

// reduce skips holes, as missedByInstance has for an instance that missed nothing.
const sumOf = (values: number[]) => values.reduce((total, n) => total + n, 0);
const seconds = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)} s`;
const mb = (kb: number) => `${(kb / 1024).toFixed(0)} MB`;
const percent = (share: number) => `${Math.round(share * 100)}%`;
const describe = (record: Record<string, number>, format: (n: number) => string = String) =>
  Object.entries(record)
    .map(([key, n]) => `${key}: ${format(n)}`)
    .join(', ') || 'none';
