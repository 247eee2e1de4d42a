import { setTimeout as sleep } from 'node:timers/promises';
import { connectRedis, createRedisClient, RedisStore } from '@flashsale/common';
import type { RedisServer } from '../../tests/kit';
import { median } from './ratio';

const WAITING = 20_000;
/** As the waiting room's loop: at most 500 admitted per step. */
const MAX_BATCH = 500;
const TTL_MS = 120_000;
const GRACE_MS = 2_000;

interface Run {
  admitted: number;
  steps: number;
  passedOver: number;
  perSecond: number;
}

/**
 * presence: how fast the admission step (admit-10.lua) admits when half the line has gone away,
 * against the same line with everyone present, in the same run. 20,000 join; in the absent case
 * every other one lets their lease run out. Then steps run back to back, as fast as Redis answers,
 * with the rate and stock set high enough that only the step's own cost limits it, until every
 * present shopper is admitted. Signing the admission tokens is the same work in both cases and is
 * left out: this measures what presence adds to the step.
 */
export async function benchPresence(redis: RedisServer, rounds: number): Promise<void> {
  console.log(`\n## presence: the admission step with ${WAITING.toLocaleString('en')} waiting, all present vs half absent`);
  const runs: Record<'present' | 'halfAbsent', Run[]> = { present: [], halfAbsent: [] };
  for (let round = 1; round <= rounds; round++) {
    for (const halfAbsent of round % 2 === 1 ? [false, true] : [true, false]) {
      const run = await admitEveryone(redis.url, `bench-presence-${round}-${halfAbsent ? 'absent' : 'present'}`, halfAbsent);
      runs[halfAbsent ? 'halfAbsent' : 'present'].push(run);
    }
  }

  console.log('\n| round | line | admitted | steps | passed over | admissions/s |\n|---|---|---|---|---|---|');
  for (let i = 0; i < rounds; i++) {
    for (const [line, run] of [
      ['all present', runs.present[i]],
      ['half absent', runs.halfAbsent[i]],
    ] as const) {
      if (run) console.log(`| ${i + 1} | ${line} | ${run.admitted} | ${run.steps} | ${run.passedOver} | ${Math.round(run.perSecond)} |`);
    }
  }
  const present = median(runs.present.map((run) => run.perSecond));
  const halfAbsent = median(runs.halfAbsent.map((run) => run.perSecond));
  console.log(
    `\nadmissions/s, median of ${rounds} rounds: all present ${Math.round(present)}, half absent ${Math.round(halfAbsent)}; ` +
      `half absent/all present ${(halfAbsent / present).toFixed(2)} (each absent shopper is passed over once, then not looked at again)`,
  );
}

async function admitEveryone(redisUrl: string, saleId: string, halfAbsent: boolean): Promise<Run> {
  const client = createRedisClient(redisUrl);
  await connectRedis(client, 5_000);
  const store = new RedisStore(client, saleId, { presence: { graceMs: GRACE_MS, idleTimeoutMs: 600_000 } });
  try {
    const now = Date.now();
    await store.initSale(
      { saleId, stock: WAITING, startsAt: now - 1_000, endsAt: now + 3_600_000, queueOpensAt: 0 },
      { prequeueOrder: 'fifo', ratePerMinute: 60_000_000, maxActive: null, overbook: 1, challengeMaxNumber: 0 },
    );
    await store.updateAdmissionControl({ paused: true });
    const users = Array.from({ length: WAITING }, (_, i) => `shopper-${i}`);
    for (let start = 0; start < users.length; start += 1_000) {
      await Promise.all(users.slice(start, start + 1_000).map((userId) => store.queueState(userId, 'join')));
    }
    // Every lease runs out; then the present ones renew theirs, as their sockets' instances would.
    await sleep(GRACE_MS + 100);
    const present = halfAbsent ? users.filter((_, i) => i % 2 === 0) : users;
    for (let start = 0; start < present.length; start += 5_000) await store.renewPresence(present.slice(start, start + 5_000));
    await store.updateAdmissionControl({ paused: false });
    // A full bucket: a second's worth at a million a second, far above what the steps can take.
    await sleep(1_000);

    let admitted = 0;
    let steps = 0;
    let passedOver = 0;
    const started = process.hrtime.bigint();
    while (admitted < present.length) {
      const batch = await store.admit(TTL_MS, MAX_BATCH);
      admitted += batch.admitted.length;
      passedOver += batch.passedOver;
      steps += 1;
      if (steps > 10 * WAITING) throw new Error('the admission step stopped making progress');
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    return { admitted, steps, passedOver, perSecond: admitted / seconds };
  } finally {
    await store.close();
  }
}
