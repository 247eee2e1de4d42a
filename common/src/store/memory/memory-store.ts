import type { SaleDefinition } from '../../config';
import { activeAdmissionCap, admissionsToGrant, refillBucket, type AdmissionBucket, type AdmissionControl } from '../../queue/admission';
import { PREQUEUE_BAND, SOCKET_REPORT_MAX_AGE_MS, type AdmissionBatch, type QueueState, type SaleCounters } from '../../queue/queue-state';
import { decidePurchase, type Order, type PurchaseOutcome, type PurchaseRequest } from '../../sale/purchase';
import type { LedgerStats, LoggedOrder, OrderLog } from '../order-log';
import type { InitialAdmission, PrequeueSettlement, QueueStore } from '../queue-store';
import type { Clock, SaleSnapshot, SaleStore } from '../sale-store';

interface MemorySale {
  definition: SaleDefinition;
  remaining: number;
  orders: Map<string, Order>;
  /** userId → queue score, and the waiting shoppers sorted by score (kept sorted: joins append). */
  scores: Map<string, number>;
  line: string[];
  joinSeq: number;
  /** userId → admission expiry (epoch ms). */
  active: Map<string, number>;
  admissionTokens: Map<string, string>;
  control: AdmissionControl;
  bucket: AdmissionBucket;
  prequeueSettled: boolean;
  admittedTotal: number;
  expiredTotal: number;
  departures: number;
  outcomes: Map<string, number>;
  /** instanceId → sockets and when they were reported. */
  socketReports: Map<string, { sockets: number; at: number }>;
  /** The order log, as the Redis Stream: every order, in order; `delivered` of them taken by writers. */
  log: LoggedOrder[];
  delivered: number;
  /** Taken but not acknowledged: entryId → when it was taken. */
  unacknowledged: Map<string, { order: LoggedOrder; takenAt: number }>;
  ledger: { written: number; lastWriteAt: number | null } | null;
}

/**
 * The embedded store: the whole sale in this process's memory, so `npm start` needs nothing but
 * Node.js. Single-process by design: two processes with a MemoryStore are two different sales.
 * Each method runs to completion without awaiting in between, which makes it as atomic as a Lua
 * script. Nothing survives a restart; durable sales use RedisStore.
 */
export class MemoryStore implements SaleStore, QueueStore {
  private sale: MemorySale | null = null;

  constructor(
    private readonly saleId: string,
    private readonly clock: Clock = Date.now,
  ) {}

  async initSale(definition: SaleDefinition, admission: InitialAdmission): Promise<SaleSnapshot> {
    if (definition.saleId !== this.saleId) throw new Error(`this store holds sale ${this.saleId}, not ${definition.saleId}`);
    const { ratePerMinute, maxActive, overbook, prequeueOrder } = admission;
    this.sale ??= {
      definition: { ...definition },
      remaining: definition.stock,
      orders: new Map(),
      scores: new Map(),
      line: [],
      joinSeq: 0,
      active: new Map(),
      admissionTokens: new Map(),
      control: { ratePerMinute, paused: false, maxActive, overbook },
      bucket: { allowance: 0, updatedAt: this.clock() },
      prequeueSettled: prequeueOrder === 'fifo',
      admittedTotal: 0,
      expiredTotal: 0,
      departures: 0,
      outcomes: new Map(),
      socketReports: new Map(),
      log: [],
      delivered: 0,
      unacknowledged: new Map(),
      ledger: null,
    };
    return this.getSale();
  }

  async getSale(): Promise<SaleSnapshot> {
    const { definition, remaining } = this.requireSale();
    return { ...definition, remaining, now: this.clock() };
  }

  async purchase(request: PurchaseRequest): Promise<PurchaseOutcome> {
    const sale = this.requireSale();
    const outcome = decidePurchase(
      { window: sale.definition, remaining: sale.remaining, existingOrder: sale.orders.get(request.userId) ?? null },
      request,
      this.clock(),
    );
    sale.outcomes.set(outcome.kind, (sale.outcomes.get(outcome.kind) ?? 0) + 1);
    if (outcome.kind === 'purchased') {
      sale.remaining -= 1;
      sale.orders.set(outcome.order.userId, outcome.order);
      sale.log.push({ ...outcome.order, entryId: String(sale.log.length + 1) });
      sale.active.delete(request.userId);
      sale.admissionTokens.delete(request.userId);
    }
    return outcome;
  }

  async getOrder(userId: string): Promise<Order | null> {
    return this.requireSale().orders.get(userId) ?? null;
  }

  async queueState(userId: string, mode: 'join' | 'peek'): Promise<QueueState> {
    const sale = this.requireSale();
    const now = this.clock();
    const order = sale.orders.get(userId);
    if (order) return { kind: 'purchased', order };
    if (sale.remaining <= 0) return { kind: 'sold_out' };
    if (now >= sale.definition.endsAt) return { kind: 'sale_ended' };

    const expiresAt = sale.active.get(userId);
    if (expiresAt !== undefined) {
      if (expiresAt > now) return { kind: 'admitted', expiresAt, admissionToken: sale.admissionTokens.get(userId) ?? null };
      this.expire(sale, [userId]);
    }
    if (!sale.scores.has(userId)) {
      if (mode !== 'join') return { kind: 'not_queued' };
      if (now < sale.definition.queueOpensAt) return { kind: 'queue_not_open' };
      sale.joinSeq += 1;
      sale.scores.set(userId, now >= sale.definition.startsAt ? PREQUEUE_BAND + sale.joinSeq : sale.joinSeq);
      sale.line.push(userId);
    }
    return { kind: 'waiting', position: this.rank(sale, userId) + 1, waiting: sale.line.length };
  }

  async leave(userId: string): Promise<boolean> {
    const sale = this.requireSale();
    const waited = sale.scores.has(userId);
    if (waited) {
      sale.line.splice(this.rank(sale, userId), 1);
      sale.scores.delete(userId);
      sale.departures += 1;
    }
    const held = sale.active.delete(userId);
    sale.admissionTokens.delete(userId);
    return waited || held;
  }

  async admit(tokenTtlMs: number, maxBatch: number): Promise<AdmissionBatch> {
    const sale = this.requireSale();
    const now = this.clock();
    const expired = [...sale.active].filter(([, expiresAt]) => expiresAt <= now).map(([userId]) => userId);
    this.expire(sale, expired);
    const result = (admitted: AdmissionBatch['admitted'] = [], awaitingShuffle = false): AdmissionBatch => ({
      admitted,
      expired,
      awaitingShuffle,
    });

    const { startsAt, endsAt } = sale.definition;
    if (now < startsAt || now >= endsAt || sale.remaining <= 0) return result();
    if (!sale.prequeueSettled) return result([], true);
    sale.bucket = refillBucket(sale.bucket, sale.control, now);
    if (sale.control.paused) return result();

    const cap = activeAdmissionCap(sale.control, sale.remaining);
    const grant = Math.min(admissionsToGrant(sale.bucket.allowance, cap, sale.active.size, sale.line.length), maxBatch);
    const admitted = sale.line.splice(0, Math.max(0, grant)).map((userId) => {
      sale.scores.delete(userId);
      sale.active.set(userId, now + tokenTtlMs);
      return { userId, expiresAt: now + tokenTtlMs };
    });
    sale.bucket = { allowance: sale.bucket.allowance - admitted.length, updatedAt: now };
    sale.admittedTotal += admitted.length;
    sale.departures += admitted.length;
    return result(admitted);
  }

  async prequeueMembers(): Promise<string[]> {
    const sale = this.requireSale();
    return sale.line.filter((userId) => (sale.scores.get(userId) ?? PREQUEUE_BAND) < PREQUEUE_BAND);
  }

  async settlePrequeue(order: string[]): Promise<PrequeueSettlement> {
    const sale = this.requireSale();
    if (sale.prequeueSettled) return 'already_settled';
    if (this.clock() < sale.definition.startsAt) return 'not_started';
    order.forEach((userId, index) => {
      if (sale.scores.has(userId)) sale.scores.set(userId, index + 1);
    });
    sale.line.sort((a, b) => (sale.scores.get(a) ?? 0) - (sale.scores.get(b) ?? 0));
    sale.prequeueSettled = true;
    sale.departures += 1;
    return 'settled';
  }

  async recordAdmissionToken(userId: string, token: string): Promise<boolean> {
    const sale = this.requireSale();
    if (!sale.active.has(userId)) return false;
    sale.admissionTokens.set(userId, token);
    return true;
  }

  async getAdmissionControl(): Promise<AdmissionControl> {
    return { ...this.requireSale().control };
  }

  async updateAdmissionControl(change: Partial<AdmissionControl>): Promise<AdmissionControl> {
    const sale = this.requireSale();
    // Settle the bucket under the old settings first, as updateAdmission-1.lua does.
    sale.bucket = refillBucket(sale.bucket, sale.control, this.clock());
    sale.control = { ...sale.control, ...change };
    return { ...sale.control };
  }

  async saleCounters(): Promise<SaleCounters> {
    const sale = this.requireSale();
    const now = this.clock();
    let connectedSockets = 0;
    for (const report of sale.socketReports.values()) {
      if (report.at >= now - SOCKET_REPORT_MAX_AGE_MS) connectedSockets += report.sockets;
    }
    return {
      now,
      waiting: sale.line.length,
      activeAdmissions: sale.active.size,
      admittedTotal: sale.admittedTotal,
      expiredAdmissions: sale.expiredTotal,
      departures: sale.departures,
      connectedSockets,
      stock: sale.definition.stock,
      remaining: sale.remaining,
      outcomes: Object.fromEntries(sale.outcomes),
    };
  }

  async queuePositions(userIds: string[]): Promise<number[]> {
    const sale = this.requireSale();
    return userIds.map((userId) => (sale.scores.has(userId) ? this.rank(sale, userId) + 1 : 0));
  }

  async reportSockets(instanceId: string, sockets: number): Promise<void> {
    this.requireSale().socketReports.set(instanceId, { sockets, at: this.clock() });
  }

  /** The embedded twin of the Redis order stream, for a ledger beside the embedded store. */
  orderLog(): OrderLog {
    const sale = () => this.requireSale();
    const clock = this.clock;
    const take = (orders: LoggedOrder[]) => {
      for (const order of orders) sale().unacknowledged.set(order.entryId, { order, takenAt: clock() });
      return orders;
    };
    return {
      async prepare() {
        sale().ledger ??= { written: 0, lastWriteAt: null };
      },
      async readNew(_consumer, count, blockMs) {
        if (sale().delivered >= sale().log.length) await new Promise((resolve) => setTimeout(resolve, Math.min(blockMs, 100)));
        const { log, delivered } = sale();
        const orders = log.slice(delivered, delivered + count);
        sale().delivered += orders.length;
        return take(orders);
      },
      async claimStale(_consumer, minIdleMs, count) {
        const stale = [...sale().unacknowledged.values()].filter((entry) => entry.takenAt <= clock() - minIdleMs);
        return take(stale.slice(0, count).map((entry) => entry.order));
      },
      async acknowledge(entryIds, inserted) {
        for (const entryId of entryIds) sale().unacknowledged.delete(entryId);
        sale().ledger = { written: (sale().ledger?.written ?? 0) + inserted, lastWriteAt: clock() };
      },
      scanOrders: async () => ({ cursor: '0', orders: [...sale().orders.values()] }),
      stats: async (): Promise<LedgerStats | null> => {
        const { log, delivered, unacknowledged, ledger } = sale();
        return ledger && { ...ledger, pending: log.length - delivered + unacknowledged.size };
      },
      close: async () => undefined,
    };
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {}

  private expire(sale: MemorySale, userIds: string[]): void {
    for (const userId of userIds) {
      sale.active.delete(userId);
      sale.admissionTokens.delete(userId);
    }
    sale.expiredTotal += userIds.length;
  }

  /** 0-based rank of a waiting shopper, by binary search over the line (sorted by score). */
  private rank(sale: MemorySale, userId: string): number {
    const score = sale.scores.get(userId) ?? 0;
    let low = 0;
    let high = sale.line.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if ((sale.scores.get(sale.line[middle] as string) ?? 0) < score) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  private requireSale(): MemorySale {
    if (!this.sale) throw new Error('the sale has not been initialised (call initSale first)');
    return this.sale;
  }
}
