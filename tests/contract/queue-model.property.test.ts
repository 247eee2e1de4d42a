import * as fc from 'fast-check';
import type {
  AdmissionBatch,
  AdmissionControl,
  Order,
  PurchaseOutcome,
  PurchaseRequest,
  QueueState,
  QueueStore,
  SaleDefinition,
  SaleStore,
} from '@flashsale/common';
import { createSaleStore, manualClock, saleDefinition, T0, useRedisServer, type StoreKind } from '../kit';

/**
 * Model-based test of the waiting room's rules (SPEC "Admission rules" and "Invariants", README
 * "The waiting room"). Random sequences of shopper, admission and clock steps run against each
 * store and against a small model written from those rules alone, not from the stores' code.
 * After every step the store must answer as the model does, and the SPEC invariants must hold.
 */
const redisServer = useRedisServer();

const SHOPPERS = ['ann', 'bob', 'cy', 'dee', 'eve', 'fin', 'gus'];
const STOCK = 3;
const TOKEN_TTL = 60_000;
const PRESENCE = { graceMs: 30_000, idleTimeoutMs: 90_000 };
/**
 * 120 a minute is one admission per 500 ms, at most two saved up. The clock only moves in steps of
 * 125 ms, so every allowance a store holds is a multiple of 0.25, which a double and Redis's
 * 14-digit tostring keep exactly; the model itself counts in exact integers whatever the rate.
 */
const RATE_PER_MINUTE = 120;
const CLOCK_STEP = 125;
/** Model allowance units: a millisecond earns RATE_PER_MINUTE of them, so one admission is 60,000. */
const UNITS_PER_ADMISSION = 60_000;
const BUCKET_CAPACITY_UNITS = Math.max(UNITS_PER_ADMISSION, RATE_PER_MINUTE * 1000);
/** The sale starts a little after T0, so early joins form a pre-queue, and lasts four minutes. */
const SALE_WINDOW = { startsAt: T0 + 20_000, endsAt: T0 + 260_000 };
const SEED = 20_300_101;
const NUM_RUNS = 200;
const MAX_COMMANDS = 40;

/** Rules the generated sequences must reach at least once, or the test proves less than it claims. */
const COVERAGE_GOALS = [
  'join: queue_not_open',
  'join: waiting',
  'join: admitted',
  'join: purchased',
  'join: sold_out',
  'join: sale_ended',
  'peek: not_queued',
  'peek: waiting',
  'admit: admitted',
  'admit: passed over',
  'admit: timed out',
  'admit: expired',
  'admit: paused',
  'admit: held back by allowance',
  'admit: held back by active cap',
  'admit: held back by batch size',
  'purchase: purchased',
  'purchase: already_purchased',
  'purchase: sold_out',
  'purchase: sale_not_started',
  'purchase: sale_ended',
  'purchase: token_expired',
];

interface AdmissionSettings {
  maxActive: number | null;
  overbook: number;
}

interface QueueModel {
  readonly sale: SaleDefinition;
  readonly settings: AdmissionSettings;
  now: number;
  remaining: number;
  paused: boolean;
  /** Waiting shoppers, head first. With 'fifo' and a clock that only moves on, the pre-queue is just the earliest joins. */
  queue: string[];
  /** Waiting shopper → present until (epoch ms). */
  leases: Map<string, number>;
  /** Waiting shoppers the admission step still looks at: not passed over since their last renewal. */
  candidates: Set<string>;
  /** Shopper → admission expiry; an expired one stands until an admission step or a look-up clears it. */
  admissions: Map<string, number>;
  orders: Map<string, Order>;
  allowanceUnits: number;
  allowanceUpdatedAt: number;
  totals: { admitted: number; expired: number; passedOver: number; timedOut: number; departures: number };
  outcomes: Record<string, number>;
  purchaseAttempts: number;
}

function newModel(sale: SaleDefinition, settings: AdmissionSettings): QueueModel {
  return {
    sale,
    settings,
    now: T0,
    remaining: sale.stock,
    paused: false,
    queue: [],
    leases: new Map(),
    candidates: new Set(),
    admissions: new Map(),
    orders: new Map(),
    allowanceUnits: 0,
    allowanceUpdatedAt: T0,
    totals: { admitted: 0, expired: 0, passedOver: 0, timedOut: 0, departures: 0 },
    outcomes: {},
    purchaseAttempts: 0,
  };
}

const positionOf = (model: QueueModel, userId: string) => model.queue.indexOf(userId) + 1;
const isPresent = (model: QueueModel, userId: string) => (model.leases.get(userId) ?? -Infinity) > model.now;

/** A join, a look-up or a socket renews a waiting shopper's lease, and makes them a candidate again. */
function renewLease(model: QueueModel, userId: string): boolean {
  if (!model.queue.includes(userId)) return false;
  model.leases.set(userId, model.now + PRESENCE.graceMs);
  model.candidates.add(userId);
  return true;
}

function leaveQueue(model: QueueModel, userId: string): boolean {
  if (!model.queue.includes(userId)) return false;
  model.queue = model.queue.filter((waiting) => waiting !== userId);
  model.leases.delete(userId);
  model.candidates.delete(userId);
  return true;
}

/** The bucket fills by the clock from the start on, up to its capacity, and not while paused. */
function refillAllowance(model: QueueModel): void {
  const earningFrom = Math.max(model.allowanceUpdatedAt, model.sale.startsAt);
  if (!model.paused && model.now > earningFrom) {
    const earned = (model.now - earningFrom) * RATE_PER_MINUTE;
    model.allowanceUnits = Math.min(BUCKET_CAPACITY_UNITS, model.allowanceUnits + earned);
  }
  model.allowanceUpdatedAt = model.now;
}

function expectedQueueState(model: QueueModel, userId: string, mode: 'join' | 'peek'): QueueState {
  const order = model.orders.get(userId);
  if (order) return { kind: 'purchased', order };
  if (model.remaining <= 0) return { kind: 'sold_out' };
  if (model.now >= model.sale.endsAt) return { kind: 'sale_ended' };
  const expiresAt = model.admissions.get(userId);
  if (expiresAt !== undefined) {
    if (expiresAt > model.now) return { kind: 'admitted', expiresAt, admissionToken: null };
    model.admissions.delete(userId);
    model.totals.expired += 1;
  }
  if (!model.queue.includes(userId)) {
    if (mode === 'peek') return { kind: 'not_queued' };
    if (model.now < model.sale.queueOpensAt) return { kind: 'queue_not_open' };
    model.queue.push(userId);
  }
  renewLease(model, userId);
  return { kind: 'waiting', position: positionOf(model, userId), waiting: model.queue.length };
}

interface ExpectedAdmission {
  batch: AdmissionBatch;
  /** What stopped this step from admitting a present candidate who still waits, if anything did. */
  heldBackBy: 'allowance' | 'active cap' | 'batch size' | 'pause' | null;
}

function expectedAdmissionStep(model: QueueModel, maxBatch: number): ExpectedAdmission {
  const { now, sale } = model;
  const expired = [...model.admissions].filter(([, expiresAt]) => expiresAt <= now).map(([userId]) => userId);
  for (const userId of expired) model.admissions.delete(userId);
  model.totals.expired += expired.length;
  // Oldest lease first; ties by id, as a sorted set orders equal scores.
  const timedOut = [...model.leases]
    .filter(([, lease]) => lease <= now - PRESENCE.idleTimeoutMs)
    .sort(([a, leaseA], [b, leaseB]) => leaseA - leaseB || (a < b ? -1 : 1))
    .map(([userId]) => userId);
  for (const userId of timedOut) leaveQueue(model, userId);
  model.totals.timedOut += timedOut.length;
  model.totals.departures += timedOut.length;
  const batch: AdmissionBatch = { admitted: [], expired: expired.sort(), timedOut, passedOver: 0, awaitingDraw: false };

  if (now < sale.startsAt || now >= sale.endsAt || model.remaining <= 0) return { batch, heldBackBy: null };
  refillAllowance(model);
  if (model.paused) return { batch, heldBackBy: 'pause' };

  const byStock = Math.floor(model.remaining * model.settings.overbook);
  const activeCap = model.settings.maxActive === null ? byStock : Math.min(model.settings.maxActive, byStock);
  const limits = [
    ['allowance', Math.floor(model.allowanceUnits / UNITS_PER_ADMISSION)],
    ['active cap', activeCap - model.admissions.size],
    ['batch size', maxBatch],
  ] as const;
  const [binding, grant] = limits.reduce((tightest, limit) => (limit[1] < tightest[1] ? limit : tightest));
  for (const userId of [...model.queue]) {
    if (batch.admitted.length >= grant) break;
    if (!model.candidates.delete(userId)) continue;
    if (isPresent(model, userId)) {
      leaveQueue(model, userId);
      model.admissions.set(userId, now + TOKEN_TTL);
      batch.admitted.push({ userId, expiresAt: now + TOKEN_TTL });
    } else {
      batch.passedOver += 1;
    }
  }
  // Unspent allowance is kept only for present shoppers still waiting and free slots: no saving up for a burst.
  const left = model.allowanceUnits - batch.admitted.length * UNITS_PER_ADMISSION;
  const lineRanOut = batch.admitted.length < grant;
  const usable = lineRanOut ? 0 : Math.max(0, activeCap - model.admissions.size);
  model.allowanceUnits = Math.min(left, usable * UNITS_PER_ADMISSION + (left % UNITS_PER_ADMISSION));
  model.totals.admitted += batch.admitted.length;
  model.totals.departures += batch.admitted.length;
  model.totals.passedOver += batch.passedOver;
  const presentLeftWaiting = model.queue.some((userId) => model.candidates.has(userId) && isPresent(model, userId));
  return { batch, heldBackBy: presentLeftWaiting ? binding : null };
}

/** The checks in the order the purchase contract fixes (sale/purchase.ts): window, token expiry, one per user, stock. */
function expectedPurchase(model: QueueModel, request: PurchaseRequest): PurchaseOutcome {
  const decide = (): PurchaseOutcome => {
    if (model.now < model.sale.startsAt) return { kind: 'sale_not_started' };
    if (model.now >= model.sale.endsAt) return { kind: 'sale_ended' };
    if (model.now >= request.tokenExpiresAt) return { kind: 'token_expired' };
    const existing = model.orders.get(request.userId);
    if (existing) return { kind: 'already_purchased', order: existing };
    if (model.remaining <= 0) return { kind: 'sold_out' };
    return { kind: 'purchased', order: { orderId: request.orderId, userId: request.userId, purchasedAt: model.now } };
  };
  const outcome = decide();
  model.outcomes[outcome.kind] = (model.outcomes[outcome.kind] ?? 0) + 1;
  if (outcome.kind === 'purchased') {
    model.remaining -= 1;
    model.orders.set(request.userId, outcome.order);
    model.admissions.delete(request.userId);
  }
  return outcome;
}

interface SaleUnderTest {
  store: SaleStore & QueueStore;
  clock: ReturnType<typeof manualClock>;
  /** Every 'purchased' answer of this run, by shopper: what the invariants are checked on. */
  answeredOrders: Map<string, Order>;
  /** The store's positions of SHOPPERS after the last step (0: not waiting). */
  positions: number[];
  /** Shared by all runs on one store: which rules the sequences reached. */
  reached: Set<string>;
}

type QueueCommand = fc.AsyncCommand<QueueModel, SaleUnderTest>;

/** The SPEC invariants on what the store answered, then the store's whole visible state against the model. */
async function checkAfterStep(model: QueueModel, real: SaleUnderTest): Promise<void> {
  const [positions, counters] = await Promise.all([real.store.queuePositions(SHOPPERS), real.store.saleCounters()]);
  // Invariants 1 and 2: no oversell, and as many orders as distinct shoppers answered 'purchased'.
  expect(counters.remaining).toBeGreaterThanOrEqual(0);
  expect(counters.outcomes.purchased ?? 0).toBe(counters.stock - counters.remaining);
  expect(real.answeredOrders.size).toBe(counters.stock - counters.remaining);
  // A waiting shopper's position never rises (no single step can take someone out and queue them again).
  const rose = SHOPPERS.filter((_, i) => (real.positions[i] ?? 0) > 0 && (positions[i] ?? 0) > (real.positions[i] ?? 0));
  expect(rose).toEqual([]);
  real.positions = positions;

  expect(positions).toEqual(SHOPPERS.map((userId) => positionOf(model, userId)));
  const present = model.queue.filter((userId) => isPresent(model, userId)).length;
  expect(counters).toEqual({
    now: model.now,
    waiting: model.queue.length,
    inDraw: 0,
    present,
    absent: model.queue.length - present,
    passedOver: model.totals.passedOver,
    timedOut: model.totals.timedOut,
    activeAdmissions: model.admissions.size,
    admittedTotal: model.totals.admitted,
    expiredAdmissions: model.totals.expired,
    departures: model.totals.departures,
    connectedSockets: 0,
    stock: STOCK,
    remaining: model.remaining,
    window: { startsAt: model.sale.startsAt, endsAt: model.sale.endsAt, queueOpensAt: model.sale.queueOpensAt },
    outcomes: model.outcomes,
    // Joins here pass no terms: nothing is refused for a network or a challenge.
    challengesFailed: 0,
    placesRefused: 0,
  });
}

class QueueStateCommand implements QueueCommand {
  constructor(
    readonly userId: string,
    readonly mode: 'join' | 'peek',
  ) {}
  check = () => true;
  async run(model: QueueModel, real: SaleUnderTest): Promise<void> {
    const expected = expectedQueueState(model, this.userId, this.mode);
    expect(await real.store.queueState(this.userId, this.mode)).toEqual(expected);
    real.reached.add(`${this.mode}: ${expected.kind}`);
    await checkAfterStep(model, real);
  }
  toString = () => `${this.mode}(${this.userId})`;
}

class LeaveCommand implements QueueCommand {
  constructor(readonly userId: string) {}
  check = () => true;
  async run(model: QueueModel, real: SaleUnderTest): Promise<void> {
    const waited = leaveQueue(model, this.userId);
    if (waited) model.totals.departures += 1;
    const heldAdmission = model.admissions.delete(this.userId);
    expect(await real.store.leave(this.userId)).toBe(waited || heldAdmission);
    await checkAfterStep(model, real);
  }
  toString = () => `leave(${this.userId})`;
}

class RenewPresenceCommand implements QueueCommand {
  constructor(readonly userIds: string[]) {}
  check = () => true;
  async run(model: QueueModel, real: SaleUnderTest): Promise<void> {
    const renewed = this.userIds.filter((userId) => renewLease(model, userId)).length;
    expect(await real.store.renewPresence(this.userIds)).toBe(renewed);
    await checkAfterStep(model, real);
  }
  toString = () => `renew(${this.userIds.join(',')})`;
}

class AdmissionStepCommand implements QueueCommand {
  constructor(readonly maxBatch: number) {}
  check = () => true;
  async run(model: QueueModel, real: SaleUnderTest): Promise<void> {
    const placesBefore = real.positions;
    const expected = expectedAdmissionStep(model, this.maxBatch);
    const batch = await real.store.admit(TOKEN_TTL, this.maxBatch);
    const placesAfter = await real.store.queuePositions(SHOPPERS);

    // SPEC invariant 6, on the store's own places: nobody jumps a present shopper still waiting.
    const placeBefore = (userId: string) => placesBefore[SHOPPERS.indexOf(userId)] ?? 0;
    const stillWaitingPresent = SHOPPERS.filter((userId, i) => (placesAfter[i] ?? 0) > 0 && isPresent(model, userId));
    for (const { userId } of batch.admitted) {
      expect(placeBefore(userId)).toBeGreaterThan(0);
      expect(stillWaitingPresent.filter((waiting) => placeBefore(waiting) < placeBefore(userId))).toEqual([]);
    }

    expect({ ...batch, expired: [...batch.expired].sort() }).toEqual(expected.batch);
    if (batch.admitted.length > 0) real.reached.add('admit: admitted');
    if (batch.passedOver > 0) real.reached.add('admit: passed over');
    if (batch.timedOut.length > 0) real.reached.add('admit: timed out');
    if (batch.expired.length > 0) real.reached.add('admit: expired');
    if (expected.heldBackBy === 'pause') real.reached.add('admit: paused');
    else if (expected.heldBackBy) real.reached.add(`admit: held back by ${expected.heldBackBy}`);
    await checkAfterStep(model, real);
  }
  toString = () => `admit(maxBatch ${this.maxBatch})`;
}

/** One purchase attempt, as checkout makes it, with the invariants 2 and 3 checked on the store's answer. */
async function purchaseAndCheck(model: QueueModel, real: SaleUnderTest, userId: string, tokenExpiresAt: number): Promise<void> {
  model.purchaseAttempts += 1;
  const request = { userId, orderId: `order-${model.purchaseAttempts}`, tokenExpiresAt };
  const expected = expectedPurchase(model, request);
  const outcome = await real.store.purchase(request);
  if (outcome.kind === 'purchased') {
    expect(real.answeredOrders.get(userId)).toBeUndefined();
    expect(outcome.order.purchasedAt).toBeGreaterThanOrEqual(model.sale.startsAt);
    expect(outcome.order.purchasedAt).toBeLessThan(model.sale.endsAt);
    real.answeredOrders.set(userId, outcome.order);
  }
  expect(outcome).toEqual(expected);
  real.reached.add(`purchase: ${outcome.kind}`);
  await checkAfterStep(model, real);
}

/** Any shopper buys: with their admission's expiry if they hold one, else with a made-up token (the store checks none). */
class PurchaseCommand implements QueueCommand {
  constructor(
    readonly userId: string,
    readonly madeUpTokenLifetime: number,
  ) {}
  check = () => true;
  async run(model: QueueModel, real: SaleUnderTest): Promise<void> {
    const tokenExpiresAt = model.admissions.get(this.userId) ?? model.now + this.madeUpTokenLifetime;
    await purchaseAndCheck(model, real, this.userId, tokenExpiresAt);
  }
  toString = () => `purchase(${this.userId}, made-up token lifetime ${this.madeUpTokenLifetime})`;
}

/** The usual path: one of the shoppers holding an admission buys with it (picked by index, in id order). */
class AdmittedPurchaseCommand implements QueueCommand {
  constructor(readonly pick: number) {}
  check = (model: Readonly<QueueModel>) => model.admissions.size > 0;
  async run(model: QueueModel, real: SaleUnderTest): Promise<void> {
    const holders = [...model.admissions.keys()].sort();
    const userId = holders[this.pick % holders.length] as string;
    await purchaseAndCheck(model, real, userId, model.admissions.get(userId) as number);
  }
  toString = () => `purchaseByAdmitted(#${this.pick})`;
}

class AdvanceClockCommand implements QueueCommand {
  constructor(readonly ms: number) {}
  check = () => true;
  async run(model: QueueModel, real: SaleUnderTest): Promise<void> {
    model.now += this.ms;
    real.clock.advance(this.ms);
    await checkAfterStep(model, real);
  }
  toString = () => `advance(${this.ms})`;
}

class SetPausedCommand implements QueueCommand {
  constructor(readonly paused: boolean) {}
  check = () => true;
  async run(model: QueueModel, real: SaleUnderTest): Promise<void> {
    // The allowance is settled under the old setting first, so a pause applies from now on.
    refillAllowance(model);
    model.paused = this.paused;
    const expected: AdmissionControl = { ratePerMinute: RATE_PER_MINUTE, paused: this.paused, challengeMaxNumber: 0, ...model.settings };
    expect(await real.store.updateAdmissionControl({ paused: this.paused })).toEqual(expected);
    await checkAfterStep(model, real);
  }
  toString = () => (this.paused ? 'pause()' : 'resume()');
}

const shopper = fc.constantFrom(...SHOPPERS);
/** Steps of up to a minute on the 125 ms grid, and the exact grace, token and idle boundaries. */
const clockAdvance = fc.oneof(
  fc.constantFrom(CLOCK_STEP, 2 * CLOCK_STEP, PRESENCE.graceMs, TOKEN_TTL, PRESENCE.graceMs + PRESENCE.idleTimeoutMs),
  fc.integer({ min: 1, max: 480 }).map((steps) => steps * CLOCK_STEP),
);
/** Weighted towards the steps that move the line along, so a sequence gets somewhere. */
const anyCommand: fc.Arbitrary<QueueCommand> = fc.oneof(
  { weight: 4, arbitrary: shopper.map((userId) => new QueueStateCommand(userId, 'join')) },
  { weight: 2, arbitrary: shopper.map((userId) => new QueueStateCommand(userId, 'peek')) },
  { weight: 1, arbitrary: shopper.map((userId) => new LeaveCommand(userId)) },
  { weight: 2, arbitrary: fc.subarray(SHOPPERS, { minLength: 1 }).map((userIds) => new RenewPresenceCommand(userIds)) },
  { weight: 4, arbitrary: fc.constantFrom(1, 2, 1000).map((maxBatch) => new AdmissionStepCommand(maxBatch)) },
  { weight: 2, arbitrary: fc.nat(6).map((pick) => new AdmittedPurchaseCommand(pick)) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(shopper, fc.constantFrom(0, CLOCK_STEP, TOKEN_TTL))
      .map(([userId, lifetime]) => new PurchaseCommand(userId, lifetime)),
  },
  { weight: 4, arbitrary: clockAdvance.map((ms) => new AdvanceClockCommand(ms)) },
  // Mostly resume, so that a pause does not stall the rest of the sequence.
  { weight: 1, arbitrary: fc.constantFrom(true, false, false).map((paused) => new SetPausedCommand(paused)) },
);
const admissionSettings = fc.record<AdmissionSettings>({ maxActive: fc.constantFrom(null, 1, 2), overbook: fc.constantFrom(1, 1.5) });
const sequences = fc.commands([anyCommand], { maxCommands: MAX_COMMANDS, size: 'max' });
/** Usually open from the first step; sometimes one step later, so that early joins are refused. */
const queueOpensAfter = fc.constantFrom(0, 0, 0, CLOCK_STEP);

describe.each<StoreKind>(['memory', 'redis'])('the %s store against a model of the queue rules', (kind) => {
  async function openSale(settings: AdmissionSettings, opensAfter: number, reached: Set<string>) {
    const clock = manualClock();
    // A fresh sale id per run, so runs never share state in Redis.
    const sale = saleDefinition({ stock: STOCK, ...SALE_WINDOW, queueOpensAt: T0 + opensAfter });
    const admission = { prequeueOrder: 'fifo' as const, ratePerMinute: RATE_PER_MINUTE, ...settings };
    const store = await createSaleStore(kind, sale, { redis: redisServer(), clock, admission, presence: PRESENCE });
    const real: SaleUnderTest = { store, clock, answeredOrders: new Map(), positions: SHOPPERS.map(() => 0), reached };
    return { model: newModel(sale, settings), real };
  }

  test('agrees with the model and keeps the SPEC invariants after every step of random sequences', async () => {
    const reached = new Set<string>();
    await fc.assert(
      fc.asyncProperty(admissionSettings, queueOpensAfter, sequences, async (settings, opensAfter, commands) => {
        const setup = await openSale(settings, opensAfter, reached);
        try {
          await fc.asyncModelRun(() => setup, commands);
        } finally {
          await setup.real.store.close();
        }
      }),
      { seed: SEED, numRuns: NUM_RUNS },
    );
    expect(COVERAGE_GOALS.filter((goal) => !reached.has(goal))).toEqual([]);
  }, 60_000);
});
