import { Client } from 'pg';
import { saleKeys, type SaleDefinition } from '@flashsale/common';
import {
  activeSale,
  CHECKOUT_ENTRY,
  checkoutProcessEnv,
  eventually,
  generateKey,
  inPool,
  join,
  openSocket,
  purchase,
  saleProcessEnv,
  send,
  startService,
  usePostgresCluster,
  useRedisCluster,
  WAITING_ROOM_ENTRY,
  type RunningProcess,
  type ShopperSocket,
} from '../kit';

/**
 * The sale on a Redis Cluster of three masters. Every key of a sale carries the hash tag
 * `{sale:<id>}`, so a sale lives on one slot and each of its Lua scripts may touch all of its
 * keys; different sales spread over the masters. The store contract suites run on this cluster
 * too (tests/contract, the `redis-cluster` store); here the built processes run on it.
 */
const redisCluster = useRedisCluster();
const postgres = usePostgresCluster();

const processes: RunningProcess[] = [];
const sockets: ShopperSocket[] = [];
afterAll(async () => {
  for (const socket of sockets) socket.close();
  await Promise.all(processes.map((running) => running.stop()));
});

test("a sale's keys share one slot, and sales spread over every master", async () => {
  const client = redisCluster().client();
  try {
    const slotOf = (key: string) => client.cluster('KEYSLOT', key);
    const keys = Object.values(saleKeys('launch'));
    expect(keys.length).toBeGreaterThanOrEqual(10);
    expect(new Set(await Promise.all(keys.map(slotOf))).size).toBe(1);

    // Which master serves each of 30 sales' slot.
    const ranges = (await client.cluster('SLOTS')) as unknown as Array<[number, number, [string, number]]>;
    const masterOf = (slot: number) => ranges.find(([from, to]) => slot >= from && slot <= to)?.[2][1];
    const masters = await Promise.all(Array.from({ length: 30 }, async (_, i) => masterOf(await slotOf(saleKeys(`sale-${i}`).sale))));
    expect(new Set(masters).size).toBe(3);

    // What the hash tag prevents: one script over keys of different slots is refused outright.
    await expect(client.eval('return 1', 2, 'sale:launch', 'orders:launch')).rejects.toThrow(/CROSSSLOT/);
    const { sale, orders } = saleKeys('launch');
    await expect(client.eval('return 1', 2, sale, orders)).resolves.toBe(1);
  } finally {
    client.disconnect();
  }
});

test('split processes on the cluster: queue, cross-instance pushes, purchases, per-IP limits and the ledger', async () => {
  const SHOPPERS = 30;
  const STOCK = 20;
  const signingKey = generateKey('rsa');
  const sale: SaleDefinition = activeSale({ stock: STOCK });
  const env: Record<string, string> = {
    ...saleProcessEnv(sale, redisCluster().url, signingKey),
    REDIS_CLUSTER: 'true',
    RATE_LIMIT_PER_MINUTE: '10',
    ADMISSION_RATE_PER_MINUTE: '1200',
  };
  const [wrA, wrB, checkout] = await Promise.all([
    startService(WAITING_ROOM_ENTRY, env),
    startService(WAITING_ROOM_ENTRY, env),
    startService(CHECKOUT_ENTRY, { ...checkoutProcessEnv(env, signingKey), DATABASE_URL: postgres().url }),
  ]);
  processes.push(wrA, wrB, checkout);
  expect(wrA.output()).toContain('"store":"redis-cluster"');

  // Each shopper joins one instance from an address of their own and listens on the other; the
  // pushes cross through the Socket.IO adapter's pub/sub on the cluster.
  const outcomes = new Map<string, { status: number; orderId?: unknown }>();
  const soldOut = new Set<string>();
  await inPool(
    Array.from({ length: SHOPPERS }, (_, i) => i),
    10,
    async (i) => {
      const userId = `shopper-${i}`;
      const from = `127.0.0.${10 + i}`;
      const [joinOn, listenOn] = i % 2 === 0 ? [wrA, wrB] : [wrB, wrA];
      const joined = await join(joinOn.url, userId, { from });
      expect([200, 202]).toContain(joined.status);
      const socket = await openSocket(listenOn.url, joined.body.queueToken as string, (s) => {
        // The first admission push buys; a repeat of it (at connect and by the step) is ignored, as the page does.
        s.on('queue:admitted', (event) => {
          if (outcomes.has(userId)) return;
          outcomes.set(userId, { status: 0 });
          void purchase(checkout.url, event.admissionToken, { from }).then((answer) =>
            outcomes.set(userId, { status: answer.status, orderId: answer.body.orderId }),
          );
        });
        s.on('sale:sold_out', () => soldOut.add(userId));
      });
      sockets.push(socket);
    },
  );

  // Everyone hears the sell-out, on both instances.
  await eventually(() => soldOut.size === SHOPPERS, 20_000, 'the sell-out on every socket');
  await eventually(() => [...outcomes.values()].every((outcome) => outcome.status !== 0), 5_000, 'every purchase answered');
  expect(outcomes.size).toBe(STOCK);
  expect([...outcomes.values()].every((outcome) => outcome.status === 201)).toBe(true);
  expect(await send(`${wrB.url}/api/sale`)).toMatchObject({ body: { status: 'sold_out', stock: { total: STOCK, remaining: 0 } } });

  // The per-IP limit counts on the cluster: the 11th join a minute from one address is refused.
  const flood: number[] = [];
  for (let i = 0; i < 11; i++) flood.push((await join(wrA.url, 'flooder', { from: '127.0.2.1' })).status);
  expect(flood.slice(0, 10)).toEqual(Array(10).fill(410));
  expect(flood[10]).toBe(429);

  // Every order reaches the ledger through the order stream, read with a consumer group on the cluster.
  const orderIds = new Set([...outcomes.values()].map((outcome) => outcome.orderId));
  await eventually(
    async () => {
      const client = new Client({ connectionString: postgres().url });
      await client.connect();
      try {
        const { rows } = await client.query<{ order_id: string }>('select order_id from orders where sale_id = $1', [sale.saleId]);
        return rows.length === STOCK && rows.every((row) => orderIds.has(row.order_id));
      } finally {
        await client.end();
      }
    },
    10_000,
    'every order in the ledger',
  );
}, 90_000);
