import type { KeyObject } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { Client } from 'pg';
import { createAdmissionTokenVerifier, saleKeys, verificationKeys, type QueueAdmittedEvent } from '@flashsale/common';

/**
 * The six invariants of the SPEC, checked from the outside after a load run: what the shoppers
 * were told (their logs), what Redis holds, and what the ledger holds. Used by the stress test in
 * CI and by `npm run perf` after every artillery scenario.
 */

/** What one shopper saw during a run, as the load generator recorded it. */
export interface ShopperLog {
  userId: string;
  /**
   * When the join was sent and when its answer came, on one clock shared by every shopper of the
   * run (performance.now() of one process, or epoch ms). Absent for shoppers who never joined.
   */
  joinSentAt?: number;
  joinAnsweredAt?: number;
  /** Every admission the shopper was handed (by a push, a join or a look-up), as the wire carries it. */
  admissions: QueueAdmittedEvent[];
  /** Every purchase answer: its status, and the order id a 201 or 409 carried. */
  purchases: Array<{ status: number; orderId?: string }>;
  /** False for a shopper who went away while waiting: the fairness rule only protects the present. */
  present?: boolean;
}

export interface AuditInput {
  redisUrl: string;
  saleId: string;
  /** The ledger; null where the run had none (durability is then checked in Redis only). */
  databaseUrl: string | null;
  /** The public key(s) that verify admission tokens. */
  publicKeys: KeyObject[];
  shoppers: ShopperLog[];
  /** Check that admission followed join order (runs where everyone joined after the start and stayed). */
  fairness: boolean;
  /** How long the ledger may take to hold every 201 (SPEC: 5 s). */
  ledgerWaitMs?: number;
}

export interface InvariantCheck {
  invariant: number;
  name: string;
  ok: boolean;
  /** What was counted, or the first violations found. */
  detail: string;
}

export interface AuditReport {
  ok: boolean;
  checks: InvariantCheck[];
  figures: { stock: number; remaining: number; orders: number; answered201: number; ledgerRows: number | null; shoppers: number };
}

interface StoredOrder {
  userId: string;
  orderId: string;
  purchasedAt: number;
}

interface LedgerRow {
  orderId: string;
  userId: string;
  purchasedAt: number;
}

/** Reads the sale as Redis holds it, then the ledger, and checks every invariant. */
export async function auditSale(input: AuditInput): Promise<AuditReport> {
  const keys = saleKeys(input.saleId);
  const redis = new Redis(input.redisUrl, { maxRetriesPerRequest: 1, lazyConnect: true });
  await redis.connect();
  let sale: Record<string, string>;
  let orders: StoredOrder[];
  try {
    sale = await redis.hgetall(keys.sale);
    const records = await redis.hgetall(keys.orders);
    orders = Object.entries(records).map(([userId, record]) => {
      const [orderId = '', purchasedAt = 'NaN'] = record.split('|');
      return { userId, orderId, purchasedAt: Number(purchasedAt) };
    });
  } finally {
    redis.disconnect();
  }
  if (sale.stock === undefined) throw new Error(`sale ${input.saleId} is not in Redis`);

  const answered = answered201(input.shoppers);
  const ledger =
    input.databaseUrl === null
      ? null
      : await readLedger(
          input.databaseUrl,
          input.saleId,
          answered.map((order) => order.orderId),
          input.ledgerWaitMs ?? 5_000,
        );
  return checkInvariants({
    stock: Number(sale.stock),
    remaining: Number(sale.remaining),
    startsAt: Number(sale.startsAt),
    endsAt: Number(sale.endsAt),
    orders,
    ledger,
    input,
  });
}

export interface SaleFacts {
  stock: number;
  remaining: number;
  startsAt: number;
  endsAt: number;
  orders: StoredOrder[];
  ledger: LedgerRow[] | null;
  input: Pick<AuditInput, 'saleId' | 'publicKeys' | 'shoppers' | 'fairness'>;
}

/** The checks themselves, on facts already read: pure, so the negative controls can feed them broken facts. */
export function checkInvariants(facts: SaleFacts): AuditReport {
  const { stock, remaining, startsAt, endsAt, orders, ledger, input } = facts;
  const answered = answered201(input.shoppers);
  const checks: InvariantCheck[] = [];
  const check = (invariant: number, name: string, problems: string[], counted: string) =>
    checks.push({
      invariant,
      name,
      ok: problems.length === 0,
      detail: problems.length === 0 ? counted : `${problems.length} violation(s): ${problems.slice(0, 5).join('; ')}`,
    });

  // 1. No oversell.
  const oversell: string[] = [];
  if (remaining < 0) oversell.push(`remaining is ${remaining}`);
  if (orders.length !== stock - remaining) oversell.push(`${orders.length} orders but stock − remaining = ${stock - remaining}`);
  if (answered.length > stock) oversell.push(`${answered.length} answers 201 for ${stock} units`);
  if (ledger && ledger.length > stock) oversell.push(`${ledger.length} ledger rows for ${stock} units`);
  check(1, 'no oversell', oversell, `${orders.length} orders = ${stock} − ${remaining}; ${answered.length} answered 201`);

  // 2. One per user.
  const twice: string[] = [];
  const orderOf = new Map(orders.map((order) => [order.userId, order]));
  const seen = new Map<string, string>();
  for (const { userId, orderId } of answered) {
    const earlier = seen.get(userId);
    if (earlier !== undefined) twice.push(`${userId} answered 201 twice (${earlier}, ${orderId})`);
    seen.set(userId, orderId);
  }
  for (const shopper of input.shoppers) {
    const ids = new Set(shopper.purchases.flatMap((p) => (p.orderId && (p.status === 201 || p.status === 409) ? [p.orderId] : [])));
    if (ids.size > 1) twice.push(`${shopper.userId} was told of ${ids.size} different orders`);
    const stored = orderOf.get(shopper.userId);
    for (const id of ids)
      if (stored && stored.orderId !== id) twice.push(`${shopper.userId} was told ${id}, Redis holds ${stored.orderId}`);
  }
  if (ledger) {
    const users = new Map<string, number>();
    for (const row of ledger) users.set(row.userId, (users.get(row.userId) ?? 0) + 1);
    for (const [userId, count] of users) if (count > 1) twice.push(`${userId} has ${count} ledger rows`);
  }
  check(2, 'one per user', twice, `${seen.size} buyers, each with one order`);

  // 3. The window.
  const outside = [...orders, ...(ledger ?? [])]
    .filter((order) => !(order.purchasedAt >= startsAt && order.purchasedAt < endsAt))
    .map((order) => `${order.userId} at ${new Date(order.purchasedAt).toISOString()}`);
  check(3, 'inside the window', outside, `every order in [${new Date(startsAt).toISOString()}, ${new Date(endsAt).toISOString()})`);

  // 4. An admission token for that user and sale, valid at the moment of purchase.
  const verify = createAdmissionTokenVerifier(verificationKeys({ privateKey: null, publicKeys: input.publicKeys }), input.saleId);
  const admissionsOf = new Map(input.shoppers.map((shopper) => [shopper.userId, shopper.admissions]));
  const unadmitted: string[] = [];
  for (const order of orders) {
    const valid = (admissionsOf.get(order.userId) ?? []).some(({ admissionToken }) => {
      const verification = verify(admissionToken, order.purchasedAt);
      return verification.ok && verification.claims.sub === order.userId;
    });
    if (!valid) unadmitted.push(`${order.userId} bought at ${order.purchasedAt} without a valid admission token`);
  }
  check(4, 'admitted', unadmitted, `all ${orders.length} orders held a valid, unexpired admission token`);

  // 5. Durability: every 201 is an order in Redis and in the ledger.
  const lost: string[] = [];
  const ledgerIds = ledger && new Map(ledger.map((row) => [row.orderId, row.userId]));
  for (const { userId, orderId } of answered) {
    if (orderOf.get(userId)?.orderId !== orderId) lost.push(`${orderId} (${userId}) is not in Redis`);
    if (ledgerIds && ledgerIds.get(orderId) !== userId) lost.push(`${orderId} (${userId}) is not in the ledger`);
  }
  check(5, 'durable', lost, `all ${answered.length} answered 201 are in Redis${ledger ? ' and the ledger' : ''}`);

  // 6. Fairness: nobody admitted before a present shopper who stood ahead.
  if (input.fairness) {
    const unfair = fairnessViolations(input.shoppers);
    check(6, 'fair', unfair, 'admission followed join order');
  }

  return {
    ok: checks.every((c) => c.ok),
    checks,
    figures: {
      stock,
      remaining,
      orders: orders.length,
      answered201: answered.length,
      ledgerRows: ledger?.length ?? null,
      shoppers: input.shoppers.length,
    },
  };
}

/** Every 201 the shoppers were answered, with its order id. */
function answered201(shoppers: ShopperLog[]): Array<{ userId: string; orderId: string }> {
  return shoppers.flatMap((shopper) =>
    shopper.purchases.filter((p) => p.status === 201).map((p) => ({ userId: shopper.userId, orderId: p.orderId ?? '' })),
  );
}

/**
 * A stood ahead of B when A's join was answered before B's was sent (so A's score is lower).
 * An admission's `expiresAt` (ms, the admitting step's clock plus the lifetime) orders the
 * admissions. B admitted while A, present and ahead, was admitted later or never, is a violation.
 * One sweep, O(n log n).
 */
function fairnessViolations(shoppers: ShopperLog[]): string[] {
  const timed = shoppers
    .filter((s) => s.present !== false && s.joinSentAt !== undefined && s.joinAnsweredAt !== undefined)
    .map((s) => ({
      userId: s.userId,
      sentAt: s.joinSentAt as number,
      answeredAt: s.joinAnsweredAt as number,
      admittedAt: Math.min(Infinity, ...s.admissions.map((admission) => admission.expiresAt)),
    }));
  const byAnswer = [...timed].sort((a, b) => a.answeredAt - b.answeredAt);
  const bySent = [...timed].sort((a, b) => a.sentAt - b.sentAt);
  const violations: string[] = [];
  let next = 0;
  let latestAhead = { admittedAt: -Infinity, userId: '' };
  for (const shopper of bySent) {
    while (next < byAnswer.length && (byAnswer[next] as (typeof timed)[number]).answeredAt < shopper.sentAt) {
      const ahead = byAnswer[next] as (typeof timed)[number];
      if (ahead.admittedAt > latestAhead.admittedAt) latestAhead = ahead;
      next += 1;
    }
    if (shopper.admittedAt !== Infinity && latestAhead.admittedAt > shopper.admittedAt) {
      const when = latestAhead.admittedAt === Infinity ? 'never' : 'later';
      violations.push(`${shopper.userId} admitted while ${latestAhead.userId}, ahead of them, was admitted ${when}`);
    }
  }
  return violations;
}

/** The sale's ledger rows, waiting up to `waitMs` for every order answered 201 to arrive. */
async function readLedger(databaseUrl: string, saleId: string, expected: string[], waitMs: number): Promise<LedgerRow[]> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const deadline = Date.now() + waitMs;
    for (;;) {
      const { rows } = await client.query<{ order_id: string; user_id: string; purchased_at: Date }>(
        'select order_id, user_id, purchased_at from orders where sale_id = $1',
        [saleId],
      );
      const ledger = rows.map((row) => ({ orderId: row.order_id, userId: row.user_id, purchasedAt: row.purchased_at.getTime() }));
      const held = new Set(ledger.map((row) => row.orderId));
      if (expected.every((id) => held.has(id)) || Date.now() > deadline) return ledger;
      await sleep(200);
    }
  } finally {
    await client.end();
  }
}

/** The audit as lines for a terminal or a markdown report. */
export function formatAudit(report: AuditReport): string {
  const lines = report.checks.map((c) => `| ${c.invariant} | ${c.name} | ${c.ok ? 'holds' : '**VIOLATED**'} | ${c.detail} |`);
  return ['| # | invariant | result | detail |', '|---|---|---|---|', ...lines].join('\n');
}
