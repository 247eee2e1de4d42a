import { once } from 'node:events';
import { Agent, get as httpGet } from 'node:http';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import { io as connectSocket } from 'socket.io-client';
import { createAdmissionTokenSigner, type AdminStateAnswer, type SaleDefinition } from '@flashsale/common';
import {
  activeSale,
  admin,
  errorCode,
  eventually,
  freePort,
  generateKey,
  inPool,
  join,
  leave,
  lookUp,
  openSocket,
  RedisServer,
  saleProcessEnv,
  startAllInOne,
  startService,
  startTcpProxy,
  usePostgresCluster,
  useRedisServer,
  WAITING_ROOM_ENTRY,
  type RunningProcess,
  type ShopperSocket,
  type TcpProxy,
} from '../kit';

/**
 * What shoppers see when one process of the sale stops or dies, with the built processes, real
 * signals, a real Redis (append-only file, fsync always) and, for the ledger, a real PostgreSQL.
 * Timings are taken from Redis TIME or from the test's monotonic clock, with margins for a busy
 * two-core machine.
 */
const redisServer = useRedisServer({ appendfsync: 'always' });
const cluster = usePostgresCluster();

/** EC P-256: the processes sign ES256, and the drain test pre-signs thousands of tokens in milliseconds. */
const signingKey = generateKey('ec');

const processes: RunningProcess[] = [];
const sockets: ShopperSocket[] = [];
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.close();
  // SIGKILL: the clean-up is not under test, and must not wait out a shutdown deadline.
  await Promise.all(processes.splice(0).map(killNow));
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function killNow(running: RunningProcess): Promise<void> {
  const { child } = running;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/** Resolves with the promise's value, or with `fallback` after `ms`, leaving no timer behind. */
async function within<T, F>(promise: Promise<T>, ms: number, fallback: F): Promise<T | F> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<F>((resolve) => (timer = setTimeout(() => resolve(fallback), ms)));
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const processEnv = (sale: SaleDefinition, redisUrl: string, extra: Record<string, string> = {}) =>
  saleProcessEnv(sale, redisUrl, signingKey, extra);

const adminState = async (url: string) => (await admin(url, 'GET', 'state')).body as unknown as AdminStateAnswer;

describe('SIGTERM', () => {
  interface Outcome {
    sentAt: number;
    answeredAt: number;
    /** The HTTP status, or the code of the network error that took its place. */
    result: number | string;
    orderId?: string;
  }

  /** Why a request got no HTTP answer: ECONNREFUSED, ECONNRESET, UND_ERR_SOCKET (closed before the answer) … */
  function networkErrorCode(error: unknown): string {
    const cause = (error as { cause?: { code?: unknown } }).cause;
    return typeof cause?.code === 'string' ? cause.code : String(error);
  }

  /**
   * Shoppers buying back to back, `concurrency` at a time, each with an admission token of their
   * own, over fetch's pooled keep-alive connections (as a load balancer's upstream pool would).
   */
  function purchaseStream(url: string, tokens: readonly string[], concurrency: number) {
    const outcomes: Outcome[] = [];
    let next = 0;
    let stopped = false;
    const workers = range(concurrency).map(async () => {
      while (!stopped && next < tokens.length) {
        const token = tokens[next++] as string;
        const sentAt = performance.now();
        try {
          const response = await fetch(`${url}/api/purchase`, {
            method: 'POST',
            headers: { authorization: `Bearer ${token}` },
            signal: AbortSignal.timeout(15_000),
          });
          const body = (await response.json()) as { orderId?: string };
          outcomes.push({ sentAt, answeredAt: performance.now(), result: response.status, ...(body.orderId && { orderId: body.orderId }) });
        } catch (error) {
          outcomes.push({ sentAt, answeredAt: performance.now(), result: networkErrorCode(error) });
        }
      }
    });
    return {
      outcomes,
      stop: async () => {
        stopped = true;
        await Promise.all(workers);
      },
    };
  }

  /** A /readyz probe of the health checker: its status, or the code of the network error in its place. */
  interface Probe {
    answeredAt: number;
    result: number | string;
    /** It travelled on the connection an earlier probe opened. */
    reusedConnection: boolean;
  }

  /**
   * A health checker on one keep-alive connection, opened before the signal, probing /readyz back
   * to back. It stops at the first probe without an HTTP answer: the instance is out either way.
   */
  function readinessChecker(url: string) {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const probes: Probe[] = [];
    let stopped = false;
    const probeOnce = () =>
      new Promise<Probe>((resolve) => {
        const request = httpGet(`${url}/readyz`, { agent, timeout: 5_000 }, (response) => {
          response.resume();
          response.once('end', () =>
            resolve({ answeredAt: performance.now(), result: response.statusCode ?? 0, reusedConnection: request.reusedSocket }),
          );
        });
        request.once('timeout', () => request.destroy(new Error('timeout')));
        request.once('error', (error: NodeJS.ErrnoException) =>
          resolve({ answeredAt: performance.now(), result: error.code ?? error.message, reusedConnection: request.reusedSocket }),
        );
      });
    const running = (async () => {
      while (!stopped) {
        const probe = await probeOnce();
        probes.push(probe);
        if (typeof probe.result === 'string') break;
      }
    })();
    return {
      probes,
      stop: async () => {
        stopped = true;
        await running;
        agent.destroy();
      },
    };
  }

  async function ledgerOrderIds(databaseUrl: string, saleId: string): Promise<Set<string>> {
    const client = new Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      const { rows } = await client.query<{ order_id: string }>('select order_id from orders where sale_id = $1', [saleId]);
      return new Set(rows.map((row) => row.order_id));
    } finally {
      await client.end();
    }
  }

  /**
   * A load balancer goes on using its pooled keep-alive connections until its health check has
   * marked the instance down; one second is a quick balancer.
   */
  const BALANCER_NOTICES_AFTER_MS = 1_000;

  test('an all-in-one process drains: readiness 503, purchases sent before answered 201, sockets dropped to reconnect, every order in the ledger, exit 0 within 10 s', async () => {
    const WAITING = 20;
    const BUYERS = 5_000;
    const sale = activeSale({ stock: BUYERS });
    const env = processEnv(sale, redisServer().url, { DATABASE_URL: cluster().url });
    const running = await startAllInOne(env);
    processes.push(running);
    const { url } = running;
    await admin(url, 'PATCH', 'admission', { paused: true });

    // Waiting shoppers; their sockets do not reconnect, so the reason of the drop stays visible.
    const disconnectReasons: string[] = [];
    for (const i of range(WAITING)) {
      const joined = await join(url, `waiting-${i}`);
      expect(joined.status).toBe(202);
      sockets.push(
        await openSocket(url, joined.body.queueToken as string, (socket) =>
          socket.on('disconnect', (reason) => disconnectReasons.push(reason)),
        ),
      );
    }

    const signer = createAdmissionTokenSigner(signingKey, sale.saleId, 120);
    const tokens = range(BUYERS).map((i) => signer.sign(`buyer-${i}`, Date.now()).token);
    const checker = readinessChecker(url);
    const stream = purchaseStream(url, tokens, 16);
    await sleep(1_000);
    expect(checker.probes.at(-1)?.result).toBe(200);

    const signalAt = performance.now();
    let exitedAt = Infinity;
    const exited = running.stop().then((code) => {
      exitedAt = performance.now();
      return code;
    });
    await sleep(BALANCER_NOTICES_AFTER_MS);
    await Promise.all([checker.stop(), stream.stop()]);
    const exitCode = await within(exited, 12_000, 'still running 13 s after the signal');

    // Readiness: within a second the checker finds the instance out, and it is never 200 again.
    // The 503 itself is visible only while the process stops its loops and sockets (beforeClose,
    // a few to tens of milliseconds), or on a connection busy when the listener closes; otherwise
    // the checker's idle connection is closed and the next one refused, which takes it out too.
    // (A probe answered just after the signal may still be 200: the signal takes a moment to reach
    // the process's event loop.)
    const answeredAfter = checker.probes.filter((probe) => probe.answeredAt > signalAt);
    const out = answeredAfter.findIndex((probe) => probe.result !== 200);
    expect(out).toBeGreaterThanOrEqual(0);
    const firstOut = answeredAfter[out] as Probe;
    expect(firstOut.answeredAt - signalAt).toBeLessThan(1_000);
    if (firstOut.result === 503) expect(firstOut.reusedConnection).toBe(true);
    expect(answeredAfter.slice(out).filter((probe) => probe.result === 200)).toEqual([]);

    // Every purchase sent before the signal got its 201; some were still in flight when it came.
    const sentBefore = stream.outcomes.filter((outcome) => outcome.sentAt < signalAt);
    expect(sentBefore.filter((outcome) => outcome.result !== 201)).toEqual([]);
    expect(sentBefore.filter((outcome) => outcome.answeredAt > signalAt).length).toBeGreaterThan(0);

    // The engine closed their transports: socket.io-client reconnects by itself after 'transport close'.
    expect(disconnectReasons).toEqual(range(WAITING).map(() => 'transport close'));

    // Every 201 (before the signal or after it) reaches the ledger. Observed so far: the writer had
    // written them all by the time the process exited, both when it exited cleanly (0.6 s) and when
    // it ran to its deadline. Should one be left in the order log, a writer started afterwards must
    // write it within 5 s (SPEC), and that is what is checked then.
    const answered201 = stream.outcomes.flatMap((outcome) => (outcome.result === 201 ? [outcome.orderId as string] : []));
    expect(answered201.length).toBeGreaterThan(0);
    const ledger = await ledgerOrderIds(cluster().url, sale.saleId);
    const missing = answered201.filter((orderId) => !ledger.has(orderId));
    if (missing.length > 0) {
      const successor = await startAllInOne(env);
      processes.push(successor);
      await eventually(
        async () => {
          const written = await ledgerOrderIds(cluster().url, sale.saleId);
          return answered201.every((orderId) => written.has(orderId));
        },
        5_000,
        `${missing.length} orders left in the order log written by the next process`,
      );
    }

    // Last, so that a slow exit does not hide the rest: a clean exit, by itself, within the deadline.
    const exitedAfter = exitedAt - signalAt <= 10_000 ? 'within 10 s' : `after ${Math.round(exitedAt - signalAt)} ms`;
    expect([exitCode, exitedAfter]).toEqual([0, 'within 10 s']);
  }, 30_000);
});

describe('SIGKILL of a waiting-room instance', () => {
  /** The sale-wide admittedTotal, at the Redis TIME the counters were read. */
  interface Sample {
    at: number;
    admittedTotal: number;
  }

  const redisTime = async (redis: ReturnType<RedisServer['client']>) => {
    const [seconds, micros] = await redis.time();
    return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
  };

  const admissionsSignedBy = async (url: string) => {
    const metrics = await (await fetch(`${url}/metrics`)).text();
    return Number(/^flashsale_admissions_total (\d+)/m.exec(metrics)?.[1] ?? 0);
  };

  test('admissions go on at the set rate within 2 s of killing the instance that admits most, and nobody is admitted twice', async () => {
    const SHOPPERS = 300;
    const RATE_PER_MINUTE = 600;
    const sale = activeSale({ stock: 1_000 });
    const env = processEnv(sale, redisServer().url, { ADMISSION_RATE_PER_MINUTE: String(RATE_PER_MINUTE) });
    const instances = await Promise.all([startService(WAITING_ROOM_ENTRY, env), startService(WAITING_ROOM_ENTRY, env)]);
    processes.push(...instances);
    await admin(instances[0].url, 'PATCH', 'admission', { paused: true });

    // The line, joined through both instances. Each shopper listens on both, so whichever instance
    // dies, every admission is still heard (pushed through the Redis adapter to both).
    const shoppers = range(SHOPPERS).map((i) => ({ userId: `line-${i}`, position: 0, queueToken: '', tokensHeard: new Set<string>() }));
    await inPool(range(SHOPPERS), 20, async (i) => {
      const shopper = shoppers[i] as (typeof shoppers)[number];
      const joined = await join((instances[i % 2] as RunningProcess).url, shopper.userId);
      expect(joined.status).toBe(202);
      shopper.position = joined.body.position as number;
      shopper.queueToken = joined.body.queueToken as string;
    });
    await inPool(
      shoppers.flatMap((shopper) => instances.map((instance) => ({ shopper, instance }))),
      20,
      async ({ shopper, instance }) => {
        const listen = (socket: ShopperSocket) => socket.on('queue:admitted', (event) => shopper.tokensHeard.add(event.admissionToken));
        sockets.push(await openSocket(instance.url, shopper.queueToken, listen));
      },
    );

    // admittedTotal is sale-wide: any live instance reports it, read with its Redis TIME.
    const redis = redisServer().client();
    cleanups.push(async () => void redis.disconnect());
    const samples: Sample[] = [];
    let sampleFrom = instances[0].url;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const state = await adminState(sampleFrom);
        samples.push({ at: Date.parse(state.serverTime), admittedTotal: state.counters.admittedTotal });
        await sleep(100);
      }
    })();

    await admin(instances[0].url, 'PATCH', 'admission', { paused: false });
    await sleep(3_000);
    // Both run the step; the one that won the shared bucket most often is "the admitting instance".
    const signed = await Promise.all(instances.map((instance) => admissionsSignedBy(instance.url)));
    const doomedIndex = (signed[0] as number) >= (signed[1] as number) ? 0 : 1;
    const [doomed, survivor] = doomedIndex === 0 ? instances : [instances[1], instances[0]];
    expect(signed[doomedIndex]).toBeGreaterThan(0);
    // Sampling moves to the survivor first, so that no sample is in flight to the instance killed.
    sampleFrom = survivor.url;
    await sleep(500);
    doomed.child.kill('SIGKILL');
    const killedAt = await redisTime(redis);
    await sleep(5_000);
    sampling = false;
    await sampler;
    await admin(survivor.url, 'PATCH', 'admission', { paused: true });
    // A step under way when the pause landed may still admit; after that the count stands still.
    await sleep(500);

    // Admissions resumed within 2 s of the kill, and never stalled for 2 s anywhere.
    const increases = samples.filter((sample, i) => i > 0 && sample.admittedTotal > (samples[i - 1] as Sample).admittedTotal);
    const firstAfterKill = increases.find((sample) => sample.at > killedAt);
    expect(firstAfterKill).toBeDefined();
    expect((firstAfterKill as Sample).at - killedAt).toBeLessThanOrEqual(2_000);
    const gaps = increases.slice(1).map((sample, i) => sample.at - (increases[i] as Sample).at);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(2_000);
    expect((samples.at(-1) as Sample).at - killedAt).toBeGreaterThan(4_000);

    // The rate held across the kill. Measured from a second after the first admission: the bucket
    // may start with up to a second's worth saved.
    const first = increases[0] as Sample;
    const from = samples.find((sample) => sample.at >= first.at + 1_000) as Sample;
    const to = samples.at(-1) as Sample;
    expect(from.at).toBeLessThan(killedAt - 1_000);
    const perMinute = ((to.admittedTotal - from.admittedTotal) / (to.at - from.at)) * 60_000;
    expect(perMinute).toBeGreaterThanOrEqual(RATE_PER_MINUTE * 0.85);
    expect(perMinute).toBeLessThanOrEqual(RATE_PER_MINUTE * 1.15);

    // Nobody admitted twice: no shopper was sent two different admission tokens, and the sale-wide
    // count is exactly the number of distinct shoppers who hold an admission: the head of the line.
    expect(shoppers.filter((shopper) => shopper.tokensHeard.size > 1).map((shopper) => shopper.userId)).toEqual([]);
    const { admittedTotal } = (await adminState(survivor.url)).counters;
    const admitted = new Set<string>();
    await inPool(shoppers, 20, async (shopper) => {
      if ((await lookUp(survivor.url, shopper.queueToken)).body.state === 'admitted') admitted.add(shopper.userId);
    });
    expect(admitted.size).toBe(admittedTotal);
    const headOfLine = [...shoppers].sort((a, b) => a.position - b.position).slice(0, admittedTotal);
    expect(admitted).toEqual(new Set(headOfLine.map((shopper) => shopper.userId)));
    // Those told are among them (one signed just before the kill may have gone untold: its look-up signs it).
    expect(shoppers.filter((shopper) => shopper.tokensHeard.size > 0 && !admitted.has(shopper.userId))).toEqual([]);
  }, 30_000);
});

describe('behind a load balancer', () => {
  /** A waiting shopper whose page keeps a socket open, and what it heard since its latest connect. */
  interface Watcher {
    queueToken: string;
    joinedAt: number;
    connects: number;
    positions: Array<number | null>;
  }

  test('the sockets of a SIGKILLed instance reconnect through the balancer to another and get their current position back', async () => {
    const LEAVERS = 3;
    const WATCHERS = 20;
    const sale = activeSale({ stock: 1_000 });
    const env = processEnv(sale, redisServer().url);
    const [firstPort, secondPort] = [await freePort(), await freePort()];
    const balancer: TcpProxy = await startTcpProxy([firstPort, secondPort]);
    cleanups.push(() => balancer.close());

    // Only the first instance is up, so every socket lands on it (the balancer skips the refusing one).
    const doomed = await startService(WAITING_ROOM_ENTRY, { ...env, PORT: String(firstPort) });
    processes.push(doomed);
    await admin(balancer.url, 'PATCH', 'admission', { paused: true });
    const leavers = await Promise.all(range(LEAVERS).map(async (i) => (await join(balancer.url, `leaver-${i}`)).body.queueToken as string));
    const watchers: Watcher[] = [];
    for (const i of range(WATCHERS)) {
      const joined = await join(balancer.url, `watcher-${i}`);
      const watcher: Watcher = {
        queueToken: joined.body.queueToken as string,
        joinedAt: joined.body.position as number,
        connects: 0,
        positions: [],
      };
      // As the shopper page connects (reconnection on), but WebSocket only.
      const socket: ShopperSocket = connectSocket(balancer.url, {
        auth: { queueToken: watcher.queueToken },
        transports: ['websocket'],
        forceNew: true,
      });
      socket.on('connect', () => {
        watcher.connects += 1;
        watcher.positions = [];
      });
      socket.on('queue:position', (event) => watcher.positions.push(event.position));
      sockets.push(socket);
      watchers.push(watcher);
    }
    await eventually(() => watchers.every((watcher) => watcher.positions.at(-1) === watcher.joinedAt), 5_000, 'the first positions');
    expect((await adminState(`http://127.0.0.1:${firstPort}`)).instance.connectedSockets).toBe(WATCHERS);

    const survivor = await startService(WAITING_ROOM_ENTRY, { ...env, PORT: String(secondPort) });
    processes.push(survivor);
    doomed.child.kill('SIGKILL');
    const killedAt = performance.now();
    // The head of the line leaves meanwhile, so a position kept from before would now be wrong. (Straight
    // to the survivor: a request on a pooled connection to the dead instance would just fail.)
    for (const queueToken of leavers) expect((await leave(survivor.url, queueToken)).status).toBe(204);

    await eventually(
      async () => {
        if (!watchers.every((watcher) => watcher.connects === 2 && watcher.positions.length > 0)) return false;
        const current = await Promise.all(watchers.map(async (watcher) => (await lookUp(survivor.url, watcher.queueToken)).body.position));
        return watchers.every((watcher, i) => watcher.positions.at(-1) === current[i]);
      },
      8_000,
      'every socket back, with the position GET /api/queue/me gives',
    );
    const caughtUpMs = performance.now() - killedAt;
    expect(watchers.map((watcher) => watcher.positions.at(-1))).toEqual(watchers.map((watcher) => watcher.joinedAt - LEAVERS));
    expect((await adminState(survivor.url)).instance.connectedSockets).toBe(WATCHERS);
    // socket.io-client waits 0.5–1.5 s before reconnecting; the rest is the greeting and a tick.
    expect(caughtUpMs).toBeLessThan(5_000);
  }, 30_000);
});

describe('Redis restart', () => {
  test('while redis-server is down a join answers 503 with Retry-After within a second and /readyz 503; after its restart joins work again and every place is kept', async () => {
    // A Redis of its own: the file's Redis serves the other tests.
    const redis = await RedisServer.start({ appendfsync: 'always' });
    cleanups.push(() => redis.destroy());
    const sale = activeSale({ stock: 1_000 });
    const running = await startService(WAITING_ROOM_ENTRY, processEnv(sale, redis.url));
    processes.push(running);
    const { url } = running;
    await admin(url, 'PATCH', 'admission', { paused: true });
    const early = await Promise.all(range(5).map(async (i) => (await join(url, `early-${i}`)).body));
    const places = new Map(early.map((answer) => [answer.queueToken as string, answer.position as number]));

    // Down for a couple of seconds, long enough for the clients' reconnection backoff to grow.
    await redis.stop('SIGKILL');
    for (const i of range(4)) {
      const sentAt = performance.now();
      const refused = await join(url, `during-${i}`);
      const elapsedMs = performance.now() - sentAt;
      expect([refused.status, errorCode(refused)]).toEqual([503, 'unavailable']);
      expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(elapsedMs).toBeLessThan(1_000);
      expect((await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2_000) })).status).toBe(503);
      await sleep(500);
    }

    await redis.restart();
    const restartedAt = performance.now();
    let late = await join(url, 'late');
    while (late.status !== 202 && performance.now() - restartedAt < 5_000) {
      await sleep(100);
      late = await join(url, 'late');
    }
    expect(late.status).toBe(202);
    // Nothing was taken while Redis was away, and nothing that was there is lost (append-only file).
    expect(late.body.position).toBe(6);
    for (const [queueToken, position] of places) expect((await lookUp(url, queueToken)).body.position).toBe(position);
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    // The same process throughout: it recovered by itself.
    expect(running.child.exitCode).toBeNull();
    expect(running.child.signalCode).toBeNull();
  }, 30_000);
});
