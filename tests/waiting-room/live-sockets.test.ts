import { setTimeout as sleep } from 'node:timers/promises';
import type { QueueStore, SaleStore } from '@flashsale/common';
import {
  eventually,
  join,
  leave,
  openSocket,
  purchase,
  saleDefinition,
  useRedisServer,
  useSales,
  useSockets,
  type ShopperSocket,
  type StoreKind,
} from '../kit';

/**
 * Live pushes over real Socket.IO connections: the memory store with one instance, and Redis
 * with two instances whose pushes cross through the Redis adapter.
 */
const redisServer = useRedisServer();

type Store = SaleStore & QueueStore;

const openSale = useSales(redisServer);
const sockets = useSockets();

/** A sale that starts in a minute: people queue and watch, nobody is admitted. */
const upcoming = () => saleDefinition({ startsAt: Date.now() + 60_000, endsAt: Date.now() + 3_600_000, queueOpensAt: 0 });

/** Everything a shopper's socket heard, with when. */
interface Heard {
  userId: string;
  positions: Array<number | null>;
  admitted: { admissionToken: string; expiresAt: number } | null;
  soldOutAt: number | null;
  statuses: string[];
}

function listen(socket: ShopperSocket, userId: string): Heard {
  const heard: Heard = { userId, positions: [], admitted: null, soldOutAt: null, statuses: [] };
  socket.on('queue:position', (event) => heard.positions.push(event.position));
  socket.on('queue:admitted', (event) => (heard.admitted = event));
  socket.on('sale:sold_out', () => (heard.soldOutAt = Date.now()));
  socket.on('sale:status', (event) => heard.statuses.push(event.status));
  return heard;
}

test('a bad queue token is refused at connect with invalid_token', async () => {
  const { url } = await openSale('memory', upcoming());
  for (const queueToken of ['', 'not-a-token', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbm4ifQ.c2lnbmF0dXJl']) {
    const refusal = await openSocket(url, queueToken).then(
      () => null,
      (error: Error & { data?: unknown }) => error,
    );
    expect(refusal?.message).toBe('invalid_token');
    expect(refusal?.data).toEqual({ code: 'invalid_token' });
  }
});

test('a socket hears its position at once on connect, and the new one when the line moves', async () => {
  const { url } = await openSale('memory', upcoming());
  const ann = await join(url, 'ann');
  const bob = await join(url, 'bob');
  const events: unknown[] = [];
  sockets.push(
    await openSocket(url, bob.body.queueToken as string, (socket) => socket.on('queue:position', (event) => events.push(event))),
  );
  await eventually(() => events.length === 1, 2_000, 'the position at connect');
  expect(events[0]).toEqual({ position: 2, etaSeconds: expect.any(Number), waiting: 2 });

  await leave(url, ann.body.queueToken as string);
  await eventually(() => events.length === 2, 1_500, 'the new position');
  expect(events[1]).toMatchObject({ position: 1 });
});

describe.each<[StoreKind, number]>([
  ['memory', 1],
  ['redis', 2],
])('300 sockets waiting for 40 units on the %s store with %i instance(s)', (kind, instanceCount) => {
  test('exactly 40 buy through the queue, every other socket hears sold out within 1 s, and positions never rise', async () => {
    // The start leaves time for all 300 to connect first, even on a machine busy with other tests.
    const sale = saleDefinition({ stock: 40, startsAt: Date.now() + 5_000, endsAt: Date.now() + 3_600_000, queueOpensAt: 0 });
    const { instances, stores } = await openSale(kind, sale, { instances: instanceCount, admission: { ratePerMinute: 3000 } });
    const urls = instances.map((instance) => instance.url);

    // Everyone joins before the start and connects to some instance; the page buys on admission.
    const heard: Heard[] = [];
    const purchases: Array<Promise<number>> = [];
    let lastSaleAt = 0;
    await Promise.all(
      Array.from({ length: 300 }, async (_, i) => {
        const url = urls[i % urls.length] as string;
        const userId = `shopper-${i}`;
        const joined = await join(url, userId);
        const socket = await openSocket(urls[(i + 1) % urls.length] as string, joined.body.queueToken as string, (socket) => {
          heard.push(listen(socket, userId));
          socket.on('queue:admitted', ({ admissionToken }) => {
            purchases.push(
              purchase(url, admissionToken).then((answer) => {
                if (answer.status === 201) lastSaleAt = Date.now();
                return answer.status;
              }),
            );
          });
        });
        sockets.push(socket);
      }),
    );

    await eventually(() => heard.filter((shopper) => shopper.soldOutAt !== null).length >= 260, 20_000, 'sold out to everyone left').catch(
      async (error: Error) => {
        const admitted = heard.filter((shopper) => shopper.admitted !== null).length;
        const told = heard.filter((shopper) => shopper.soldOutAt !== null).length;
        const counters = await (stores[0] as Store).saleCounters();
        throw new Error(`${error.message}: ${admitted} admitted, ${told} told; store: ${JSON.stringify(counters)}`);
      },
    );
    const statuses = await Promise.all(purchases);
    expect(statuses.filter((status) => status === 201)).toHaveLength(40);
    expect(statuses.filter((status) => status !== 201)).toEqual([]);

    const buyers = heard.filter((shopper) => shopper.admitted !== null);
    const others = heard.filter((shopper) => shopper.admitted === null);
    expect(buyers).toHaveLength(40);
    for (const shopper of others) {
      expect(shopper.soldOutAt).not.toBeNull();
      expect((shopper.soldOutAt as number) - lastSaleAt).toBeLessThan(1_000);
      expect(shopper.statuses).toContain('sold_out');
    }
    // Everyone still waiting heard a position; a buyer whose socket connected late, on a busy
    // machine, may have been admitted before it (the greeting is then the admission).
    for (const shopper of others) expect(shopper.positions.length).toBeGreaterThan(0);
    for (const shopper of heard) {
      // A position shown never rises.
      expect(shopper.positions).toEqual([...shopper.positions].sort((a, b) => (b as number) - (a as number)));
    }
    const counters = await (stores[0] as Store).saleCounters();
    expect(counters).toMatchObject({ remaining: 0, activeAdmissions: 0 });
    expect(counters.outcomes).toEqual({ purchased: 40 });

    const late = await join(urls[0] as string, 'latecomer');
    expect(late.status).toBe(410);
    expect(late.body).toMatchObject({ error: { code: 'sold_out' } });
    await sleep(10);
  }, 40_000);
});
