import type { SaleDefinition, SaleStatusEvent } from '@flashsale/common';
import {
  activeSale,
  ADMIN_TOKEN,
  errorCode,
  eventually,
  join,
  openSocket,
  saleDefinition,
  send,
  useRedisServer,
  useSales,
  useSockets,
  type StoreKind,
} from '../kit';

/**
 * PATCH /api/admin/sale, the operator moving the sale: the SPEC's rules on both stores, and on
 * Redis with two instances, where every instance and every waiting page must follow within 1 s.
 */
const redisServer = useRedisServer();
const openSale = useSales(redisServer);
const sockets = useSockets();

const HOUR = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();
const patch = (url: string, body: unknown, token: string | null = ADMIN_TOKEN) =>
  send(`${url}/api/admin/sale`, { method: 'PATCH', body, ...(token !== null && { token }) });
const saleOf = async (url: string) => (await send(`${url}/api/sale`)).body;

/** A random pre-queue that starts in an hour: its lottery is committed, nobody has a number yet. */
const upcoming = (): SaleDefinition =>
  saleDefinition({ stock: 100, startsAt: Date.now() + HOUR, endsAt: Date.now() + 2 * HOUR, queueOpensAt: Date.now() - 1000 });

describe.each<[StoreKind, number]>([
  ['memory', 1],
  ['redis', 1],
  ['redis', 2],
])('on the %s store with %i instance(s)', (kind, instanceCount) => {
  const open = (sale: SaleDefinition) => openSale(kind, sale, { instances: instanceCount, admission: { prequeueOrder: 'random' } });

  test('before the start, the start, the end and the stock move; every instance and waiting page follows within 1 s; the draw stays committed', async () => {
    const { instances } = await open(upcoming());
    const first = instances[0]!.url;
    const last = instances[instances.length - 1]!.url;
    const shopper = await join(last, 'early-bird');
    expect(shopper.body).toMatchObject({ state: 'waiting', position: null });
    const heard: SaleStatusEvent[] = [];
    sockets.push(await openSocket(last, shopper.body.queueToken as string, (socket) => socket.on('sale:status', (e) => heard.push(e))));
    const before = await saleOf(last);

    const startsAt = Date.parse(before.startsAt as string) + 30 * 60_000;
    const endsAt = startsAt + 2 * HOUR;
    const answer = await patch(first, { startsAt: iso(startsAt), endsAt: iso(endsAt), stock: 150 });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      status: 'upcoming',
      startsAt: iso(startsAt),
      endsAt: iso(endsAt),
      stock: { total: 150, remaining: 150 },
    });

    const changedAt = Date.now();
    await eventually(
      async () => {
        const seen = await saleOf(last);
        return seen.startsAt === iso(startsAt) && (seen.stock as { total: number }).total === 150;
      },
      1_000,
      'the other instance to answer with the change',
    );
    await eventually(() => heard.at(-1)?.startsAt === iso(startsAt) && heard.at(-1)?.total === 150, 1_000, 'the waiting page to hear it');
    expect(Date.now() - changedAt).toBeLessThan(1_000);
    // The pre-queue and its commitment are what they were: the draw happens at the new start.
    expect((await saleOf(last)).lottery).toEqual(before.lottery);
    expect((await join(last, 'early-bird')).body).toMatchObject({ state: 'waiting', position: null, drawAt: iso(startsAt) });
  });

  test.each<[string, unknown]>([
    ['an end before the start', { endsAt: '2020-01-01T00:00:00Z' }],
    ['a negative stock', { stock: -1 }],
    ['a stock that is not whole', { stock: 2.5 }],
    ['a stock given as text', { stock: '5' }],
    ['an unparsable date', { startsAt: 'next tuesday' }],
    ['a date without a time zone', { startsAt: '2030-01-01T09:00:00' }],
    ['an unknown field', { price: 5 }],
    ['not an object', [1, 2]],
  ])('%s is refused 400 bad_request and changes nothing', async (_name, body) => {
    const { url } = await open(upcoming());
    const before = await saleOf(url);
    const answer = await patch(url, body);
    expect(answer.status).toBe(400);
    expect(errorCode(answer)).toBe('bad_request');
    expect(await saleOf(url)).toMatchObject({ startsAt: before.startsAt, endsAt: before.endsAt, stock: before.stock });
  });

  test('once active, only the end moves, not into the past; 409 sale_started otherwise, changing nothing', async () => {
    const { instances } = await open(activeSale({ stock: 100 }));
    const url = instances[0]!.url;
    const before = await saleOf(url);
    for (const body of [{ startsAt: iso(Date.now() + HOUR) }, { stock: 500 }, { endsAt: iso(Date.now() - 1000) }]) {
      const refused = await patch(url, body);
      expect({ body, status: refused.status, code: errorCode(refused) }).toEqual({ body, status: 409, code: 'sale_started' });
    }
    expect(await saleOf(url)).toMatchObject({ startsAt: before.startsAt, endsAt: before.endsAt, stock: before.stock });

    const later = Date.parse(before.endsAt as string) + HOUR;
    const moved = await patch(url, { endsAt: iso(later), startsAt: before.startsAt, stock: 100 });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ status: 'active', endsAt: iso(later) });
    for (const instance of instances)
      await eventually(async () => (await saleOf(instance.url)).endsAt === iso(later), 1_000, 'every instance');
  });

  test('an end moved to a moment just ahead ends the sale then, on every instance', async () => {
    const { instances } = await open(activeSale({ stock: 100 }));
    const soon = Date.now() + 1_500;
    expect((await patch(instances[0]!.url, { endsAt: iso(soon) })).status).toBe(200);
    for (const instance of instances) await eventually(async () => (await saleOf(instance.url)).status === 'ended', 3_000, 'the end');
    expect(errorCode(await patch(instances[0]!.url, { endsAt: iso(Date.now() + HOUR) }))).toBe('sale_started');
  });

  test('the operator token is required', async () => {
    const { url } = await open(upcoming());
    expect((await patch(url, { stock: 5 }, null)).status).toBe(401);
    expect((await patch(url, { stock: 5 }, 'wrong-token-wrong-token')).status).toBe(401);
    expect((await saleOf(url)).stock).toMatchObject({ total: 100 });
  });
});
