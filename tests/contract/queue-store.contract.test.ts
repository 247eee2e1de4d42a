import { randomUUID } from 'node:crypto';
import { drawOrder, verifyLottery, type InitialAdmission, type QueueStore, type SaleDefinition, type SaleStore } from '@flashsale/common';
import { createSaleStore, manualClock, saleDefinition, T0, TEST_ADMISSION, useRedisCluster, useRedisServer, type StoreKind } from '../kit';

/** The queue and admission contract: MemoryStore and RedisStore behave the same. */
const redisServer = useRedisServer();
const redisCluster = useRedisCluster();

const TTL = 120_000;

describe.each<StoreKind>(['memory', 'redis', 'redis-cluster'])('the %s queue', (kind) => {
  const stores: Array<SaleStore & QueueStore> = [];
  afterAll(async () => {
    await Promise.all(stores.map((store) => store.close()));
  });

  async function open(sale: Partial<SaleDefinition> = {}, admission: Partial<InitialAdmission> | null = {}) {
    const clock = manualClock();
    const definition = saleDefinition(sale);
    const store = await createSaleStore(kind, definition, { redis: redisServer(), cluster: redisCluster(), clock, admission });
    stores.push(store);
    return { store, clock, sale: definition };
  }

  async function joinAll(store: QueueStore, count: number, prefix = 'shopper') {
    const users = Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
    for (const user of users) await store.queueState(user, 'join');
    return users;
  }

  /** Runs the admission step every `stepMs` for `forMs`, as an instance's loop would. */
  async function runAdmissions(store: QueueStore, clock: ReturnType<typeof manualClock>, forMs: number, stepMs = 100) {
    const admitted: string[] = [];
    for (let t = 0; t < forMs; t += stepMs) {
      clock.advance(stepMs);
      admitted.push(...(await store.admit(TTL, 1000)).admitted.map((entry) => entry.userId));
    }
    return admitted;
  }

  test('joining is idempotent and positions are distinct and 1-based', async () => {
    const { store } = await open();
    await joinAll(store, 3);
    expect(await store.queueState('shopper-1', 'join')).toEqual({ kind: 'waiting', position: 2, waiting: 3 });
    expect(await store.queueState('shopper-0', 'peek')).toEqual({ kind: 'waiting', position: 1, waiting: 3 });
    expect(await store.queueState('shopper-2', 'join')).toEqual({ kind: 'waiting', position: 3, waiting: 3 });
    expect(await store.queueState('nobody', 'peek')).toEqual({ kind: 'not_queued' });
  });

  test('refuses joins before the queue opens, and answers sold out and ended', async () => {
    const early = await open({ queueOpensAt: T0 + 1000, startsAt: T0 + 2000 });
    expect(await early.store.queueState('ann', 'join')).toEqual({ kind: 'queue_not_open' });

    const ended = await open();
    ended.clock.set(ended.sale.endsAt);
    expect(await ended.store.queueState('ann', 'join')).toEqual({ kind: 'sale_ended' });

    const soldOut = await open({ stock: 1 });
    await soldOut.store.purchase({ userId: 'ann', orderId: randomUUID(), tokenExpiresAt: T0 + TTL });
    expect(await soldOut.store.queueState('bob', 'join')).toEqual({ kind: 'sold_out' });
    expect(await soldOut.store.queueState('ann', 'join')).toMatchObject({ kind: 'purchased', order: { userId: 'ann' } });
  });

  test('leaving takes a shopper out, and those behind move up', async () => {
    const { store } = await open();
    await joinAll(store, 3);
    expect(await store.leave('shopper-0')).toBe(true);
    expect(await store.leave('shopper-0')).toBe(false);
    expect(await store.queueState('shopper-2', 'peek')).toEqual({ kind: 'waiting', position: 2, waiting: 2 });
  });

  test('admits in queue order at the configured rate: 600 a minute is 100 in 10 s, in steps, not a burst', async () => {
    const { store, clock } = await open({ stock: 1000 }, { ratePerMinute: 600 });
    const users = await joinAll(store, 300);
    const firstSecond = await runAdmissions(store, clock, 1000);
    expect(firstSecond.length).toBeGreaterThanOrEqual(9);
    expect(firstSecond.length).toBeLessThanOrEqual(11);
    const tenSeconds = [...firstSecond, ...(await runAdmissions(store, clock, 9000))];
    expect(tenSeconds.length).toBeGreaterThanOrEqual(99);
    expect(tenSeconds.length).toBeLessThanOrEqual(101);
    expect(tenSeconds).toEqual(users.slice(0, tenSeconds.length));
  });

  test('a quiet spell saves up at most one second of admissions', async () => {
    const { store, clock } = await open({ stock: 1000 }, { ratePerMinute: 600 });
    clock.advance(60_000);
    await store.admit(TTL, 1000);
    await joinAll(store, 100);
    clock.advance(1);
    expect((await store.admit(TTL, 1000)).admitted.length).toBeLessThanOrEqual(10);
  });

  test('pausing stops admissions at once, even with a second of allowance saved up', async () => {
    const { store, clock } = await open({ stock: 1000 }, { ratePerMinute: 600 });
    clock.advance(5000);
    await store.admit(TTL, 1000);
    await store.updateAdmissionControl({ paused: true });
    await joinAll(store, 20);
    expect(await runAdmissions(store, clock, 2000)).toEqual([]);
  });

  test('pausing stops admissions and resuming starts them again', async () => {
    const { store, clock } = await open({ stock: 1000 }, { ratePerMinute: 600 });
    await joinAll(store, 100);
    await runAdmissions(store, clock, 1000);
    expect(await store.updateAdmissionControl({ paused: true })).toEqual({
      ratePerMinute: 600,
      paused: true,
      maxActive: null,
      overbook: 1,
      challengeMaxNumber: 0,
    });
    expect(await runAdmissions(store, clock, 5000)).toEqual([]);
    await store.updateAdmissionControl({ paused: false, ratePerMinute: 1200 });
    const resumed = await runAdmissions(store, clock, 1000);
    expect(resumed.length).toBeGreaterThanOrEqual(19);
    expect(resumed.length).toBeLessThanOrEqual(21);
  });

  test('a checkout that creates the sale first leaves admission to the first waiting room, whose settings hold', async () => {
    const { store, clock, sale } = await open({}, null);
    await store.initSale(sale, { ...TEST_ADMISSION, ratePerMinute: 60, maxActive: 4 });
    await store.initSale(sale, { ...TEST_ADMISSION, ratePerMinute: 6000 });
    expect(await store.getAdmissionControl()).toEqual({
      ratePerMinute: 60,
      paused: false,
      maxActive: 4,
      overbook: 1,
      challengeMaxNumber: 0,
    });
    await joinAll(store, 10);
    expect(await runAdmissions(store, clock, 3_000)).toEqual(['shopper-0', 'shopper-1', 'shopper-2']);
  });

  test('keeps active admissions within the remaining stock, and a purchase frees a slot', async () => {
    const { store, clock } = await open({ stock: 5 }, { ratePerMinute: 6000 });
    await joinAll(store, 100);
    const admitted = await runAdmissions(store, clock, 3000);
    expect(admitted).toHaveLength(5);
    expect((await store.saleCounters()).activeAdmissions).toBe(5);
    await store.purchase({ userId: admitted[0] as string, orderId: randomUUID(), tokenExpiresAt: clock() + TTL });
    // Four units remain and four admissions stand: nobody more.
    expect(await runAdmissions(store, clock, 1000)).toEqual([]);
    await store.updateAdmissionControl({ overbook: 1.5 });
    expect(await runAdmissions(store, clock, 1000)).toHaveLength(2);
  });

  test('an admission that expires unused frees its slot, and the shopper must join again at the back', async () => {
    const { store, clock } = await open({ stock: 1 }, { ratePerMinute: 6000 });
    await joinAll(store, 3);
    clock.advance(1000);
    const first = await store.admit(TTL, 1000);
    expect(first.admitted.map((entry) => entry.userId)).toEqual(['shopper-0']);
    expect(await store.queueState('shopper-0', 'peek')).toEqual({ kind: 'admitted', expiresAt: clock() + TTL, admissionToken: null });

    clock.advance(TTL);
    // The others are still on the page (their sockets keep them present).
    await store.renewPresence(['shopper-1', 'shopper-2']);
    const next = await store.admit(TTL, 1000);
    expect(next.expired).toEqual(['shopper-0']);
    expect(next.admitted.map((entry) => entry.userId)).toEqual(['shopper-1']);
    expect(await store.queueState('shopper-0', 'peek')).toEqual({ kind: 'not_queued' });
    expect(await store.queueState('shopper-0', 'join')).toEqual({ kind: 'waiting', position: 2, waiting: 2 });
    expect(await store.saleCounters()).toMatchObject({ waiting: 2, activeAdmissions: 1, admittedTotal: 2, expiredAdmissions: 1 });
  });

  test('keeps the signed token of a standing admission, and only of a standing one', async () => {
    const { store, clock } = await open({}, { ratePerMinute: 6000 });
    await joinAll(store, 1);
    clock.advance(1000);
    await store.admit(TTL, 1000);
    expect(await store.recordAdmissionToken('shopper-0', 'token-0')).toBe(true);
    expect(await store.recordAdmissionToken('someone', 'token-x')).toBe(false);
    expect(await store.queueState('shopper-0', 'join')).toMatchObject({ kind: 'admitted', admissionToken: 'token-0' });
  });

  test('a random pre-queue shows no number until its one draw, which orders it by the committed seed and the tickets', async () => {
    const { store, clock, sale } = await open(
      { startsAt: T0 + 10_000, queueOpensAt: T0 },
      { prequeueOrder: 'random', ratePerMinute: 6000 },
    );
    const opened = await store.lottery();
    expect(opened).toMatchObject({ order: 'random', seed: null, tickets: null });
    expect(opened.commitment).toMatch(/^[0-9a-f]{64}$/);

    const early = await joinAll(store, 5, 'early');
    const owners = new Map<string, string>();
    for (const user of early) {
      const state = await store.queueState(user, 'join');
      expect(state).toMatchObject({ kind: 'waiting', position: null, waiting: 5 });
      const ticket = state.kind === 'waiting' ? (state.ticket as string) : '';
      expect(ticket).toMatch(/^[0-9a-f]{32}$/);
      owners.set(ticket, user);
    }
    expect(owners.size).toBe(5);
    expect(await store.drawPrequeue()).toBe('not_started');

    clock.set(sale.startsAt);
    // Joined after the start: behind the whole pre-queue, with a number at once and no ticket.
    expect(await store.queueState('late', 'join')).toEqual({ kind: 'waiting', position: 6, waiting: 6 });
    expect((await store.admit(TTL, 1000)).awaitingDraw).toBe(true);
    expect(await store.queueState('early-0', 'peek')).toMatchObject({ position: null, waiting: 5 });
    expect(await store.drawPrequeue()).toBe('settled');
    expect(await store.drawPrequeue()).toBe('already_settled');

    const drawn = await store.lottery();
    expect(drawn.commitment).toBe(opened.commitment);
    expect(verifyLottery(drawn)).toEqual({ ok: true, tickets: 5 });
    const drawnUsers = (drawn.tickets as string[]).map((ticket) => owners.get(ticket) as string);
    expect(drawnUsers).toEqual(drawOrder(drawn.seed as string, [...owners.keys()]).map((ticket) => owners.get(ticket)));
    for (const [i, user] of drawnUsers.entries()) {
      expect(await store.queueState(user, 'peek')).toMatchObject({ kind: 'waiting', position: i + 1, waiting: 6 });
    }
    expect(await runAdmissions(store, clock, 2000)).toEqual([...drawnUsers, 'late']);
  });

  test('a FIFO pre-queue has no lottery: numbers from the first join, no tickets, no commitment', async () => {
    const { store } = await open({ startsAt: T0 + 10_000, queueOpensAt: T0 }, { prequeueOrder: 'fifo' });
    await joinAll(store, 2);
    expect(await store.queueState('shopper-1', 'peek')).toEqual({ kind: 'waiting', position: 2, waiting: 2 });
    expect(await store.lottery()).toEqual({ order: 'fifo', commitment: null, seed: null, tickets: null });
  });

  test('an empty pre-queue is drawn once too', async () => {
    const { store } = await open({}, { prequeueOrder: 'random' });
    expect(await store.drawPrequeue()).toBe('settled');
    expect(await store.drawPrequeue()).toBe('already_settled');
    expect(verifyLottery(await store.lottery())).toEqual({ ok: true, tickets: 0 });
  });
});
