import { setTimeout as sleep } from 'node:timers/promises';
import type { QueueStore, SaleDefinition, SaleStore } from '@flashsale/common';
import {
  admin,
  eventually,
  join,
  lookUp,
  purchase,
  saleDefinition,
  send,
  useRedisServer,
  useSales,
  type RunningInstance,
  type StoreKind,
} from '../kit';

/**
 * Admission on the real clock, with the instances' own loops: the rate (with one instance and
 * with two sharing Redis), live changes, failover, the inventory cap, expiry, the pre-queue and
 * the estimated wait. The step-by-step rules are in tests/contract/queue-store.contract.test.ts.
 */
const redisServer = useRedisServer();

type Store = SaleStore & QueueStore;

/** A sale that started a moment ago and runs for an hour. */
const activeSale = (overrides: Partial<SaleDefinition> = {}) =>
  saleDefinition({ stock: 1000, startsAt: Date.now() - 1000, endsAt: Date.now() + 3_600_000, queueOpensAt: 0, ...overrides });

const openSale = useSales(redisServer);

async function queueUp(store: QueueStore, count: number, prefix = 'shopper'): Promise<string[]> {
  const users = Array.from({ length: count }, (_, i) => `${prefix}-${String(i).padStart(4, '0')}`);
  for (const user of users) await store.queueState(user, 'join');
  return users;
}

const admittedTotal = async (store: QueueStore) => (await store.saleCounters()).admittedTotal;

/** Samples admittedTotal every 100 ms for `ms`; returns the samples. */
interface Sample {
  /** The store's clock, so a slow poll on a busy machine does not stretch the measure. */
  at: number;
  total: number;
}

/** Samples admittedTotal about every 100 ms for `ms`. */
async function sampleAdmissions(store: QueueStore, ms: number): Promise<Sample[]> {
  const samples: Sample[] = [];
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const { now, admittedTotal } = await store.saleCounters();
    samples.push({ at: now, total: admittedTotal });
    await sleep(100);
  }
  return samples;
}

const admittedBetween = (samples: Sample[]) => (samples.at(-1) as Sample).total - (samples[0] as Sample).total;

/** Admissions per 10 s over the sampled span, by the store's clock. */
const per10Seconds = (samples: Sample[]) =>
  (admittedBetween(samples) * 10_000) / ((samples.at(-1) as Sample).at - (samples[0] as Sample).at);

/** The most admitted between two samples at most one second apart. */
function busiestSecond(samples: Sample[]): number {
  let most = 0;
  samples.forEach((from, i) => {
    for (const to of samples.slice(i + 1)) if (to.at - from.at <= 1_000) most = Math.max(most, to.total - from.total);
  });
  return most;
}

describe.each<[StoreKind, number]>([
  ['memory', 1],
  ['redis', 2],
])('on the %s store with %i instance(s)', (kind, instanceCount) => {
  test('the first 10 s after the start admit 100 (±2 %), with no burst at the start', async () => {
    const sale = activeSale({ startsAt: Date.now() + 1_500 });
    const { stores } = await openSale(kind, sale, { instances: instanceCount });
    const store = stores[0] as Store;
    await queueUp(store, 300);
    const samples = await sampleAdmissions(store, sale.startsAt + 10_200 - Date.now());
    const at = (instant: number) => samples.filter((sample) => sample.at <= instant).at(-1) as Sample;
    // Nothing before the start, so admittedTotal at a sample is what the sale admitted since it began.
    const firstTen = at(sale.startsAt + 10_000);
    const per10 = (firstTen.total * 10_000) / (firstTen.at - sale.startsAt);
    expect(per10).toBeGreaterThanOrEqual(98);
    expect(per10).toBeLessThanOrEqual(102);
    expect(at(sale.startsAt + 1_000).total).toBeLessThanOrEqual(11);
  }, 30_000);

  test('admits 600/min as 100 in 10 s (±10 %), smoothly, in total however many instances run', async () => {
    const { stores } = await openSale(kind, activeSale(), { instances: instanceCount });
    const store = stores[0] as Store;
    await queueUp(store, 200);
    await eventually(async () => (await admittedTotal(store)) > 0, 3_000, 'the first admission');

    const samples = await sampleAdmissions(store, 10_050);
    expect(per10Seconds(samples)).toBeGreaterThanOrEqual(90);
    expect(per10Seconds(samples)).toBeLessThanOrEqual(110);
    // No burst: never much more than a second's worth (10) within one second.
    expect(busiestSecond(samples)).toBeLessThanOrEqual(12);
  }, 30_000);

  test('fairness: the admitted are always the head of the line, in queue order', async () => {
    const { stores } = await openSale(kind, activeSale(), { instances: instanceCount, admission: { ratePerMinute: 3000 } });
    const store = stores[0] as Store;
    const users = await queueUp(store, 60);
    for (let look = 0; look < 15; look++) {
      const positions = await store.queuePositions(users);
      const admitted = positions.filter((position) => position === 0).length;
      // Admitted (0) first, then 1, 2, 3… for everyone still waiting, in join order.
      expect(positions).toEqual(users.map((_, i) => (i < admitted ? 0 : i - admitted + 1)));
      await sleep(100);
    }
    expect(await admittedTotal(store)).toBeGreaterThan(10);
  }, 20_000);

  test('inventory-aware: stock 5 and 100 waiting never have more than 5 active admissions, and all 5 can buy', async () => {
    const sale = activeSale({ stock: 5 });
    const { stores, url } = await openSale(kind, sale, { instances: instanceCount, admission: { ratePerMinute: 6000 } });
    const store = stores[0] as Store;
    const users = await queueUp(store, 100);
    let mostActive = 0;
    for (let look = 0; look < 30; look++) {
      mostActive = Math.max(mostActive, (await store.saleCounters()).activeAdmissions);
      await sleep(20);
    }
    expect(mostActive).toBe(5);

    const admitted: string[] = [];
    for (const user of users.slice(0, 10)) {
      const state = await store.queueState(user, 'peek');
      if (state.kind === 'admitted') admitted.push(user);
    }
    expect(admitted).toEqual(users.slice(0, 5));
    const bought = await Promise.all(
      admitted.map(async (user) => {
        const answer = await join(url, user);
        return (await purchase(url, answer.body.admissionToken as string)).status;
      }),
    );
    expect(bought).toEqual([201, 201, 201, 201, 201]);
    expect((await join(url, users[50] as string)).body).toMatchObject({ error: { code: 'sold_out' } });
    expect((await store.saleCounters()).activeAdmissions).toBe(0);
  }, 20_000);

  test('an admission that expires unused frees its slot, and that shopper must join again', async () => {
    const { url } = await openSale(kind, activeSale({ stock: 1 }), {
      instances: instanceCount,
      admission: { ratePerMinute: 6000 },
      settings: { tokenTtlSeconds: 1 },
    });
    const ann = await join(url, 'ann');
    const bob = await join(url, 'bob');
    let annAdmitted = await lookUp(url, ann.body.queueToken as string);
    await eventually(async () => (annAdmitted = await lookUp(url, ann.body.queueToken as string)).body.state === 'admitted');
    expect((await lookUp(url, bob.body.queueToken as string)).body).toMatchObject({ state: 'waiting', position: 1 });

    // Ann lets her second pass: her slot goes to Bob, and her old token buys nothing.
    await eventually(async () => (await lookUp(url, bob.body.queueToken as string)).body.state === 'admitted', 3_000, "Bob's turn");
    expect((await lookUp(url, ann.body.queueToken as string)).body).toMatchObject({ error: { code: 'not_found' } });
    const stale = await purchase(url, annAdmitted.body.admissionToken as string);
    expect(stale.body).toMatchObject({ error: { code: 'token_expired' } });
    expect((await join(url, 'ann')).body).toMatchObject({ state: 'waiting', position: 1 });
  }, 20_000);
});

describe('with two instances sharing Redis', () => {
  test('a pause stops admissions within 1 s, and a new rate applies within 1 s', async () => {
    const { stores, instances } = await openSale('redis', activeSale(), { instances: 2 });
    const store = stores[0] as Store;
    const url = (instances[1] as RunningInstance).url;
    await queueUp(store, 300);
    await eventually(async () => (await admittedTotal(store)) > 0);

    await admin(url, 'PATCH', 'admission', { paused: true });
    await sleep(1_000);
    const paused = await sampleAdmissions(store, 2_000);
    expect(admittedBetween(paused)).toBe(0);
    expect((await send(`${url}/api/sale`)).body.queue).toMatchObject({ paused: true });

    await admin(url, 'PATCH', 'admission', { paused: false, ratePerMinute: 1200 });
    await sleep(1_000);
    const faster = await sampleAdmissions(store, 3_050);
    // 1200/min is 200 per 10 s.
    expect(per10Seconds(faster)).toBeGreaterThanOrEqual(170);
    expect(per10Seconds(faster)).toBeLessThanOrEqual(230);
  }, 30_000);

  test('admissions go on within 2 s when an instance dies', async () => {
    const { stores, instances } = await openSale('redis', activeSale(), { instances: 2 });
    const survivor = stores[1] as Store;
    await queueUp(survivor, 100);
    await eventually(async () => (await admittedTotal(survivor)) > 0);
    await (instances[0] as RunningInstance).close();
    const before = await admittedTotal(survivor);
    await sleep(2_000);
    expect((await admittedTotal(survivor)) - before).toBeGreaterThanOrEqual(15);
  }, 20_000);

  test('a random pre-queue is drawn exactly once, by one instance, into a new order that admission then follows', async () => {
    const sale = activeSale({ startsAt: Date.now() + 3_000, queueOpensAt: Date.now() - 1000 });
    const { stores, instances, url } = await openSale('redis', sale, {
      instances: 2,
      admission: { prequeueOrder: 'random', ratePerMinute: 6000 },
    });
    const settlements: string[] = [];
    for (const store of stores) {
      const draw = store.drawPrequeue.bind(store);
      store.drawPrequeue = async () => {
        const result = await draw();
        settlements.push(result);
        return result;
      };
    }
    await admin(url, 'PATCH', 'admission', { paused: true });
    const users: string[] = [];
    for (let i = 0; i < 30; i++) {
      const userId = `early-${String(i).padStart(2, '0')}`;
      await join((instances[i % 2] as RunningInstance).url, userId);
      users.push(userId);
    }

    // While paused, the start still brings the one draw; who joins after it queues behind.
    const store = stores[0] as Store;
    await eventually(() => settlements.includes('settled'), 5_000, 'the draw');
    const late = await join(url, 'late');
    expect(late.body.position).toBe(31);
    await sleep(500);
    expect(settlements.filter((result) => result === 'settled')).toHaveLength(1);
    const positions = await store.queuePositions(users);
    const shuffled = [...users].sort((a, b) => (positions[users.indexOf(a)] as number) - (positions[users.indexOf(b)] as number));
    expect([...positions].sort((a, b) => a - b)).toEqual(users.map((_, i) => i + 1));
    expect(shuffled).not.toEqual(users);
    expect((await lookUp(url, late.body.queueToken as string)).body.position).toBe(31);

    await admin(url, 'PATCH', 'admission', { paused: false });
    await eventually(async () => (await admittedTotal(store)) >= 10, 3_000, 'admissions');
    const after = await store.queuePositions(shuffled);
    const admitted = after.filter((position) => position === 0).length;
    expect(after).toEqual(shuffled.map((_, i) => (i < admitted ? 0 : i - admitted + 1)));
  }, 20_000);
});

test('with a fifo pre-queue, the buyers are exactly the first joiners', async () => {
  const sale = activeSale({ stock: 5, startsAt: Date.now() + 800, queueOpensAt: Date.now() - 1000 });
  const { url } = await openSale('memory', sale, { admission: { prequeueOrder: 'fifo', ratePerMinute: 6000 } });
  const tokens = new Map<string, string>();
  for (let i = 0; i < 20; i++) tokens.set(`early-${i}`, (await join(url, `early-${i}`)).body.queueToken as string);

  const buyers: string[] = [];
  await eventually(
    async () => {
      for (const [userId, token] of tokens) {
        const answer = await lookUp(url, token);
        if (answer.body.state !== 'admitted') continue;
        const bought = await purchase(url, answer.body.admissionToken as string);
        if (bought.status === 201) buyers.push(userId);
      }
      return buyers.length === 5;
    },
    5_000,
    'five buyers',
  );
  expect(buyers.sort()).toEqual(['early-0', 'early-1', 'early-2', 'early-3', 'early-4']);
});

test('the estimated wait is within 20 % of the real wait at a steady rate', async () => {
  const { stores, url } = await openSale('memory', activeSale());
  await queueUp(stores[0] as Store, 80);
  await sleep(2_500); // a steady rate, measured
  const joined = await join(url, 'measured');
  const joinedAt = Date.now();
  const estimate = joined.body.etaSeconds as number;
  await eventually(async () => (await lookUp(url, joined.body.queueToken as string)).body.state === 'admitted', 15_000, 'the admission');
  const actual = (Date.now() - joinedAt) / 1000;
  expect(Math.abs(estimate - actual)).toBeLessThanOrEqual(0.2 * actual);
}, 30_000);
