import path from 'node:path';
import { runner } from 'node-pg-migrate';
import { Pool } from 'pg';
import type { Logger, Order } from '@flashsale/common';

/** The migrations beside the package: checkout/migrations, from src/ledger or dist/ledger alike. */
const MIGRATIONS_DIR = path.resolve(__dirname, '..', '..', 'migrations');

/**
 * Brings the ledger's schema up to date with node-pg-migrate. Its advisory lock lets several
 * processes start at once: one migrates, the others wait and find nothing left to do.
 */
export async function migrateLedger(databaseUrl: string, logger: Logger): Promise<void> {
  await runner({
    databaseUrl,
    dir: MIGRATIONS_DIR,
    direction: 'up',
    migrationsTable: 'pgmigrations',
    log: (message) => logger.debug({ migration: message }, 'ledger migration'),
  });
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
