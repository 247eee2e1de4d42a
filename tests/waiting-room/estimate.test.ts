import { setTimeout as sleep } from 'node:timers/promises';
import { admin, eventually, inPool, join, openSocket, saleDefinition, useRedisServer, useSales, useSockets, type StoreKind } from '../kit';

/**
 * SPEC, queue:position: `etaSeconds` is within 20 % of the wait that follows whenever the line
 * moves at a steady rate, the first push after the start and after a resume included. A line of
 * 200 with a socket each, at 600/min: the start, then a pause and a resume, then a rate change.
 * Each shopper's first push after each of these is held against the wait that followed it.
 */
const redisServer = useRedisServer();
const openSale = useSales(redisServer);

const SHOPPERS = 200;

interface Heard {
  queueToken: string;
  pushes: Array<{ at: number; position: number | null; etaSeconds: number }>;
  admittedAt: number | null;
}

/** One second of slack on top of the 20 %: estimates are whole seconds, and pushes come once a tick. */
const withinTwentyPercent = (estimate: number, wait: number) => Math.abs(estimate - wait) <= 0.2 * wait + 1;

describe.each<[StoreKind, number]>([
  ['memory', 1],
  ['redis', 2],
])('on the %s store with %i instance(s)', (kind, instanceCount) => {
  const sockets = useSockets();

  test('every first estimate after the start, a resume and a rate change is within 20 % of the wait that follows', async () => {
    const sale = saleDefinition({ stock: 1000, startsAt: Date.now() + 4_000, endsAt: Date.now() + 3_600_000, queueOpensAt: 0 });
    const { instances, url } = await openSale(kind, sale, {
      instances: instanceCount,
      admission: { prequeueOrder: 'fifo', ratePerMinute: 600 },
    });
    const heard = new Map<string, Heard>();
    const users = Array.from({ length: SHOPPERS }, (_, i) => `shopper-${String(i).padStart(3, '0')}`);
    for (const userId of users) {
      const joined = await join(url, userId);
      expect(joined.body.position).toBe(heard.size + 1);
      heard.set(userId, { queueToken: joined.body.queueToken as string, pushes: [], admittedAt: null });
    }
    await inPool(users, 20, async (userId) => {
      const shopper = heard.get(userId) as Heard;
      // Sockets on every instance, whichever took the join.
      const instance = instances[users.indexOf(userId) % instances.length] as { url: string };
      sockets.push(
        await openSocket(instance.url, shopper.queueToken, (socket) => {
          socket.on('queue:position', ({ position, etaSeconds }) => shopper.pushes.push({ at: Date.now(), position, etaSeconds }));
          socket.on('queue:admitted', () => (shopper.admittedAt ??= Date.now()));
        }),
      );
    });
    expect(Date.now()).toBeLessThan(sale.startsAt);

    // The start, then six seconds at 600/min; a pause of three; four more at 600/min; then 1200/min to the end.
    await sleep(sale.startsAt + 6_000 - Date.now());
    const pausedAt = Date.now();
    await admin(url, 'PATCH', 'admission', { paused: true });
    await sleep(3_000);
    const resumedAt = Date.now();
    await admin(url, 'PATCH', 'admission', { paused: false });
    await sleep(4_000);
    const changedAt = Date.now();
    await admin(url, 'PATCH', 'admission', { ratePerMinute: 1200 });
    await eventually(() => [...heard.values()].every((shopper) => shopper.admittedAt !== null), 20_000, 'every admission');

    /**
     * For shoppers admitted within [from, to) (a stretch of steady rate), their first push after
     * `from` (a tick later, so its figures are from after the change) against the wait that followed.
     */
    function misses(from: number, to: number): { checked: number; wrong: string[] } {
      let checked = 0;
      const wrong: string[] = [];
      for (const [userId, shopper] of heard) {
        const admittedAt = shopper.admittedAt as number;
        if (admittedAt < from || admittedAt >= to) continue;
        const push = shopper.pushes.find(({ at }) => at >= from + 300 && at < admittedAt);
        if (!push) continue;
        checked += 1;
        const wait = (admittedAt - push.at) / 1000;
        if (!withinTwentyPercent(push.etaSeconds, wait)) wrong.push(`${userId}: told ${push.etaSeconds} s, waited ${wait.toFixed(1)} s`);
      }
      return { checked, wrong };
    }
    for (const [from, to] of [
      [sale.startsAt, pausedAt],
      [resumedAt, changedAt],
      [changedAt, Infinity],
    ] as const) {
      const { checked, wrong } = misses(from, to);
      expect(checked).toBeGreaterThanOrEqual(20);
      expect(wrong).toEqual([]);
    }
  }, 60_000);
});
