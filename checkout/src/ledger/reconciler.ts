import { setTimeout as sleep } from 'node:timers/promises';
import type { Order } from '@flashsale/common';
import { LedgerLoop } from './ledger-loop';

/** How often the orders since the last pass are compared with the ledger (and once at start). */
const RECONCILE_EVERY_MS = 2_000;
/** Orders younger than this are left to the next pass: their log entries may be being appended now. */
const SETTLE_MS = 1_000;
const PAGE = 1_000;

export interface ReconcilePass {
  /** Orders compared with the ledger in this pass. */
  examined: number;
  /** Of them, the ones the ledger lacked: their log entries were lost. */
  filled: number;
}

/**
 * The ledger's second line: an order whose log entry was lost (deleted, or never delivered for
 * any reason) still reaches the ledger. Each pass reads only the orders purchased since the last
 * one, and only those the log is done with (`settledBefore`): an order still on its way through
 * the log is the writer's, not missing. So a pass costs what changed, not every order sold, runs
 * beside the writer instead of in its loop, and warns only about orders truly missing. The first
 * pass of a process compares every order once.
 */
export class Reconciler extends LedgerLoop {
  /** Every order purchased before this has been compared; null before the first pass. */
  private reconciledTo: number | null = null;

  /** One pass now: the orders settled since the last pass, compared with the ledger. */
  async reconcile(): Promise<ReconcilePass> {
    const horizon = (await this.log.settledBefore()) - SETTLE_MS;
    const from = this.reconciledTo;
    if (from !== null && horizon <= from) return { examined: 0, filled: 0 };
    const pass = from === null ? await this.everyOrderBefore(horizon) : await this.ordersBetween(from, horizon);
    this.reconciledTo = horizon;
    if (pass.filled > 0) {
      await this.log.acknowledge([], pass.filled);
      this.logger.warn({ filled: pass.filled }, 'reconciliation wrote orders whose log entries were lost');
    }
    return pass;
  }

  protected async run(): Promise<void> {
    while (!this.stopped) {
      try {
        await this.reconcile();
      } catch (error) {
        // PostgreSQL or Redis away: the next pass covers the same orders.
        this.logger.warn({ err: (error as Error).message }, 'reconciliation will retry');
      }
      await this.pause(RECONCILE_EVERY_MS);
    }
  }

  private async ordersBetween(from: number, to: number): Promise<ReconcilePass> {
    const pass: ReconcilePass = { examined: 0, filled: 0 };
    for (let offset = 0; ; offset += PAGE) {
      const orders = await this.log.ordersBetween(from, to, offset, PAGE);
      await this.fillIn(orders, pass);
      if (orders.length < PAGE) return pass;
    }
  }

  /** The first pass: every order the store holds, of those settled. */
  private async everyOrderBefore(horizon: number): Promise<ReconcilePass> {
    const pass: ReconcilePass = { examined: 0, filled: 0 };
    let cursor = '0';
    do {
      const page = await this.log.scanOrders(cursor);
      cursor = page.cursor;
      await this.fillIn(
        page.orders.filter((order) => order.purchasedAt < horizon),
        pass,
      );
    } while (cursor !== '0');
    return pass;
  }

  private async fillIn(orders: Order[], pass: ReconcilePass): Promise<void> {
    if (orders.length === 0) return;
    pass.examined += orders.length;
    const missing = await this.ledger.missing(orders.map((order) => order.orderId));
    if (missing.size > 0) pass.filled += await this.ledger.insert(orders.filter((order) => missing.has(order.orderId)));
  }

  /** Sleeps, waking early when stopped. */
  private async pause(ms: number): Promise<void> {
    for (let slept = 0; slept < ms && !this.stopped; slept += 100) await sleep(100);
  }
}
