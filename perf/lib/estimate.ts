import { setTimeout as sleep } from 'node:timers/promises';
import { io } from 'socket.io-client';
import { send, type RedisServer } from '../../tests/kit';
import { startService } from './service';

const SHOPPERS = 200;
const RATE_PER_MINUTE = 600;
/** Joins and sockets take a few seconds; the sale starts after them. */
const START_DELAY_MS = 8_000;

interface Shopper {
  queueToken: string;
  pushes: Array<{ at: number; etaSeconds: number }>;
  admittedAt: number | null;
}

/**
 * estimate: how true the estimated wait is where it matters most. A FIFO pre-queue of 200 at
 * 600/min, each with a socket, on Redis: the sale starts, runs 6 s, pauses 3 s and resumes. For
 * every shopper admitted in a steady stretch, their first push after the start (or the resume)
 * is held against the wait that followed it.
 */
export async function benchEstimate(redis: RedisServer): Promise<void> {
  console.log(`\n## estimate: ${SHOPPERS} in a FIFO pre-queue at ${RATE_PER_MINUTE}/min; the first estimate after the start and a resume`);
  const startsAt = Date.now() + START_DELAY_MS;
  const service = await startService({
    redisUrl: redis.url,
    saleId: `bench-estimate-${Date.now()}`,
    sale: 'upcoming',
    env: {
      SALE_STARTS_AT: new Date(startsAt).toISOString(),
      SALE_ENDS_AT: new Date(startsAt + 3_600_000).toISOString(),
      PREQUEUE_ORDER: 'fifo',
      ADMISSION_RATE_PER_MINUTE: String(RATE_PER_MINUTE),
    },
  });
  const url = service.url;
  const sockets: Array<ReturnType<typeof io>> = [];
  try {
    const shoppers: Shopper[] = [];
    for (let i = 0; i < SHOPPERS; i++) {
      const answer = await post(`${url}/api/queue`, { userId: `estimate-${i}` });
      shoppers.push({ queueToken: answer.queueToken as string, pushes: [], admittedAt: null });
    }
    for (const shopper of shoppers) {
      const socket = io(url, { auth: { queueToken: shopper.queueToken }, transports: ['websocket'], reconnection: false });
      socket.on('queue:position', (event: { etaSeconds: number }) => shopper.pushes.push({ at: Date.now(), etaSeconds: event.etaSeconds }));
      socket.on('queue:admitted', () => (shopper.admittedAt ??= Date.now()));
      sockets.push(socket);
    }
    if (Date.now() > startsAt) throw new Error('the shoppers took longer to join than the start allowed');
    await sleep(startsAt + 6_000 - Date.now());
    const pausedAt = Date.now();
    await admin(url, service.adminToken, { paused: true });
    await sleep(3_000);
    const resumedAt = Date.now();
    await admin(url, service.adminToken, { paused: false });
    const deadline = Date.now() + 60_000;
    while (shoppers.some((shopper) => shopper.admittedAt === null) && Date.now() < deadline) await sleep(200);

    console.log('\n| stretch | shoppers | error, median | error, p95 | error, worst | within 20 % |\n|---|---|---|---|---|---|');
    for (const [name, from, to] of [
      ['the first push after the start', startsAt, pausedAt],
      ['the first push after the resume', resumedAt, Infinity],
    ] as const) {
      const errors = shoppers.flatMap((shopper) => relativeError(shopper, from, to));
      const sorted = [...errors].sort((a, b) => Math.abs(a) - Math.abs(b));
      const at = (q: number) => percent(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN);
      const within = errors.filter((error) => Math.abs(error) <= 0.2).length;
      console.log(
        `| ${name} | ${errors.length} | ${at(0.5)} | ${at(0.95)} | ${percent(sorted.at(-1) ?? NaN)} | ${within} of ${errors.length} |`,
      );
    }
    console.log(
      '\n(error: (estimate − the wait that followed) / that wait; estimates are whole seconds, so short waits show the rounding most)',
    );
  } finally {
    for (const socket of sockets) socket.close();
    await service.stop();
  }
}

/** The shopper's first push after `from` (a tick later), against the wait that followed, if admitted in [from, to). */
function relativeError(shopper: Shopper, from: number, to: number): number[] {
  const admittedAt = shopper.admittedAt;
  if (admittedAt === null || admittedAt < from || admittedAt >= to) return [];
  const push = shopper.pushes.find(({ at }) => at >= from + 300 && at < admittedAt);
  if (!push) return [];
  const wait = (admittedAt - push.at) / 1000;
  // Waits under two seconds are mostly the rounding to whole seconds: left out of the figure.
  return wait < 2 ? [] : [(push.etaSeconds - wait) / wait];
}

const percent = (fraction: number) => (Number.isNaN(fraction) ? '–' : `${fraction >= 0 ? '+' : ''}${(fraction * 100).toFixed(1)} %`);

async function post(url: string, body: unknown): Promise<Record<string, unknown>> {
  return (await send(url, { method: 'POST', body })).body;
}

async function admin(url: string, token: string, change: Record<string, unknown>): Promise<void> {
  const answer = await send(`${url}/api/admin/admission`, { method: 'PATCH', body: change, token });
  if (answer.status !== 200) throw new Error(`PATCH /api/admin/admission answered ${answer.status}`);
}
