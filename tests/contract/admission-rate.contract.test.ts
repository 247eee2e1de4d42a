import type { QueueStore, SaleStore } from '@flashsale/common';
import { createSaleStore, manualClock, saleDefinition, T0, useRedisCluster, useRedisServer, type StoreKind } from '../kit';

/**
 * SPEC, admission rules: the rate holds within 2 % over any 10 s of admitting, the first 10 s
 * after the start and after a resume included, with one instance or several. Here on a test
 * clock with irregular steps (20–150 ms apart, as busy event loops run them), taken in turn by
 * two instances on Redis, so any burst the bucket saved up would show.
 */
const redisServer = useRedisServer();
const redisCluster = useRedisCluster();

const TTL = 120_000;
const RATE_PER_MINUTE = 600;
/** Admissions per 10 s at that rate, and the SPEC's 2 % of it. */
const PER_10_SECONDS = 100;
const TOLERANCE = 2;

type Store = SaleStore & QueueStore;

/** A deterministic source of step gaps, so a failure replays. */
function stepGaps(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return 20 + (state % 131);
  };
}

describe.each<[StoreKind, number]>([
  ['memory', 1],
  ['redis', 2],
  ['redis-cluster', 2],
])('the admission rate on the %s store with %i instance(s)', (kind, instanceCount) => {
  const opened: Store[] = [];
  afterAll(async () => {
    await Promise.all(opened.splice(0).map((store) => store.close()));
  });

  async function openSale() {
    const clock = manualClock();
    const sale = saleDefinition({ stock: 100_000, startsAt: T0 + 5_000, queueOpensAt: T0 });
    const instances: Store[] = [];
    for (let i = 0; i < instanceCount; i++) {
      instances.push(
        await createSaleStore(kind, sale, {
          redis: redisServer(),
          cluster: redisCluster(),
          clock,
          admission: { ratePerMinute: RATE_PER_MINUTE, prequeueOrder: 'fifo' },
        }),
      );
    }
    opened.push(...instances);
    const gap = stepGaps(instanceCount * 7 + kind.length);
    const admissions: Array<{ at: number; count: number }> = [];
    /** The instances' admission steps, in turn, at irregular intervals, until `until`. */
    async function runSteps(until: number): Promise<void> {
      let turn = 0;
      while (clock() + 150 < until) {
        clock.advance(gap());
        const batch = await (instances[turn++ % instances.length] as Store).admit(TTL, 1000);
        if (batch.admitted.length > 0) admissions.push({ at: clock(), count: batch.admitted.length });
      }
      clock.set(until);
    }
    /** Admissions per 10 s between two instants, by the steps that fell in (from, to]. */
    function per10Seconds(from: number, to: number): number {
      const count = admissions.filter(({ at }) => at > from && at <= to).reduce((sum, { count }) => sum + count, 0);
      return (count * 10_000) / (to - from);
    }
    /** Every window of at least 10 s that starts and ends at a step of admitting within [from, to]. */
    function everyWindow(from: number, to: number): number[] {
      const steps = admissions.filter(({ at }) => at >= from && at <= to).map(({ at }) => at);
      return [from, ...steps].flatMap((start) => {
        const end = steps.find((at) => at >= start + 10_000);
        return end === undefined ? [] : [per10Seconds(start, end)];
      });
    }
    return { store: instances[0] as Store, clock, sale, runSteps, per10Seconds, everyWindow };
  }

  async function queueUp(store: QueueStore, count: number, prefix: string): Promise<void> {
    for (let i = 0; i < count; i++) await store.queueState(`${prefix}-${i}`, 'join');
  }

  const expectOnRate = (rate: number) => {
    expect(rate).toBeGreaterThanOrEqual(PER_10_SECONDS - TOLERANCE);
    expect(rate).toBeLessThanOrEqual(PER_10_SECONDS + TOLERANCE);
  };

  test('the first 10 s after the start admit 100 (±2 %), with no burst, and so does every 10 s after', async () => {
    const { store, sale, runSteps, per10Seconds, everyWindow } = await openSale();
    await queueUp(store, 400, 'early');
    await runSteps(sale.startsAt + 30_000);
    expectOnRate(per10Seconds(sale.startsAt, sale.startsAt + 10_000));
    // Not a second's worth at once: the first second admits about 10.
    expect(per10Seconds(sale.startsAt, sale.startsAt + 1_000) / 10).toBeLessThanOrEqual(11);
    for (const rate of everyWindow(sale.startsAt, sale.startsAt + 30_000)) expectOnRate(rate);
  });

  test('the first 10 s after a resume admit 100 (±2 %), and a pause saves nothing up', async () => {
    const { store, clock, sale, runSteps, per10Seconds } = await openSale();
    await queueUp(store, 400, 'early');
    await runSteps(sale.startsAt + 5_000);
    await store.updateAdmissionControl({ paused: true });
    await runSteps(clock() + 5_000);
    const resumedAt = clock();
    await store.updateAdmissionControl({ paused: false });
    await runSteps(resumedAt + 10_000);
    expectOnRate(per10Seconds(resumedAt, resumedAt + 10_000));
  });

  test('a line that stood empty saves nothing up: the first 10 s after shoppers arrive admit 100 (±2 %)', async () => {
    const { store, clock, sale, runSteps, per10Seconds } = await openSale();
    await runSteps(sale.startsAt + 5_000);
    const arrivedAt = clock();
    await queueUp(store, 400, 'late');
    await runSteps(arrivedAt + 10_000);
    expectOnRate(per10Seconds(arrivedAt, arrivedAt + 10_000));
  });

  test('a cap that held the line saves nothing up: once slots free, the next 10 s admit 100 (±2 %)', async () => {
    const { store, clock, sale, runSteps, per10Seconds } = await openSale();
    await store.updateAdmissionControl({ maxActive: 0 });
    await queueUp(store, 400, 'held');
    await runSteps(sale.startsAt + 5_000);
    const freedAt = clock();
    await store.updateAdmissionControl({ maxActive: null });
    await runSteps(freedAt + 10_000);
    expectOnRate(per10Seconds(freedAt, freedAt + 10_000));
  });
});
