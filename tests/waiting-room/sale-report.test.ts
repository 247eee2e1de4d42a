import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { OrderLedger, startLedger } from '@flashsale/checkout';
import { createLogger, minuteOf, nearestRank, type OrderExport } from '@flashsale/common';
import {
  activeSale,
  ADMIN_TOKEN,
  admin,
  errorCode,
  eventually,
  join,
  leave,
  lookUp,
  purchase,
  send,
  usePostgresCluster,
  useRedisServer,
  useSales,
  type StoreKind,
} from '../kit';

/**
 * GET /api/admin/report, report.csv and orders.csv (SPEC, operator API): a small sale run to its
 * end through the HTTP API, the report read while it runs and after, every figure checked against
 * what the test did. The stores stand on a clock the test moves forward by whole minutes (the real
 * clock, shifted), so each step's minute is known: a step takes seconds, not a minute.
 */
const redisServer = useRedisServer();
const postgres = usePostgresCluster();
const openSale = useSales(redisServer);
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

const MINUTE = 60_000;

/** The real clock, shifted to 1 s into the next minute; `skip(n)` moves it n whole minutes on. */
function minuteClock() {
  let offset = (minuteOf(Date.now()) + 1) * MINUTE + 1_000 - Date.now();
  const clock = () => Date.now() + offset;
  clock.skip = (minutes: number) => {
    offset += minutes * MINUTE;
  };
  return clock;
}

/** A CSV download of the operator API: its status, type and lines. */
async function csv(url: string, path: string) {
  const answer = await fetch(`${url}/api/admin/${path}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  return { status: answer.status, type: answer.headers.get('content-type'), lines: (await answer.text()).trimEnd().split('\n') };
}

/** A read-only ledger on a fresh database, with its writer running: orders.csv reads what the writer wrote. */
async function ledgerFor(store: Parameters<typeof startLedger>[0]['store'], saleId: string) {
  const databaseUrl = await postgres().createDatabase(`report_${randomUUID().slice(0, 8)}`);
  const running = await startLedger({ databaseUrl, store, saleId, logger: createLogger('silent') });
  let stopped: Promise<void> | null = null;
  const stopWriter = () => (stopped ??= running.stop());
  const reader = new OrderLedger(databaseUrl, saleId);
  closers.push(stopWriter, () => reader.close());
  return { databaseUrl, stopWriter, orders: (() => reader.orders()) satisfies OrderExport };
}

describe.each<[StoreKind, number]>([
  ['memory', 1],
  ['redis', 2],
])('the report on the %s store with %i instance(s)', (kind, instanceCount) => {
  test('a small sale run to its end: per-minute figures, time in queue, conversion, outcomes, abuse and both downloads', async () => {
    const clock = minuteClock();
    const sale = activeSale({ stock: 3 });
    const m0 = minuteOf(clock());
    // With Redis, the PostgreSQL ledger is where orders.csv comes from; the writer needs the store, so it starts after.
    let ledger: Awaited<ReturnType<typeof ledgerFor>> | null = null;
    const { instances, stores } = await openSale(kind, sale, {
      instances: instanceCount,
      clock,
      admission: { ratePerMinute: 6_000 },
      // Long leases: the clock's jumps must not make anyone absent.
      settings: { presenceGraceSeconds: 3_600, idleTimeoutSeconds: 7_200 },
      join: { maxPlacesPerNetwork: 5 },
      ...(kind === 'redis' && {
        ledgerOrders: () => {
          if (!ledger) throw new Error('the ledger has not started');
          return ledger.orders();
        },
      }),
    });
    if (kind === 'redis') ledger = await ledgerFor(stores[0]!, sale.saleId);
    const urls = instances.map((instance) => instance.url);
    const on = (i: number) => urls[i % urls.length] as string;
    const report = async (i = 0) => {
      const answer = await admin(on(i), 'GET', 'report');
      expect(answer.status).toBe(200);
      return answer.body;
    };
    const row = (offset: number, figures: Record<string, number>) => ({
      at: new Date((m0 + offset) * MINUTE).toISOString(),
      ...{ joined: 0, admitted: 0, purchased: 0, expired: 0, left: 0 },
      ...figures,
    });

    // Minute 0: admission paused; six join (five from one network, its cap), a seventh is refused.
    expect((await admin(on(0), 'PATCH', 'admission', { paused: true })).status).toBe(200);
    const tokens = new Map<string, string>();
    const joinedAt = new Map<string, [number, number]>();
    const shoppers = ['ann', 'bob', 'cat', 'dan', 'eve'];
    for (const [i, userId] of [...shoppers, 'fay'].entries()) {
      const before = clock();
      const answer = await join(on(i), userId, userId === 'fay' ? { from: '127.0.9.1' } : {});
      expect(answer.body).toMatchObject({ state: 'waiting' });
      joinedAt.set(userId, [before, clock()]);
      tokens.set(userId, answer.body.queueToken as string);
    }
    expect(errorCode(await join(on(0), 'gil'))).toBe('too_many_places');
    // One leaves; the other network is barred, which takes its place out of the line.
    expect((await leave(on(1), tokens.get('eve')!)).status).toBe(204);
    const barred = await send(`${on(0)}/api/admin/blocked-networks`, {
      method: 'POST',
      body: { network: '127.0.9.0/24' },
      token: ADMIN_TOKEN,
    });
    expect(barred.status).toBe(200);
    await eventually(async () => (await lookUp(on(0), tokens.get('fay')!)).status === 404, 3_000, 'the barred place to leave the line');

    const abuse = {
      challengesFailed: 0,
      placesRefused: 1,
      blocked: ['127.0.9.0/24'],
      topNetworks: [
        { network: '127.0.0.0/24', places: 5 },
        { network: '127.0.9.0/24', places: 1 },
      ],
    };
    expect(await report()).toEqual({
      saleId: sale.saleId,
      status: 'active',
      minutes: [row(0, { joined: 6, left: 2 })],
      queueSeconds: { p50: 0, p95: 0, p99: 0 },
      conversion: 0,
      outcomes: {},
      abuse,
    });

    // Minute 1: admission resumes; the three units admit three; two buy.
    clock.skip(1);
    const admittedAt = new Map<string, [number, number]>();
    const admissionTokens = new Map<string, string>();
    const awaitAdmission = async (userIds: string[]) => {
      const from = clock();
      for (const userId of userIds) {
        await eventually(
          async () => {
            const answer = await lookUp(on(1), tokens.get(userId)!);
            if (answer.body.state !== 'admitted') return false;
            admissionTokens.set(userId, answer.body.admissionToken as string);
            return true;
          },
          5_000,
          `${userId} to be admitted`,
        );
        admittedAt.set(userId, [from, clock()]);
      }
    };
    expect((await admin(on(1), 'PATCH', 'admission', { paused: false })).status).toBe(200);
    await awaitAdmission(['ann', 'bob', 'cat']);
    const orders: Array<{ userId: string; orderId: string; purchasedAt: string }> = [];
    for (const userId of ['ann', 'bob']) {
      const answer = await purchase(on(0), admissionTokens.get(userId)!);
      expect(answer.status).toBe(201);
      orders.push(answer.body as (typeof orders)[number]);
    }

    // Minute 4: cat's admission (two minutes) ran out unused and frees the unit dan takes; cat's old token is refused.
    clock.skip(3);
    await awaitAdmission(['dan']);
    expect(errorCode(await purchase(on(1), admissionTokens.get('cat')!))).toBe('token_expired');
    const last = await purchase(on(1), admissionTokens.get('dan')!);
    expect(last.status).toBe(201);
    orders.push(last.body as (typeof orders)[number]);

    // Time in queue of the four admitted: each between what the test saw of its join and its admission.
    const bounds = (side: 0 | 1) =>
      ['ann', 'bob', 'cat', 'dan']
        .map((userId) => (admittedAt.get(userId)![side] - joinedAt.get(userId)![1 - side]!) / 1000)
        .sort((a, b) => a - b);
    const [lowest, highest] = [bounds(0), bounds(1)];
    const final = await report(1);
    for (const percentile of [50, 95, 99] as const) {
      const rank = nearestRank(4, percentile);
      const seconds = (final.queueSeconds as Record<string, number>)[`p${percentile}`]!;
      expect(seconds).toBeGreaterThanOrEqual(lowest[rank]!);
      expect(seconds).toBeLessThanOrEqual(highest[rank]!);
    }
    expect(final).toEqual({
      saleId: sale.saleId,
      status: 'sold_out',
      soldOutAt: orders[2]!.purchasedAt,
      minutes: [
        row(0, { joined: 6, left: 2 }),
        row(1, { admitted: 3, purchased: 2 }),
        row(2, {}),
        row(3, {}),
        row(4, { admitted: 1, purchased: 1, expired: 1 }),
      ],
      queueSeconds: final.queueSeconds,
      conversion: 3 / 4,
      outcomes: { purchased: 3, token_expired: 1 },
      abuse,
    });
    // Every instance tells the same story.
    expect(await report(0)).toEqual(final);

    const table = await csv(on(0), 'report.csv');
    expect(table.status).toBe(200);
    expect(table.type).toMatch(/^text\/csv/);
    expect(table.lines).toEqual([
      'at,joined,admitted,purchased,expired,left',
      ...(final.minutes as Array<Record<string, unknown>>).map((m) =>
        [m.at, m.joined, m.admitted, m.purchased, m.expired, m.left].join(','),
      ),
    ]);

    const orderRows = orders.map((order) => [order.orderId, sale.saleId, order.userId, order.purchasedAt].join(','));
    if (ledger) {
      const { databaseUrl } = ledger;
      await eventually(
        async () => ((await admin(on(0), 'GET', 'state')).body.ledger as { written?: number } | undefined)?.written === 3,
        10_000,
        'the ledger to hold the 3 orders',
      );
      expect((await csv(on(1), 'orders.csv')).lines).toEqual(['order_id,sale_id,user_id,purchased_at', ...orderRows]);
      // The download is the ledger's: an order taken out of it (with its writer stopped) is gone from it too.
      await ledger.stopWriter();
      const client = new Client({ connectionString: databaseUrl });
      await client.connect();
      await client.query('DELETE FROM orders WHERE order_id = $1', [orders[1]!.orderId]);
      await client.end();
      expect((await csv(on(0), 'orders.csv')).lines).toEqual(['order_id,sale_id,user_id,purchased_at', orderRows[0], orderRows[2]]);
    } else {
      const download = await csv(on(0), 'orders.csv');
      expect(download.type).toMatch(/^text\/csv/);
      expect(download.lines).toEqual(['order_id,sale_id,user_id,purchased_at', ...orderRows]);
    }
  });

  test('a ledger that cannot be read gets 503 unavailable for orders.csv, not half a file', async () => {
    const { url } = await openSale(kind, activeSale(), {
      instances: 1,
      ledgerOrders: async function* () {
        yield* [];
        throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
      },
    });
    const download = await send(`${url}/api/admin/orders.csv`, { token: ADMIN_TOKEN });
    expect(download.status).toBe(503);
    expect(errorCode(download)).toBe('unavailable');
  });

  test("the report and its downloads are the operator's: 401 without the admin token", async () => {
    const { url } = await openSale(kind, activeSale(), { instances: 1 });
    for (const path of ['report', 'report.csv', 'orders.csv']) {
      const answer = await send(`${url}/api/admin/${path}`);
      expect(answer.status).toBe(401);
      expect(errorCode(answer)).toBe('unauthorized');
    }
  });
});
