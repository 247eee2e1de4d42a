import { minuteOf, nearestRank, type MinuteCounts, type QueueStore, type SaleStore } from '@flashsale/common';
import { createSaleStore, manualClock, saleDefinition, T0, useRedisCluster, useRedisServer, type StoreKind } from '../kit';

/**
 * What the stores record for the report (SPEC, GET /api/admin/report), the same on both: each
 * event in the minute it happened by the store's clock, the time in queue from join to
 * admission, and who counts as having left: those who left the line themselves, by the idle
 * timeout or by a barred network while the sale could still sell, not those the sell-out closed out.
 */
const redisServer = useRedisServer();
const redisCluster = useRedisCluster();

const TTL = 120_000;
const presence = { graceMs: 60_000, idleTimeoutMs: 60_000 };
const second = (n: number) => T0 + n * 1_000;

/** A minute's row as the store gives it: `offset` minutes from T0's, these figures, the rest zero. */
function minute(offset: number, figures: Partial<Omit<MinuteCounts, 'minute'>>): MinuteCounts {
  return { minute: minuteOf(T0) + offset, joined: 0, admitted: 0, purchased: 0, expired: 0, left: 0, ...figures };
}

describe.each<StoreKind>(['memory', 'redis', 'redis-cluster'])('the sale record on the %s store', (kind) => {
  const stores: Array<SaleStore & QueueStore> = [];
  afterAll(async () => {
    await Promise.all(stores.map((store) => store.close()));
  });

  test('a sale run to its end is recorded minute by minute, with every shopper counted once where they belong', async () => {
    const clock = manualClock(second(-30));
    const sale = saleDefinition({ stock: 2, queueOpensAt: T0 - 60_000 });
    const admission = { ratePerMinute: 6_000, prequeueOrder: 'fifo' as const };
    const store = await createSaleStore(kind, sale, { redis: redisServer(), cluster: redisCluster(), clock, admission, presence });
    stores.push(store);
    const at = async (seconds: number, step: () => Promise<unknown>) => {
      clock.set(second(seconds));
      await step();
    };
    const buy = (userId: string) => store.purchase({ userId, orderId: `order-${userId}`, tokenExpiresAt: second(10_000) });

    expect(await store.saleRecord()).toEqual({ now: second(-30), minutes: [], queueTimes: 0, lastPurchaseAt: null });

    // The pre-queue, the minute before the start.
    await at(-30, () => store.queueState('ann', 'join'));
    await at(-20, () => store.queueState('bob', 'join'));
    // The first minute of the sale: six more join; one leaves, one's network is barred.
    for (const [seconds, userId] of [
      [10, 'cat'],
      [12, 'eve'],
      [15, 'fay'],
      [16, 'gus'],
      [20, 'dan'],
      [21, 'hal'],
    ] as const) {
      await at(seconds, () => store.queueState(userId, 'join'));
    }
    await at(25, () => store.renewPresence(['ann', 'bob', 'cat', 'dan', 'eve', 'fay', 'hal']));
    await at(30, () => store.admit(TTL, 100)); // two units: ann and bob
    await at(40, () => store.leave('eve'));
    await at(45, () => store.removeFromLine(['fay']));
    // Minute 1: ann buys. Minute 2: bob's admission runs out unused, gus (never renewed) times out, cat is admitted.
    await at(70, () => buy('ann'));
    await at(140, () => store.renewPresence(['cat', 'dan', 'hal']));
    await at(150, () => store.admit(TTL, 100));
    // Minute 3: cat buys the last unit. After the sell-out, hal leaving and dan timing out are not "left".
    await at(200, () => buy('cat'));
    await at(210, () => store.leave('hal'));
    await at(300, () => store.admit(TTL, 100));

    const record = await store.saleRecord();
    expect(record.minutes).toEqual([
      minute(-1, { joined: 2 }),
      minute(0, { joined: 6, admitted: 2, left: 2 }),
      minute(1, { purchased: 1 }),
      minute(2, { admitted: 1, expired: 1, left: 1 }),
      minute(3, { purchased: 1 }),
    ]);
    expect(record).toMatchObject({ now: second(300), queueTimes: 3, lastPurchaseAt: second(200) });
    // Times in queue: bob 50 s, ann 60 s, cat 140 s.
    expect(await store.queueTimesAt([0, 1, 2])).toEqual([50_000, 60_000, 140_000]);
    expect(await store.queueTimesAt([50, 95, 99].map((p) => nearestRank(3, p)))).toEqual([60_000, 140_000, 140_000]);
    const counters = await store.saleCounters();
    expect(counters).toMatchObject({ admittedTotal: 3, expiredAdmissions: 1, timedOut: 2, remaining: 0 });
  });

  test('a shopper admitted again after their admission ran out keeps one time in queue: from their new place', async () => {
    const clock = manualClock(second(0));
    const sale = saleDefinition({ stock: 5 });
    const store = await createSaleStore(kind, sale, {
      redis: redisServer(),
      cluster: redisCluster(),
      clock,
      admission: { ratePerMinute: 6_000, prequeueOrder: 'fifo' },
      presence,
    });
    stores.push(store);
    await store.queueState('ivy', 'join');
    clock.set(second(5));
    await store.admit(TTL, 100);
    clock.set(second(200));
    await store.queueState('ivy', 'join'); // the admission ran out: back of the line
    clock.set(second(230));
    await store.admit(TTL, 100);

    const record = await store.saleRecord();
    expect(record.queueTimes).toBe(1);
    expect(await store.queueTimesAt([0])).toEqual([30_000]);
    expect(record.minutes).toEqual([
      minute(0, { joined: 1, admitted: 1 }),
      minute(1, {}),
      minute(2, {}),
      minute(3, { joined: 1, admitted: 1, expired: 1 }),
    ]);
  });
});
