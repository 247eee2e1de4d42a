import type { Order } from '../../sale/purchase';
import type { Clock } from '../sale-store';
import type { LedgerStats, LoggedOrder, OrderLog } from '../order-log';

/** The embedded sale's order stream, as the Redis Stream: every order, in order. */
export class OrderStream {
  readonly entries: LoggedOrder[] = [];
  /** How many of `entries` writers have taken. */
  delivered = 0;
  /** Taken but not acknowledged: entryId → when it was taken. */
  readonly unacknowledged = new Map<string, { order: LoggedOrder; takenAt: number }>();
  /** null until a ledger writer prepares the log. */
  ledger: { written: number; lastWriteAt: number | null } | null = null;

  /** Called in the same step that records the sale, as purchase-6.lua's XADD. */
  append(order: Order): void {
    this.entries.push({ ...order, entryId: String(this.entries.length + 1) });
  }
}

/**
 * The embedded twin of the Redis order log, for a ledger beside the embedded store. It reads the
 * sale's stream through `stream()` so that it always sees the sale the store holds now.
 */
export class MemoryOrderLog implements OrderLog {
  constructor(
    private readonly stream: () => OrderStream,
    private readonly clock: Clock,
  ) {}

  async prepare(): Promise<void> {
    this.stream().ledger ??= { written: 0, lastWriteAt: null };
  }

  async readNew(_consumer: string, count: number, blockMs: number): Promise<LoggedOrder[]> {
    if (this.stream().delivered >= this.stream().entries.length) {
      await new Promise((resolve) => setTimeout(resolve, Math.min(blockMs, 100)));
    }
    const stream = this.stream();
    const orders = stream.entries.slice(stream.delivered, stream.delivered + count);
    stream.delivered += orders.length;
    return this.take(orders);
  }

  async claimStale(_consumer: string, minIdleMs: number, count: number): Promise<LoggedOrder[]> {
    const staleBefore = this.clock() - minIdleMs;
    const stale = [...this.stream().unacknowledged.values()].filter((entry) => entry.takenAt <= staleBefore);
    return this.take(stale.slice(0, count).map((entry) => entry.order));
  }

  async acknowledge(entryIds: string[], inserted: number): Promise<void> {
    const stream = this.stream();
    for (const entryId of entryIds) stream.unacknowledged.delete(entryId);
    stream.ledger = { written: (stream.ledger?.written ?? 0) + inserted, lastWriteAt: this.clock() };
  }

  /** One page holds everything: the embedded sale is small. */
  async scanOrders(): Promise<{ cursor: string; orders: Order[] }> {
    return { cursor: '0', orders: this.stream().entries.map(({ orderId, userId, purchasedAt }) => ({ orderId, userId, purchasedAt })) };
  }

  async settledBefore(): Promise<number> {
    const { entries, delivered, unacknowledged } = this.stream();
    const outstanding = [...unacknowledged.values()].map(({ order }) => order.purchasedAt);
    const undelivered = entries[delivered];
    if (undelivered) outstanding.push(undelivered.purchasedAt);
    return Math.min(this.clock(), ...outstanding);
  }

  async ordersBetween(fromMs: number, toMs: number, offset: number, count: number): Promise<Order[]> {
    return this.stream()
      .entries.filter((order) => order.purchasedAt >= fromMs && order.purchasedAt < toMs)
      .slice(offset, offset + count)
      .map(({ orderId, userId, purchasedAt }) => ({ orderId, userId, purchasedAt }));
  }

  async stats(): Promise<LedgerStats | null> {
    const { entries, delivered, unacknowledged, ledger } = this.stream();
    return ledger && { ...ledger, pending: entries.length - delivered + unacknowledged.size };
  }

  async close(): Promise<void> {}

  private take(orders: LoggedOrder[]): LoggedOrder[] {
    const takenAt = this.clock();
    for (const order of orders) this.stream().unacknowledged.set(order.entryId, { order, takenAt });
    return orders;
  }
}
