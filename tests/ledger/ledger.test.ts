import { randomUUID, type KeyObject } from 'node:crypto';
import { connect, createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import { LedgerWriter, migrateLedger, OrderLedger, Reconciler, startLedger, type RunningLedger } from '@flashsale/checkout';
import { createLogger, saleKeys, type SaleDefinition, type SaleStore } from '@flashsale/common';
import { auditOrders } from '../checkout/invariants';
import {
  admin,
  CHECKOUT_ENTRY,
  checkoutProcessEnv,
  createSaleStore,
  eventually,
  freePort,
  PostgresCluster,
  purchase,
  RedisServer,
  saleDefinition,
  saleProcessEnv,
  signAdmission,
  startCheckout,
  startInstance,
  startService,
  testKeys,
  usePostgresCluster,
  useRedisServer,
  type Answer,
  type StoreKind,
} from '../kit';

/**
 * The order ledger (SPEC invariant 5): every order answered 201 reaches PostgreSQL, once, and
 * survives a Redis restart; PostgreSQL may go away without touching a purchase. The file starts
 * its own redis-server and PostgreSQL cluster; tests that kill one start another of their own.
 */
// A throwaway cluster of our own: a fresh database for the run, whatever the machine runs.
const cluster = usePostgresCluster();
const database = () => cluster().url;
const redisServer = useRedisServer({ appendfsync: 'always' });
const logger = createLogger('silent');

/** A sale that is open now: the stores and checkout run on the real clock. */
const openSale = (overrides: Partial<SaleDefinition> = {}) =>
  saleDefinition({ stock: 100, startsAt: Date.now() - 1000, endsAt: Date.now() + 3_600_000, queueOpensAt: 0, ...overrides });

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function open(kind: StoreKind, sale: SaleDefinition, redis?: RedisServer) {
  const store = await createSaleStore(kind, sale, { redis: redis ?? redisServer(), ...(kind === 'memory' && { clock: Date.now }) });
  const checkout = await startCheckout(store, sale.saleId, { clock: Date.now });
  closers.push(
    () => store.close(),
    () => checkout.close(),
  );
  return { store, checkout };
}

async function runLedger(store: SaleStore, sale: SaleDefinition, databaseUrl = database()): Promise<RunningLedger> {
  const ledger = await startLedger({ databaseUrl, store, saleId: sale.saleId, logger });
  closers.push(() => ledger.stop());
  return ledger;
}

async function ledgerRows(databaseUrl: string, saleId: string): Promise<Array<{ order_id: string; user_id: string }>> {
  const client = new Client({ connectionString: databaseUrl });
  // The throwaway cluster may stop under a closing connection; that is not this test's failure.
  client.on('error', () => undefined);
  await client.connect();
  try {
    const sql = 'SELECT order_id, user_id FROM orders WHERE sale_id = $1';
    return (await client.query<{ order_id: string; user_id: string }>(sql, [saleId])).rows;
  } finally {
    await client.end();
  }
}

async function ledgerCount(databaseUrl: string, saleId: string): Promise<number> {
  const client = new Client({ connectionString: databaseUrl });
  client.on('error', () => undefined);
  await client.connect();
  try {
    const { rows } = await client.query<{ count: string }>('SELECT count(*) FROM orders WHERE sale_id = $1', [saleId]);
    return Number(rows[0]?.count ?? 0);
  } finally {
    await client.end();
  }
}

/** Waits until the ledger holds `count` orders of the sale; returns them. */
async function ledgerHolds(saleId: string, count: number, withinMs: number, databaseUrl = database()) {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const rows = await ledgerRows(databaseUrl, saleId).catch(() => []);
    if (rows.length >= count || Date.now() > deadline) return rows;
    await sleep(100);
  }
}

/** A checkout process's environment for `sale`, as an operator sets it, with its ledger at `databaseUrl`. */
function checkoutEnv(sale: SaleDefinition, databaseUrl: string): Record<string, string> {
  const signingKey = testKeys().privateKey as KeyObject;
  return checkoutProcessEnv(saleProcessEnv(sale, redisServer().url, signingKey, { DATABASE_URL: databaseUrl }), signingKey);
}

/** `count` distinct shoppers buy at once through checkout. */
function buyers(checkout: { url: string }, sale: SaleDefinition, count: number, prefix = 'shopper') {
  const users = Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
  return Promise.all(
    users.map((user) => purchase(checkout.url, signAdmission(user, sale.saleId, { now: Date.now() })).then((answer) => ({ user, answer }))),
  );
}

const orderIdOf = (answer: Answer) => String(answer.body.orderId);

describe.each<StoreKind>(['memory', 'redis'])('the ledger beside the %s store', (kind) => {
  test('receives every order once, with two writers sharing the log', async () => {
    const sale = openSale();
    const { store, checkout } = await open(kind, sale);
    await runLedger(store, sale);
    if (kind === 'redis') await runLedger(store, sale); // a second process's writer
    const answers = await buyers(checkout, sale, 150);
    const sold = answers.filter(({ answer }) => answer.status === 201);
    expect(sold).toHaveLength(100);

    const rows = await ledgerHolds(sale.saleId, 100, 5_000);
    expect(rows.map((row) => row.order_id).sort()).toEqual(sold.map(({ answer }) => orderIdOf(answer)).sort());
    expect(new Set(rows.map((row) => row.user_id)).size).toBe(100);
    await sleep(300);
    const log = store.orderLog();
    closers.push(() => log.close());
    expect(await log.stats()).toMatchObject({ written: 100, pending: 0 });

    // The operator sees the same figures, from any waiting-room instance.
    const room = await startInstance(store, sale);
    closers.push(() => room.close());
    const state = (await admin(room.url, 'GET', 'state')).body;
    expect(state.ledger).toEqual({ written: 100, pending: 0, lastWriteAt: expect.stringMatching(/^\d{4}-/) });
  });
});

test('reconciliation fills in orders whose log entries were lost', async () => {
  const sale = openSale({ stock: 20 });
  const { store, checkout } = await open('redis', sale);
  const answers = await buyers(checkout, sale, 20);
  // Lose half the log before any writer reads it.
  const client = redisServer().client();
  const entries = await client.xrange(saleKeys(sale.saleId).orderLog, '-', '+');
  await client.xdel(saleKeys(sale.saleId).orderLog, ...entries.slice(0, 10).map(([id]) => id));
  client.disconnect();

  await runLedger(store, sale);
  const rows = await ledgerHolds(sale.saleId, 20, 5_000);
  expect(rows.map((row) => row.order_id).sort()).toEqual(answers.map(({ answer }) => orderIdOf(answer)).sort());
});

describe.each<StoreKind>(['redis', 'memory'])('reconciliation on the %s store', (kind) => {
  test('reads only the orders since its last pass, leaves orders still in the log to the writer, and fills in only the lost', async () => {
    const sale = openSale({ stock: 50 });
    const { store, checkout } = await open(kind, sale);
    await migrateLedger(database(), logger);
    const ledger = new OrderLedger(database(), sale.saleId);
    const log = store.orderLog();
    closers.push(
      () => ledger.close(),
      () => log.close(),
    );
    const warnings: unknown[] = [];
    const reconciler = new Reconciler(log, ledger, {
      ...logger,
      warn: (fields: unknown) => warnings.push(fields),
    });

    await buyers(checkout, sale, 30);
    await sleep(1_100);
    // No writer has read the log yet: all 30 are on their way, not missing. Nothing filled, no alarm.
    expect(await reconciler.reconcile()).toEqual({ examined: 0, filled: 0 });

    const writer = new LedgerWriter(log, ledger, logger);
    writer.start();
    expect(await ledgerHolds(sale.saleId, 30, 5_000)).toHaveLength(30);
    await writer.stop();
    await sleep(1_100);
    expect(await reconciler.reconcile()).toEqual({ examined: 30, filled: 0 });
    expect(await reconciler.reconcile()).toEqual({ examined: 0, filled: 0 });

    // Five more, whose log entries are lost before any writer reads them: only those are read, and filled in.
    await buyers(checkout, sale, 5, 'late');
    await loseLogEntries(kind, store, sale, 5);
    await sleep(1_100);
    expect(await reconciler.reconcile()).toEqual({ examined: 5, filled: 5 });
    expect(await ledgerRows(database(), sale.saleId)).toHaveLength(35);
    expect(warnings).toEqual([{ filled: 5 }]);
  });
});

/** Deletes the last `count` entries of the order log, as if they had never been written. */
async function loseLogEntries(kind: StoreKind, store: SaleStore, sale: SaleDefinition, count: number): Promise<void> {
  if (kind === 'memory') {
    // The embedded log: taken and acknowledged without being written, as a lost entry is.
    const log = store.orderLog();
    const taken = await log.readNew('thief', count, 0);
    await log.acknowledge(
      taken.map((order) => order.entryId),
      0,
    );
    return;
  }
  const client = redisServer().client();
  const entries = await client.xrange(saleKeys(sale.saleId).orderLog, '-', '+');
  await client.xdel(saleKeys(sale.saleId).orderLog, ...entries.slice(-count).map(([id]) => id));
  client.disconnect();
}

describe('Redis killed in the middle of a burst of purchases', () => {
  /**
   * Buys in waves while redis-server is SIGKILLed and started again on the same port and
   * directory; returns every purchase answered 201 and the store's audit afterwards.
   */
  async function burstThroughAKill(redis: RedisServer, sale: SaleDefinition) {
    const { store, checkout } = await open('redis', sale, redis);
    const sold: Array<{ user: string; orderId: string }> = [];
    const waves: Array<Promise<void>> = [];
    for (let wave = 0; wave < 6; wave++) {
      waves.push(
        buyers(checkout, sale, 40, `wave${wave}`).then((answers) => {
          for (const { user, answer } of answers) if (answer.status === 201) sold.push({ user, orderId: orderIdOf(answer) });
        }),
      );
      // Mid-burst, but only once the first wave has been answered: sales before the kill are certain.
      if (wave === 2) {
        await waves[0];
        await redis.stop('SIGKILL');
      }
      if (wave === 3) await redis.restart();
      await sleep(30);
    }
    await Promise.all(waves);
    await sleep(1_500); // the store's client reconnects by itself
    return { store, checkout, sold };
  }

  test('with appendfsync always, every order answered 201 survives, the invariants hold, and the ledger gets them all within 5 s', async () => {
    const redis = await RedisServer.start({ appendfsync: 'always' });
    closers.push(() => redis.destroy());
    const sale = openSale({ stock: 1000 });
    const { store, checkout, sold } = await burstThroughAKill(redis, sale);
    expect(sold.length).toBeGreaterThanOrEqual(40);

    for (const { user, orderId } of sold) {
      const order = await fetch(`${checkout.url}/api/purchase/${user}`).then(
        (response) => response.json() as Promise<{ orderId?: string }>,
      );
      expect(order.orderId).toBe(orderId);
    }
    const users = Array.from({ length: 6 }, (_, wave) => Array.from({ length: 40 }, (__, i) => `wave${wave}-${i}`)).flat();
    expect((await auditOrders(store, users, sale.stock)).violations).toEqual([]);

    await runLedger(store, sale);
    const rows = await ledgerHolds(sale.saleId, sold.length, 5_000);
    expect(new Set(rows.map((row) => row.order_id))).toEqual(
      new Set((await Promise.all(users.map((user) => store.getOrder(user)))).flatMap((order) => (order ? [order.orderId] : []))),
    );
    for (const { orderId } of sold) expect(rows.map((row) => row.order_id)).toContain(orderId);
  }, 30_000);

  test('negative control: with the append-only file off, the same test finds orders answered 201 and lost', async () => {
    const redis = await RedisServer.start();
    closers.push(() => redis.destroy());
    const sale = openSale({ stock: 1000 });
    const { checkout, sold } = await burstThroughAKill(redis, sale);
    expect(sold.length).toBeGreaterThanOrEqual(40);
    const lost = [];
    for (const { user } of sold) {
      const order = await fetch(`${checkout.url}/api/purchase/${user}`).then(
        (response) => response.json() as Promise<{ purchased?: boolean }>,
      );
      if (order.purchased !== true) lost.push(user);
    }
    expect(lost.length).toBeGreaterThan(0);
  }, 30_000);
});

test('while PostgreSQL is away purchases go on, and the ledger catches up within 5 s of its return', async () => {
  const cluster = await PostgresCluster.start();
  closers.push(() => cluster.destroy());
  const databaseUrl = await cluster.createDatabase(`ledger_${randomUUID().slice(0, 8)}`);
  const sale = openSale();
  const { store, checkout } = await open('redis', sale);
  await runLedger(store, sale, databaseUrl);

  const before = await buyers(checkout, sale, 10, 'before');
  expect((await ledgerHolds(sale.saleId, 10, 5_000, databaseUrl)).length).toBe(10);

  await cluster.stop();
  const during = await buyers(checkout, sale, 30, 'during');
  expect(during.every(({ answer }) => answer.status === 201)).toBe(true);
  await sleep(1_000);
  await cluster.restart();
  const returnedAt = Date.now();
  const rows = await ledgerHolds(sale.saleId, 40, 5_000, databaseUrl);
  expect(rows).toHaveLength(40);
  expect(Date.now() - returnedAt).toBeLessThan(5_000);
  expect(rows.map((row) => row.order_id).sort()).toEqual([...before, ...during].map(({ answer }) => orderIdOf(answer)).sort());
}, 40_000);

test('a writer process killed in the middle of its work loses nothing and writes nothing twice', async () => {
  const sale = openSale({ stock: 20_000 });
  const { store } = await open('redis', sale);
  const users = Array.from({ length: 20_000 }, (_, i) => `bulk-${i}`);
  for (let start = 0; start < users.length; start += 1_000) {
    await Promise.all(
      users
        .slice(start, start + 1_000)
        .map((userId) => store.purchase({ userId, orderId: randomUUID(), tokenExpiresAt: Date.now() + 60_000 })),
    );
  }
  const env = checkoutEnv(sale, database());

  const first = await startService(CHECKOUT_ENTRY, env);
  closers.push(async () => void (await first.stop()));
  let atKill = 0;
  while (atKill === 0) atKill = await ledgerCount(database(), sale.saleId);
  first.child.kill('SIGKILL');
  await first.stop();
  expect(atKill).toBeLessThan(users.length);

  const second = await startService(CHECKOUT_ENTRY, env);
  closers.push(async () => void (await second.stop()));
  const rows = await ledgerHolds(sale.saleId, users.length, 15_000);
  expect(rows).toHaveLength(users.length);
  expect(new Set(rows.map((row) => row.user_id)).size).toBe(users.length);
  const log = store.orderLog();
  closers.push(() => log.close());
  // Nothing left pending, and no order counted twice. The batch the killed writer had claimed is
  // taken over once it has been idle for the writer's claim time (2 s), however soon its rows were
  // complete. (A writer killed between its commit and its count leaves `written` short by that
  // batch: PostgreSQL, checked above, is the truth.)
  await eventually(async () => (await log.stats())?.pending === 0, 10_000, 'the killed writer’s batch to be taken over');
  expect((await log.stats())?.written).toBeLessThanOrEqual(users.length);
}, 60_000);

describe('a checkout process starting before its PostgreSQL', () => {
  test('waits for a PostgreSQL still coming up, then writes its orders', async () => {
    // The ledger's address refuses connections for 1.5 s, then forwards to the real PostgreSQL.
    const port = await freePort();
    const forwarder = createServer((client) => {
      const upstream = connect(Number(new URL(database()).port), '127.0.0.1');
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
      client.pipe(upstream).pipe(client);
    });
    closers.push(() => new Promise((resolve) => forwarder.close(() => resolve())));
    const late = new URL(database());
    late.port = String(port);

    const sale = openSale({ stock: 5 });
    const starting = startService(CHECKOUT_ENTRY, checkoutEnv(sale, late.toString()));
    await sleep(1_500);
    forwarder.listen(port, '127.0.0.1');
    const checkout = await starting;
    closers.push(async () => void (await checkout.stop()));
    expect(checkout.output()).toContain('waiting for PostgreSQL');

    const answers = await buyers(checkout, sale, 5, 'late');
    expect(answers.every(({ answer }) => answer.status === 201)).toBe(true);
    expect(await ledgerHolds(sale.saleId, 5, 5_000)).toHaveLength(5);
  });

  test('stops at once, with one line, when PostgreSQL refuses it', async () => {
    const missing = new URL(database());
    missing.pathname = '/no_such_database';
    await expect(startService(CHECKOUT_ENTRY, checkoutEnv(openSale(), missing.toString()))).rejects.toThrow(
      /^exited with 1:\nPostgreSQL \(DATABASE_URL\) refused the ledger migration: database "no_such_database" does not exist\n$/,
    );
  });
});
