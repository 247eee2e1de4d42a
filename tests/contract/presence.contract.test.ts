import type { InitialAdmission, QueueStore, SaleDefinition, SaleStore } from '@flashsale/common';
import { createSaleStore, manualClock, saleDefinition, T0, useRedisCluster, useRedisServer, type StoreKind } from '../kit';

/**
 * Presence-aware admission (SPEC, admission rules), the same on both stores: absent shoppers are
 * passed over but keep their place, come first when they return, and leave after the idle timeout.
 */
const redisServer = useRedisServer();
const redisCluster = useRedisCluster();

const TTL = 120_000;
const GRACE = 30_000;
const IDLE = 600_000;
/** The admission order each store produced in the random fairness run, to compare the two. */
const fairnessRuns = new Map<StoreKind, string[]>();

describe.each<StoreKind>(['memory', 'redis', 'redis-cluster'])('presence on the %s store', (kind) => {
  const stores: Array<SaleStore & QueueStore> = [];
  afterAll(async () => {
    await Promise.all(stores.map((store) => store.close()));
  });

  async function open(sale: Partial<SaleDefinition> = {}, admission: Partial<InitialAdmission> = {}) {
    const clock = manualClock();
    const definition = saleDefinition(sale);
    const presence = { graceMs: GRACE, idleTimeoutMs: IDLE };
    const store = await createSaleStore(kind, definition, { redis: redisServer(), cluster: redisCluster(), clock, admission, presence });
    stores.push(store);
    return { store, clock, sale: definition };
  }

  async function joinAll(store: QueueStore, prefix: string, count: number) {
    const users = Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
    for (const user of users) await store.queueState(user, 'join');
    return users;
  }

  const admittedIds = (batch: { admitted: Array<{ userId: string }> }) => batch.admitted.map((entry) => entry.userId);

  test('with 10 absent shoppers at the head and 5 units, the 5 units go to present shoppers in one step', async () => {
    const { store, clock } = await open({ stock: 5 }, { ratePerMinute: 6000 });
    const absent = await joinAll(store, 'absent', 10);
    clock.advance(20_000);
    const present = await joinAll(store, 'present', 10);
    // The first ten closed their tabs at the join: their grace ran out 5 s ago.
    clock.advance(15_000);

    const step = await store.admit(TTL, 1000);
    expect(admittedIds(step)).toEqual(present.slice(0, 5));
    expect(step.passedOver).toBe(10);
    expect(await store.saleCounters()).toMatchObject({ waiting: 15, present: 5, absent: 10, passedOver: 10, activeAdmissions: 5 });
    // Passed over, not thrown out: the absent keep their places, at the head.
    expect(await store.queuePositions(absent)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  test('an absent shopper who comes back is admitted before the present shoppers who stood behind them', async () => {
    const { store, clock } = await open({ stock: 100 }, { ratePerMinute: 600 });
    const away = await joinAll(store, 'away', 3);
    clock.advance(GRACE / 2);
    const present = await joinAll(store, 'present', 30);
    clock.advance(GRACE / 2 + 1);

    // A second of allowance saved up: ten admissions, all of them present.
    const first = await store.admit(TTL, 1000);
    expect(admittedIds(first)).toEqual(present.slice(0, 10));
    expect(first.passedOver).toBe(3);

    // away-1 opens the page again: a look-up renews the lease.
    expect(await store.queueState('away-1', 'peek')).toEqual({ kind: 'waiting', position: 2, waiting: 23 });
    clock.advance(200);
    expect(admittedIds(await store.admit(TTL, 1000))).toEqual(['away-1', 'present-10']);
    // A socket's renewal works the same way, and still ahead of everyone behind.
    expect(await store.renewPresence(['away-2', 'nobody'])).toBe(1);
    clock.advance(100);
    expect(admittedIds(await store.admit(TTL, 1000))).toEqual(['away-2']);
    expect(await store.queuePositions([away[0] as string, present[11] as string])).toEqual([1, 2]);
  });

  test('the rate and the inventory cap hold exactly when half the line is absent', async () => {
    const { store, clock } = await open({ stock: 1000 }, { ratePerMinute: 600 });
    // Paused while the line forms, so no allowance is saved up; half of it then goes away.
    await store.updateAdmissionControl({ paused: true });
    const users = await joinAll(store, 'shopper', 300);
    const present = users.filter((_, i) => i % 2 === 0);
    clock.advance(GRACE);
    await store.updateAdmissionControl({ paused: false });
    const admitted: string[] = [];
    const runFor = async (ms: number) => {
      for (let t = 0; t < ms; t += 100) {
        if (t % 5_000 === 0) await store.renewPresence(present);
        clock.advance(100);
        admitted.push(...admittedIds(await store.admit(TTL, 1000)));
      }
    };
    // 600 a minute is 100 in 10 s, all of them present, in queue order.
    await runFor(10_000);
    expect(admitted.length).toBeGreaterThanOrEqual(99);
    expect(admitted.length).toBeLessThanOrEqual(101);
    expect(admitted).toEqual(present.slice(0, admitted.length));
    // At most 120 may hold an admission at once: the rest wait, however much allowance there is.
    await store.updateAdmissionControl({ maxActive: 120 });
    await runFor(10_000);
    expect(admitted).toEqual(present.slice(0, 120));
  });

  test('one step passes over at most a bounded number of absent shoppers, and the next goes on from there', async () => {
    const { store, clock } = await open({ stock: 10 }, { ratePerMinute: 6000 });
    await joinAll(store, 'absent', 1500);
    clock.advance(GRACE + 1);
    await store.queueState('present', 'join');
    const first = await store.admit(TTL, 1000);
    expect(first).toMatchObject({ admitted: [], passedOver: 1000 });
    const second = await store.admit(TTL, 1000);
    expect(second.passedOver).toBe(500);
    expect(admittedIds(second)).toEqual(['present']);
    // Passed over once is enough: the next steps do not look at them again.
    await store.queueState('later', 'join');
    // A moment later: allowance nobody could use while the line was empty is not saved up.
    clock.advance(100);
    expect(await store.admit(TTL, 1000)).toMatchObject({ passedOver: 0, admitted: [{ userId: 'later' }] });
  });

  test('a shopper absent for the idle timeout leaves the queue; those behind move up, and a re-join goes to the back', async () => {
    // The sale starts in two hours: the line waits, and idle shoppers still leave it.
    const { store, clock } = await open({ queueOpensAt: T0, startsAt: T0 + 7_200_000, endsAt: T0 + 10_800_000 });
    await joinAll(store, 'shopper', 3);
    const keepPresent = async (forMs: number) => {
      for (let t = 0; t < forMs; t += 10_000) {
        clock.advance(10_000);
        await store.renewPresence(['shopper-1', 'shopper-2']);
        expect((await store.admit(TTL, 1000)).timedOut).toEqual([]);
      }
    };
    // shopper-0's lease runs out at T0 + GRACE; the idle timeout counts from there.
    await keepPresent(GRACE + IDLE - 10_000);
    clock.set(T0 + GRACE + IDLE - 1);
    expect((await store.admit(TTL, 1000)).timedOut).toEqual([]);
    clock.set(T0 + GRACE + IDLE);
    await store.renewPresence(['shopper-1', 'shopper-2']);
    expect((await store.admit(TTL, 1000)).timedOut).toEqual(['shopper-0']);

    expect(await store.queuePositions(['shopper-0', 'shopper-1', 'shopper-2'])).toEqual([0, 1, 2]);
    expect(await store.queueState('shopper-0', 'peek')).toEqual({ kind: 'not_queued' });
    expect(await store.queueState('shopper-0', 'join')).toEqual({ kind: 'waiting', position: 3, waiting: 3 });
    expect(await store.saleCounters()).toMatchObject({ timedOut: 1, waiting: 3, present: 3 });
  });

  test('leaving ends the lease too, and the pre-queue draw keeps absent shoppers passed over', async () => {
    const { store, clock, sale } = await open(
      { queueOpensAt: T0, startsAt: T0 + GRACE + 10_000, stock: 100 },
      { prequeueOrder: 'random', ratePerMinute: 6000 },
    );
    const early = await joinAll(store, 'early', 6);
    const owners = new Map<string, string>();
    for (const user of early) {
      const state = await store.queueState(user, 'join');
      if (state.kind === 'waiting' && state.ticket) owners.set(state.ticket, user);
    }
    await store.leave('early-5');
    expect(await store.saleCounters()).toMatchObject({ waiting: 5, present: 5, absent: 0 });
    clock.set(sale.startsAt);
    const present = ['early-0', 'early-2', 'early-4'];
    await store.renewPresence(present);
    expect((await store.admit(TTL, 1000)).awaitingDraw).toBe(true);
    expect(await store.drawPrequeue()).toBe('settled');
    const drawn = ((await store.lottery()).tickets as string[]).map((ticket) => owners.get(ticket) as string);
    expect([...drawn].sort()).toEqual(early.slice(0, 5));
    clock.advance(1000);
    const step = await store.admit(TTL, 1000);
    expect(admittedIds(step)).toEqual(drawn.filter((user) => present.includes(user)));
    expect(step.passedOver).toBe(2);
  });

  test('fairness: over random presence, nobody is admitted while a present shopper ahead still waits', async () => {
    const random = seededRandom(7);
    const { store, clock } = await open({ stock: 60 }, { ratePerMinute: 1200 });
    const shoppers = Array.from({ length: 80 }, (_, i) => `s-${i}`);
    const leases = new Map<string, number>();
    const admittedOrder: string[] = [];
    for (let step = 0; step < 400; step++) {
      const dice = random();
      if (dice < 0.3) {
        const user = shoppers[Math.floor(random() * shoppers.length)] as string;
        const state = await store.queueState(user, 'join');
        if (state.kind === 'waiting') leases.set(user, clock() + GRACE);
      } else if (dice < 0.45) {
        const some = shoppers.filter(() => random() < 0.3);
        await store.renewPresence(some);
        for (const user of some) if (leases.has(user)) leases.set(user, clock() + GRACE);
      } else if (dice < 0.6) {
        clock.advance(Math.floor(random() * 20_000));
      } else {
        clock.advance(100);
        const waiting = shoppers.filter((user) => leases.has(user));
        const positions = await store.queuePositions(waiting);
        const place = new Map(waiting.map((user, i) => [user, positions[i] as number]));
        const batch = await store.admit(TTL, 1000);
        const admitted = admittedIds(batch);
        for (const user of [...admitted, ...batch.timedOut]) leases.delete(user);
        admittedOrder.push(...admitted);
        // Everyone left waiting who was present must stand behind everyone admitted.
        const lastAdmitted = Math.max(0, ...admitted.map((user) => place.get(user) ?? 0));
        const skipped = waiting.filter(
          (user) => leases.has(user) && (leases.get(user) ?? 0) > clock() && (place.get(user) ?? 0) < lastAdmitted,
        );
        expect(skipped).toEqual([]);
      }
    }
    expect(admittedOrder.length).toBeGreaterThan(20);
    fairnessRuns.set(kind, admittedOrder);
  });
});

test('both stores admit the same shoppers in the same order for the same random sequence', () => {
  expect(fairnessRuns.get('memory')).toBeDefined();
  expect(fairnessRuns.get('redis')).toEqual(fairnessRuns.get('memory'));
});

/** mulberry32: a small seeded generator, so a failing sequence replays exactly. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
