import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LoggedOrder } from '@flashsale/common';
import { LedgerLoop } from './ledger-loop';

/** Orders per INSERT. */
const BATCH = 500;
/** How long a read waits for new orders before looking for stale ones again. */
const READ_BLOCK_MS = 500;
/** An entry taken but unacknowledged this long belongs to a writer that died or failed. */
const CLAIM_IDLE_MS = 2_000;
const MAX_BACKOFF_MS = 1_000;

/**
 * Copies every order from the order log into PostgreSQL. It runs in every process with
 * DATABASE_URL; the consumer group shares the entries among the writers, and an entry is
 * acknowledged only after its INSERT committed, so a writer killed mid-batch leaves it pending
 * and another (or this one, restarted) claims it. Rows are keyed by order id and inserted with
 * ON CONFLICT DO NOTHING, so an entry written twice is still one row. A purchase never waits on
 * any of this: it only appends to the log in Redis.
 * Orders whose log entries were lost are the Reconciler's (reconciler.ts), beside this loop.
 */
export class LedgerWriter extends LedgerLoop {
  private readonly consumer = `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  /** A batch the ledger refused (PostgreSQL away); retried before anything new is read. */
  private unwritten: LoggedOrder[] = [];
  /** Whether the consumer group is known to exist; any failure makes the next step check again. */
  private prepared = false;

  protected async run(): Promise<void> {
    let backoff = 100;
    while (!this.stopped) {
      try {
        if (!this.prepared) await this.log.prepare();
        this.prepared = true;
        await this.step();
        backoff = 100;
      } catch (error) {
        this.prepared = false;
        this.logger.warn({ err: (error as Error).message, unwritten: this.unwritten.length }, 'ledger writer waiting to retry');
        await sleep(backoff);
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
      }
    }
  }

  /** One batch: what failed before, else what a dead writer left, else what is new. */
  private async step(): Promise<void> {
    if (this.unwritten.length === 0) {
      const stale = await this.log.claimStale(this.consumer, CLAIM_IDLE_MS, BATCH);
      this.unwritten = stale.length > 0 ? stale : await this.log.readNew(this.consumer, BATCH, READ_BLOCK_MS);
    }
    if (this.unwritten.length === 0) return;
    const inserted = await this.ledger.insert(this.unwritten);
    await this.log.acknowledge(
      this.unwritten.map((entry) => entry.entryId),
      inserted,
    );
    this.unwritten = [];
  }
}
