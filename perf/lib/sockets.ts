import { setTimeout as sleep } from 'node:timers/promises';
import { performance } from 'node:perf_hooks';
import { leave, send, type RedisServer } from '../../tests/kit';
import { cpuShares } from './cpu';
import { rssKb, startService } from './service';
import { SocketClients } from './socket-clients';

export interface SocketSettings {
  sockets: number;
  rounds: number;
  /** Time between two departures, and how long a round waits for the updates. */
  spacingMs: number;
  clientProcesses: number;
  /** Redis (the production path) or, when absent, the embedded store. */
  redis: RedisServer | null;
}

const TARGET_P99_MS = 500;
const JOINS_AT_ONCE = 200;

// Same wall clock as the socket client processes, at sub-millisecond resolution.
const wallNow = () => performance.timeOrigin + performance.now();

/**
 * Holds `sockets` waiting shoppers' sockets on one instance, then makes every position drop by
 * one at known instants: each round, the shopper at the head of the line (who has no socket)
 * leaves. The delay is from just before that DELETE to each socket's 'queue:position'.
 */
export async function benchSockets(settings: SocketSettings): Promise<void> {
  const store = settings.redis ? 'Redis, AOF always' : 'embedded store';
  console.log(
    `\n## sockets: ${settings.sockets} waiting sockets on one all-in-one instance (${store}), ${settings.clientProcesses} client processes`,
  );
  const service = await startService({
    redisUrl: settings.redis?.url,
    saleId: 'bench-sockets',
    sale: 'upcoming',
    // Join order is queue order before the start, so the heads joined first are positions 1, 2, …
    env: { PREQUEUE_ORDER: 'fifo' },
  });
  const clients = SocketClients.start(settings.clientProcesses);
  try {
    let started = Date.now();
    const heads = await join(service.url, 'head', settings.rounds, 1);
    if (heads.some((head, i) => head.position !== i + 1))
      throw new Error(`heads are not at the front: ${heads.map((h) => h.position).join()}`);
    const shoppers = await join(service.url, 'shopper', settings.sockets, JOINS_AT_ONCE);
    console.log(`joined ${heads.length + shoppers.length} shoppers in ${seconds(started)}`);

    const rssBefore = rssKb(service.pid);
    started = Date.now();
    const connected = await clients.connect(
      service.url,
      shoppers.map((s) => s.queueToken),
    );
    await sleep(1_000); // let the connect-time pushes and the first ticks settle before reading RSS
    const rssWith = rssKb(service.pid);
    console.log(
      `connected ${connected.ready} of ${shoppers.length} sockets in ${seconds(started)} (errors: ${describe(connected.errors)})`,
    );
    const perSocket = (rssWith - rssBefore) / Math.max(1, connected.ready);
    console.log(
      `service RSS: ${mb(rssBefore)} before the sockets, ${mb(rssWith)} with ${connected.ready}: ${perSocket.toFixed(1)} KB per socket`,
    );

    const pids = { service: service.pid, ...(settings.redis ? { redis: settings.redis.pid ?? 0 } : {}) };
    const {
      result,
      shares,
      seconds: spent,
    } = await cpuShares({ ...pids, ...Object.fromEntries(clients.pids.map((pid, i) => [`client ${i + 1}`, pid])) }, () =>
      rounds(service.url, heads, clients, settings),
    );
    report(result, connected.ready, settings.rounds);
    console.log(`CPU during the rounds (% of one core): ${describe(shares, (share) => `${Math.round(share * 100)}%`)}`);
    // The rounds are mostly waiting for the next departure: per update delivered, not per second.
    const perUpdate = ((shares.service ?? 0) * spent * 1e6) / Math.max(1, result.delays.length);
    console.log(`service cost per position update delivered: ${perUpdate.toFixed(1)} µs of CPU (${result.delays.length} updates)`);
  } finally {
    await clients.close();
    await service.stop();
  }
}

interface Rounds {
  delays: number[];
  missed: number;
  wrong: number;
  disconnects: number;
}

/** One departure per round; collects every socket's delay for it. */
async function rounds(url: string, heads: Joined[], clients: SocketClients, settings: SocketSettings): Promise<Rounds> {
  const all: Rounds = { delays: [], missed: 0, wrong: 0, disconnects: 0 };
  for (const [index, head] of heads.entries()) {
    await clients.arm();
    const t0 = wallNow();
    const answer = await leave(url, head.queueToken);
    if (answer.status !== 204) throw new Error(`DELETE /api/queue/me answered ${answer.status}`);
    await sleep(Math.max(0, t0 + settings.spacingMs - wallNow()));
    const collected = await clients.collect();
    const delays = collected.arrivals.filter((at) => !Number.isNaN(at)).map((at) => at - t0);
    const missed = collected.arrivals.length - delays.length;
    Object.assign(all, { missed: all.missed + missed, wrong: all.wrong + collected.wrong, disconnects: collected.disconnects });
    all.delays.push(...delays);
    console.log(
      `round ${index + 1}: ${delays.length}/${collected.arrivals.length} updated, ` +
        `p50 ${percentile(delays, 0.5).toFixed(0)} ms, p99 ${percentile(delays, 0.99).toFixed(0)} ms, max ${percentile(delays, 1).toFixed(0)} ms`,
    );
  }
  return all;
}

function report({ delays, missed, wrong, disconnects }: Rounds, sockets: number, roundCount: number): void {
  const p99 = percentile(delays, 0.99);
  const figures = [0.5, 0.95, 0.99].map((q) => `p${q * 100} ${percentile(delays, q).toFixed(0)} ms`).join(', ');
  console.log(
    `\nposition update delay, ${roundCount} rounds × ${sockets} sockets: ${figures}, max ${percentile(delays, 1).toFixed(0)} ms` +
      `\nupdates received: ${delays.length} of ${delays.length + missed} (missed: ${missed}, wrong position: ${wrong}, sockets disconnected: ${disconnects})` +
      `\ntarget p99 < ${TARGET_P99_MS} ms, every socket updated: ${p99 < TARGET_P99_MS && missed === 0 ? 'met' : 'NOT met'}`,
  );
}

interface Joined {
  queueToken: string;
  position: number;
}

/** Joins prefix-0 … prefix-(count-1), `atOnce` requests in flight. */
async function join(url: string, prefix: string, count: number, atOnce: number): Promise<Joined[]> {
  const joined: Joined[] = [];
  for (let from = 0; from < count; from += atOnce) {
    const batch = Array.from({ length: Math.min(atOnce, count - from) }, (_, i) => joinOne(url, `${prefix}-${from + i}`));
    joined.push(...(await Promise.all(batch)));
  }
  return joined;
}

async function joinOne(url: string, userId: string): Promise<Joined> {
  const answer = await send(`${url}/api/queue`, { method: 'POST', body: { userId } });
  if (answer.status !== 202) throw new Error(`POST /api/queue for ${userId} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  return answer.body as unknown as Joined;
}

/** Nearest-rank percentile. */
function percentile(values: number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? NaN;
}

const seconds = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)} s`;
const mb = (kb: number) => `${(kb / 1024).toFixed(0)} MB`;
const describe = (record: Record<string, number>, format: (n: number) => string = String) =>
  Object.entries(record)
    .map(([key, n]) => `${key}: ${format(n)}`)
    .join(', ') || 'none';
