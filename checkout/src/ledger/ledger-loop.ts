import type { Logger, OrderLog } from '@flashsale/common';
import type { OrderLedger } from './order-ledger';

/**
 * A loop between the order log and the ledger that runs in the background until stopped; stop()
 * waits for the turn under way, so nothing is written after it resolves.
 */
export abstract class LedgerLoop {
  private running: Promise<void> | null = null;
  protected stopped = false;

  constructor(
    protected readonly log: OrderLog,
    protected readonly ledger: OrderLedger,
    protected readonly logger: Logger,
  ) {}

  start(): void {
    this.running ??= this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.running;
  }

  protected abstract run(): Promise<void>;
}
