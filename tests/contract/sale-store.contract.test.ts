import { randomUUID } from 'node:crypto';
import type { PurchaseRequest, SaleDefinition, SaleStore } from '@flashsale/common';
import { createSaleStore, manualClock, saleDefinition, T0, TEST_ADMISSION, useRedisCluster, useRedisServer, type StoreKind } from '../kit';

/**
 * The store contract: MemoryStore and RedisStore must behave the same. Every case runs on both.
 */
const redisServer = useRedisServer();
const redisCluster = useRedisCluster();

const HOUR = 3_600_000;

function request(userId: string, tokenExpiresAt = T0 + 10 * HOUR): PurchaseRequest {
  return { userId, orderId: randomUUID(), tokenExpiresAt };
}

describe.each<StoreKind>(['memory', 'redis', 'redis-cluster'])('the %s store', (kind) => {
  const stores: SaleStore[] = [];
  afterAll(async () => {
    await Promise.all(stores.map((store) => store.close()));
  });

  async function open(overrides: Partial<SaleDefinition> = {}) {
    const clock = manualClock();
    const sale = saleDefinition(overrides);
    const store = await createSaleStore(kind, sale, { redis: redisServer(), cluster: redisCluster(), clock });
    stores.push(store);
    return { store, clock, sale };
  }

  test('initialises a sale once and adopts it afterwards, so a restart never resets the stock', async () => {
    const { store, sale } = await open({ stock: 3 });
    await store.purchase(request('ann'));
    const again = await store.initSale({ ...sale, stock: 50, startsAt: T0 + HOUR }, TEST_ADMISSION);
    expect(again).toMatchObject({
      saleId: sale.saleId,
      stock: 3,
      remaining: 2,
      startsAt: sale.startsAt,
      endsAt: sale.endsAt,
      queueOpensAt: sale.queueOpensAt,
    });
  });

  test('reads the sale at the store clock', async () => {
    const { store, clock } = await open({ stock: 7 });
    clock.set(T0 + 1234);
    expect(await store.getSale()).toMatchObject({ stock: 7, remaining: 7, now: T0 + 1234 });
  });

  test('sells one unit and records the order with its id and time', async () => {
    const { store, clock } = await open({ stock: 2 });
    clock.set(T0 + 5);
    const buy = request('ann');
    const outcome = await store.purchase(buy);
    expect(outcome).toEqual({ kind: 'purchased', order: { orderId: buy.orderId, userId: 'ann', purchasedAt: T0 + 5 } });
    expect(await store.getOrder('ann')).toEqual({ orderId: buy.orderId, userId: 'ann', purchasedAt: T0 + 5 });
    expect((await store.getSale()).remaining).toBe(1);
  });

  test('sells at most one unit per user: a second attempt returns the first order', async () => {
    const { store } = await open({ stock: 5 });
    const first = await store.purchase(request('ann'));
    const second = await store.purchase(request('ann'));
    expect(first.kind).toBe('purchased');
    expect(second).toEqual({ kind: 'already_purchased', order: (first as { order: unknown }).order });
    expect((await store.getSale()).remaining).toBe(4);
  });

  test('refuses when the stock is gone, and a buyer retrying after the sell-out still gets their order', async () => {
    const { store } = await open({ stock: 1 });
    expect((await store.purchase(request('ann'))).kind).toBe('purchased');
    expect(await store.purchase(request('bob'))).toEqual({ kind: 'sold_out' });
    expect((await store.purchase(request('ann'))).kind).toBe('already_purchased');
    expect(await store.getOrder('bob')).toBeNull();
    expect((await store.getSale()).remaining).toBe(0);
  });

  test('refuses a purchase 1 ms before the start, accepts one at exactly the start', async () => {
    const { store, clock, sale } = await open();
    clock.set(sale.startsAt - 1);
    expect(await store.purchase(request('early'))).toEqual({ kind: 'sale_not_started' });
    clock.set(sale.startsAt);
    expect((await store.purchase(request('early'))).kind).toBe('purchased');
  });

  test('accepts a purchase 1 ms before the end, refuses one at exactly the end', async () => {
    const { store, clock, sale } = await open();
    clock.set(sale.endsAt - 1);
    expect((await store.purchase(request('last'))).kind).toBe('purchased');
    clock.set(sale.endsAt);
    expect(await store.purchase(request('late'))).toEqual({ kind: 'sale_ended' });
    expect((await store.getSale()).remaining).toBe(9);
  });

  test('refuses a token that has expired by the store clock, and consumes nothing', async () => {
    const { store, clock } = await open();
    clock.set(T0 + 60_000);
    expect(await store.purchase(request('ann', T0 + 60_000))).toEqual({ kind: 'token_expired' });
    expect(await store.getOrder('ann')).toBeNull();
    expect((await store.getSale()).remaining).toBe(10);
  });

  test('never oversells: 200 shoppers at once for 25 units give exactly 25 orders', async () => {
    const { store } = await open({ stock: 25 });
    const outcomes = await Promise.all(Array.from({ length: 200 }, (_, i) => store.purchase(request(`shopper-${i}`))));
    const sold = outcomes.filter((outcome) => outcome.kind === 'purchased');
    expect(sold).toHaveLength(25);
    expect(outcomes.filter((outcome) => outcome.kind === 'sold_out')).toHaveLength(175);
    expect((await store.getSale()).remaining).toBe(0);
  });

  test('answers an unknown shopper with no order', async () => {
    const { store } = await open();
    expect(await store.getOrder('nobody')).toBeNull();
  });
});

describe('the Redis store specifically', () => {
  test('judges time by the Redis clock when no test clock is given', async () => {
    const sale = saleDefinition({ startsAt: Date.now() - 60_000, endsAt: Date.now() + HOUR });
    const store = await createSaleStore('redis', sale, { redis: redisServer() });
    const client = redisServer().client();
    try {
      const [seconds, micros] = await client.time();
      const redisNow = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
      const { now } = await store.getSale();
      expect(Math.abs(now - redisNow)).toBeLessThan(1000);
    } finally {
      client.disconnect();
      await store.close();
    }
  });

  test('keeps every key of a sale under one hash tag, so the sale lives on one cluster slot', async () => {
    const sale = saleDefinition({ stock: 2 });
    const store = await createSaleStore('redis', sale, { redis: redisServer(), clock: manualClock() });
    const client = redisServer().client();
    try {
      await store.purchase(request('ann'));
      const keys = await client.keys(`*${sale.saleId}*`);
      expect(keys.length).toBeGreaterThanOrEqual(3);
      for (const key of keys) expect(key.startsWith(`{sale:${sale.saleId}}:`)).toBe(true);
    } finally {
      client.disconnect();
      await store.close();
    }
  });

  test('reloads its scripts by itself after Redis forgets them (NOSCRIPT)', async () => {
    const sale = saleDefinition({ stock: 2 });
    const store = await createSaleStore('redis', sale, { redis: redisServer(), clock: manualClock() });
    const client = redisServer().client();
    try {
      await client.script('FLUSH');
      expect((await store.purchase(request('ann'))).kind).toBe('purchased');
    } finally {
      client.disconnect();
      await store.close();
    }
  });

  test('appends each order to the order log stream once, for the ledger', async () => {
    const sale = saleDefinition({ stock: 3 });
    const store = await createSaleStore('redis', sale, { redis: redisServer(), clock: manualClock() });
    const client = redisServer().client();
    try {
      const buy = request('ann');
      await store.purchase(buy);
      await store.purchase(request('ann'));
      const entries = await client.xrange(`{sale:${sale.saleId}}:order-log`, '-', '+');
      expect(entries).toHaveLength(1);
      expect(entries[0]?.[1]).toEqual(['orderId', buy.orderId, 'userId', 'ann', 'purchasedAt', String(T0)]);
    } finally {
      client.disconnect();
      await store.close();
    }
  });
});
