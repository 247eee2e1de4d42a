import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { runner } from 'node-pg-migrate';
import { Pool } from 'pg';
import { StartupDependencyError, type Logger, type Order } from '@flashsale/common';

/** The migrations beside the package: checkout/migrations, from src/ledger or dist/ledger alike. */
const MIGRATIONS_DIR = path.resolve(__dirname, '..', '..', 'migrations');

/** Errors of a PostgreSQL that is not (yet) there, worth waiting out at start; anything else is final. */
const NOT_YET_REACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'ECONNRESET', '57P03']);

/**
 * Brings the ledger's schema up to date with node-pg-migrate. Its advisory lock lets several
 * processes start at once: one migrates, the others wait and find nothing left to do.
 * A PostgreSQL still starting is waited for, up to `timeoutMs`, as Redis is.
 */
export async function migrateLedger(databaseUrl: string, logger: Logger, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await runner({
        databaseUrl,
        dir: MIGRATIONS_DIR,
        direction: 'up',
        migrationsTable: 'pgmigrations',
        log: (message) => logger.debug({ migration: message }, 'ledger migration'),
      });
      return;
    } catch (error) {
      const { code, message } = error as { code?: string; message: string };
      if (code === undefined || !NOT_YET_REACHABLE.has(code)) {
        throw new StartupDependencyError(`PostgreSQL (DATABASE_URL) refused the ledger migration: ${message}`);
      }
      if (Date.now() >= deadline) {
        throw new StartupDependencyError(
          `PostgreSQL (DATABASE_URL) could not be reached within ${timeoutMs / 1000} s (last error: ${message})`,
        );
      }
      logger.warn({ err: message }, 'waiting for PostgreSQL');
      await sleep(500);
    }
  }
}

/** The `orders` table of PostgreSQL, written in batches; writing an order again changes nothing. */
export class OrderLedger {
  private readonly pool: Pool;

  constructor(
    databaseUrl: string,
    private readonly saleId: string,
  ) {
    // A short connect timeout: while PostgreSQL is away the writer should learn it fast and retry.
    this.pool = new Pool({ connectionString: databaseUrl, max: 4, connectionTimeoutMillis: 2_000 });
    this.pool.on('error', () => undefined); // an idle client lost with the server; the next query reconnects
  }

  /** Inserts the orders in one statement and one transaction; returns how many were new. */
  async insert(orders: Order[]): Promise<number> {
    if (orders.length === 0) return 0;
    const result = await this.pool.query(
      `INSERT INTO orders (order_id, sale_id, user_id, purchased_at)
       SELECT order_id, $1, user_id, to_timestamp(purchased_at / 1000.0)
       FROM unnest($2::text[], $3::text[], $4::bigint[]) AS o(order_id, user_id, purchased_at)
       ON CONFLICT DO NOTHING`,
      [this.saleId, orders.map((o) => o.orderId), orders.map((o) => o.userId), orders.map((o) => o.purchasedAt)],
    );
    return result.rowCount ?? 0;
  }

  /** Every order of the sale, oldest first, a page at a time (by the orders_by_time index). */
  async *orders(pageSize = 5_000): AsyncIterable<Order[]> {
    let after = null as { purchasedAt: Date; orderId: string } | null;
    for (;;) {
      const { rows } = await this.pool.query<{ order_id: string; user_id: string; purchased_at: Date }>(
        `SELECT order_id, user_id, purchased_at FROM orders
         WHERE sale_id = $1 AND ($2::timestamptz IS NULL OR (purchased_at, order_id) > ($2, $3))
         ORDER BY purchased_at, order_id LIMIT $4`,
        [this.saleId, after?.purchasedAt ?? null, after?.orderId ?? '', pageSize],
      );
      if (rows.length === 0) return;
      yield rows.map((row) => ({ orderId: row.order_id, userId: row.user_id, purchasedAt: row.purchased_at.getTime() }));
      const last = rows[rows.length - 1] as (typeof rows)[number];
      after = { purchasedAt: last.purchased_at, orderId: last.order_id };
    }
  }

  /** Which of these order ids the ledger does not hold. */
  async missing(orderIds: string[]): Promise<Set<string>> {
    if (orderIds.length === 0) return new Set();
    const { rows } = await this.pool.query<{ order_id: string }>(
      'SELECT id AS order_id FROM unnest($1::text[]) AS id WHERE NOT EXISTS (SELECT 1 FROM orders WHERE order_id = id)',
      [orderIds],
    );
    return new Set(rows.map((row) => row.order_id));
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
