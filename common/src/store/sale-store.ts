import type { SaleDefinition } from '../config';
import type { Order, PurchaseOutcome, PurchaseRequest } from '../sale/purchase';
import type { SaleChange, SaleChangeRefusal } from '../sale/sale-change';
import type { InitialAdmission } from './queue-store';
import type { OrderLog } from './order-log';

/** A sale as the store holds it, read at one instant of the store's clock. */
export interface SaleSnapshot {
  saleId: string;
  stock: number;
  remaining: number;
  startsAt: number;
  endsAt: number;
  queueOpensAt: number;
  /** The store's clock (Redis TIME for Redis), in epoch ms: the one clock every instance agrees on. */
  now: number;
}

/**
 * The one storage interface of the sale. Both services use it: checkout for purchases, the
 * waiting room for the sale and (as it grows) the queue. Implementations: RedisStore, for any
 * number of instances, and MemoryStore, embedded and single-process. One contract suite
 * (tests/contract) proves they behave the same.
 *
 * Methods throw StoreUnavailableError when the backing service cannot be reached; that is a
 * fault (503), not an outcome.
 */
export interface SaleStore {
  /**
   * Creates the sale if it does not exist yet and returns the sale as stored. The first instance
   * to start defines the sale; later ones adopt it, so a restart never resets the stock. The
   * admission settings are likewise set only where unset, so an operator's changes survive.
   * A process that does not admit (a checkout instance) passes null and leaves them to the
   * waiting room, whichever of the two starts first.
   */
  initSale(definition: SaleDefinition, admission: InitialAdmission | null): Promise<SaleSnapshot>;
  getSale(): Promise<SaleSnapshot>;
  /**
   * The operator moves the start, the end or the stock, by decideSaleChange()'s rules, atomically
   * against purchases and the clock; a refusal changes nothing.
   */
  changeSale(change: SaleChange): Promise<{ ok: true; sale: SaleSnapshot } | { ok: false; refusal: SaleChangeRefusal }>;
  /** One atomic step: window, token expiry, one per user, stock, then the order is recorded. */
  purchase(request: PurchaseRequest): Promise<PurchaseOutcome>;
  getOrder(userId: string): Promise<Order | null>;
  /** The log of its orders that feeds the ledger; each call opens its own reader. */
  orderLog(): OrderLog;
  /** Resolves when the store answers; used by readiness. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** A clock in epoch ms. Stores take one so tests can stand at any instant. */
export type Clock = () => number;
