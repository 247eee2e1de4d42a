import type { Order } from '../sale/purchase';

/** Every order of the sale, oldest first, a page at a time: from the ledger where there is one, else the store. */
export type OrderExport = () => AsyncIterable<Order[]>;

/** One order as the log carries it to the ledger; `entryId` is its place in the log. */
export interface LoggedOrder extends Order {
  entryId: string;
}

export interface LedgerStats {
  /** Rows the ledger writers inserted (a re-delivered order counts once). */
  written: number;
  /** Orders in the log not yet acknowledged as written. */
  pending: number;
  /** When a writer last committed rows, epoch ms; null before the first. */
  lastWriteAt: number | null;
}

/**
 * The log of orders that feeds the ledger (a Redis Stream read by a consumer group, or its
 * embedded twin). Every order the store records is appended in the same atomic step as the
 * sale, so the log misses nothing the store sold; writers acknowledge an entry only after the
 * ledger committed it, so a writer that dies leaves it pending for another to claim.
 */
export interface OrderLog {
  /** Creates the consumer group if there is none yet (idempotent, safe from many writers). */
  prepare(): Promise<void>;
  /** Entries no writer has taken yet, up to `count`, waiting up to `blockMs` for some. */
  readNew(consumer: string, count: number, blockMs: number): Promise<LoggedOrder[]>;
  /** Entries taken but not acknowledged for `minIdleMs` (a writer died or failed), now ours. */
  claimStale(consumer: string, minIdleMs: number, count: number): Promise<LoggedOrder[]>;
  /** The ledger committed these entries (none, for rows reconciliation filled in), of which `inserted` were new rows. */
  acknowledge(entryIds: string[], inserted: number): Promise<void>;
  /** Every order the store holds, a page at a time from `cursor` ('0' to start; '0' back when done). */
  scanOrders(cursor: string): Promise<{ cursor: string; orders: Order[] }>;
  /**
   * The instant (store clock, epoch ms) before which every order's log entry has been
   * acknowledged, or is gone from the log: nothing purchased earlier is still on its way to the
   * ledger. The store's clock now when nothing is outstanding.
   */
  settledBefore(): Promise<number>;
  /** Orders purchased in [fromMs, toMs), oldest first, `count` from `offset`. */
  ordersBetween(fromMs: number, toMs: number, offset: number, count: number): Promise<Order[]>;
  /** The ledger's figures; null where no writer ever started (there is no ledger). */
  stats(): Promise<LedgerStats | null>;
  close(): Promise<void>;
}
