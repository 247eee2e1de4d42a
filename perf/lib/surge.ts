import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RedisServer } from '../../tests/kit';
import { cpuSeconds } from './cpu';
import { monotonicUs, type ProfileWindow } from './profile';
import { rssKb, startService, type Service } from './service';
import { SurgeClients, type SurgeShopper } from './surge-clients';
import { printSurge, printSurgeSummary, type CpuSample, type SurgeFigures } from './surge-report';

export interface SurgeSettings {
  /** How many shoppers arrive, one run per size. */
  sizes: number[];
  redis: RedisServer;
  /** Client processes; 0 picks one per 5,000 shoppers, at least two. */
  clientProcesses: number;
  /** The service's node arguments (--cpu-prof). */
  nodeArgs: string[];
  /** Runs after each size's service has stopped, with when its surge ran (the bench prints its profile there). */
  afterRun?: (surge: ProfileWindow) => void;
}

/** Every shopper arrives within this window. */
const WINDOW_MS = 1_000;
/**
 * The join's proof of work for the bench: the service's check of a proof costs the same whatever
 * the cost (one SHA-256 and one HMAC), so only solving is cheaper, and solving is done ahead,
 * off the clock: at the default 100,000, 20,000 proofs would take the bench's cores minutes.
 */
const CHALLENGE_COST = 1_000;
/** Shoppers per client process: each holds a socket per shopper, under the 20,000-descriptor limit. */
const SHOPPERS_PER_CLIENT = 5_000;
/** Lead between telling the clients and the first arrival, so every client has armed its timers. */
const LEAD_MS = 1_000;
const SAMPLE_MS = 100;
const ACCEPT_SAMPLE_MS = 100;

const wallNow = () => performance.timeOrigin + performance.now();

/**
 * surge: N shoppers arrive within one second at one all-in-one instance on Redis, each doing
 * what the page does (sale, challenge, join with the proof, socket), and each waits for its first
 * `queue:position`. Admission is off (rate 0), so the line stands still and the places must be
 * exactly 1..N. The load comes from child processes, each shopper from a loopback address of
 * their own (one address has about 28,000 ephemeral ports). MAX_PLACES_PER_NETWORK is 0
 * (startService), so the addresses' shared /24s take any number of places.
 *
 * Descriptors: every process here may hold 20,000 (`ulimit -Hn`), the service included. A shopper
 * closes its HTTP connection once joined: the page would leave it idle, and the service keeps
 * idle connections 65 s (keepAliveTimeout), which would make two descriptors per shopper and
 * stop one instance near 10,000. Even so, one instance cannot hold 20,000 sockets here.
 */
export async function benchSurge(settings: SurgeSettings): Promise<void> {
  const results: SurgeFigures[] = [];
  for (const size of settings.sizes) {
    const { figures, surge } = await surgeOnce(size, settings);
    results.push(figures);
    settings.afterRun?.(surge);
  }
  if (results.length > 1) printSurgeSummary(results);
}

async function surgeOnce(size: number, settings: SurgeSettings): Promise<{ figures: SurgeFigures; surge: ProfileWindow }> {
  const processes = settings.clientProcesses > 0 ? settings.clientProcesses : Math.max(2, Math.ceil(size / SHOPPERS_PER_CLIENT));
  console.log(
    `\n## surge: ${size.toLocaleString('en')} shoppers arrive within ${WINDOW_MS / 1000} s at one all-in-one instance ` +
      `(Redis, AOF always), ${processes} client processes`,
  );
  const service = await startService({
    redisUrl: settings.redis.url,
    saleId: `bench-surge-${size}-${Date.now()}`,
    sale: 'active',
    // Nobody is admitted, so each place stays where the join put it: 1..N.
    env: { ADMISSION_RATE_PER_MINUTE: '0', JOIN_CHALLENGE_MAX_NUMBER: String(CHALLENGE_COST) },
    nodeArgs: settings.nodeArgs,
  });
  const clients = SurgeClients.start(processes);
  try {
    const shoppers = Array.from({ length: size }, (_, index): SurgeShopper => ({
      index,
      userId: `surge-${index}`,
      address: addressOf(index),
    }));
    const started = Date.now();
    const prepared = await clients.prepare(service.url, shoppers);
    console.log(
      `fetched and solved ${prepared.solved} challenges ahead in ${((Date.now() - started) / 1000).toFixed(1)} s ` +
        `(JOIN_CHALLENGE_MAX_NUMBER=${CHALLENGE_COST}, ${((prepared.solveMs / Math.max(1, prepared.solved)) * 1000).toFixed(0)} µs of hashing each)`,
    );
    if (!prepared.required || prepared.solved !== size) throw new Error('the service did not hand out a challenge per shopper');
    await sleep(1_000); // let the preparation's connections close and the service settle

    const pids: Record<string, number> = { service: service.pid, redis: settings.redis.pid ?? 0 };
    const rssBefore = rssKb(service.pid);
    await eventLoopDelay(service); // resets the service's event-loop histogram
    const kernelBefore = tcpCounters();
    const t0 = wallNow() + LEAD_MS;
    const samples: CpuSample[] = [];
    const sampler = sampleCpu(pids, clients.pids, samples);
    const acceptQueue = sampleAcceptQueue(Number(new URL(service.url).port));
    const fromUs = monotonicUs();
    const outcome = await clients.surge(service.url, t0, WINDOW_MS, size);
    const surge = { fromUs, toUs: monotonicUs() };
    sampler.stop();
    acceptQueue.stop();
    const kernelAfter = tcpCounters();
    const loopLag = await eventLoopDelay(service);
    await sleep(1_000);
    const rssWith = rssKb(service.pid);
    const figures: SurgeFigures = {
      size,
      windowMs: WINDOW_MS,
      t0,
      outcome,
      samples,
      acceptQueue: acceptQueue.samples,
      backlog: acceptQueue.backlog(),
      rssBeforeKb: rssBefore,
      rssWithKb: rssWith,
      serviceLoopLagMs: loopLag,
      kernel: Object.fromEntries(Object.entries(kernelAfter).map(([name, n]) => [name, n - (kernelBefore[name] ?? 0)])),
    };
    printSurge(figures);
    return { figures, surge };
  } finally {
    await clients.close();
    await service.stop();
  }
}

/** A loopback address per shopper: 127.20.1.1 onwards, never a .0 or a .255. */
function addressOf(index: number): string {
  return `127.${20 + Math.floor(index / 62_500)}.${(Math.floor(index / 250) % 250) + 1}.${(index % 250) + 1}`;
}

/** Every SAMPLE_MS, the CPU seconds each process has used so far, until stopped. */
function sampleCpu(pids: Record<string, number>, clientPids: number[], samples: CpuSample[]): { stop: () => void } {
  const take = () => {
    const cpu: Record<string, number> = {};
    for (const [name, pid] of Object.entries(pids)) if (pid > 0) cpu[name] = cpuSeconds(pid);
    cpu.clients = clientPids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
    samples.push({ at: wallNow(), cpu });
  };
  take();
  const timer = setInterval(take, SAMPLE_MS);
  return {
    stop: () => {
      clearInterval(timer);
      take();
    },
  };
}

/**
 * The service's accept queue (connections the kernel completed that the service has not yet
 * accepted), every ACCEPT_SAMPLE_MS from `ss`: when it reaches the listen backlog, new
 * connections are dropped and retried a second later.
 */
function sampleAcceptQueue(port: number): { samples: Array<{ at: number; queued: number }>; backlog: () => number; stop: () => void } {
  const samples: Array<{ at: number; queued: number }> = [];
  let backlog = NaN;
  const take = () =>
    execFile('ss', ['-ltnH', `sport = :${port}`], (error, stdout) => {
      const [, queued, limit] = error ? [] : (stdout.trim().split(/\s+/) as Array<string | undefined>);
      if (queued === undefined) return;
      samples.push({ at: wallNow(), queued: Number(queued) });
      backlog = Number(limit);
    });
  const timer = setInterval(take, ACCEPT_SAMPLE_MS);
  return { samples, backlog: () => backlog, stop: () => clearInterval(timer) };
}

/**
 * The service's event-loop delay since the last scrape, from prom-client's default metrics on
 * /metrics (each scrape resets the histogram), in ms.
 */
async function eventLoopDelay(service: Service): Promise<{ p99: number; max: number }> {
  const answer = await fetch(`${service.url}/metrics`);
  const text = await answer.text();
  const read = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN) * 1000;
  return { p99: read('nodejs_eventloop_lag_p99_seconds'), max: read('nodejs_eventloop_lag_max_seconds') };
}

/** The kernel's TCP counters that show dropped or retried connection attempts (this network namespace). */
function tcpCounters(): Record<string, number> {
  const wanted = ['ListenOverflows', 'ListenDrops', 'TCPSynRetrans', 'SyncookiesSent', 'TCPTimeouts'];
  const lines = readFileSync('/proc/net/netstat', 'utf8').split('\n');
  const counters: Record<string, number> = {};
  for (let i = 0; i + 1 < lines.length; i += 2) {
    const names = lines[i]?.split(/\s+/) ?? [];
    const values = lines[i + 1]?.split(/\s+/) ?? [];
    if (names[0] !== 'TcpExt:') continue;
    names.forEach((name, j) => {
      if (wanted.includes(name)) counters[name] = Number(values[j]);
    });
  }
  return counters;
}
