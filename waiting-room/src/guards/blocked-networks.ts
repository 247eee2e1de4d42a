import type { Logger, QueueStore } from '@flashsale/common';
import { PeriodicTask } from '../periodic-task';
import { networkMatcher } from './networks';

/** How often each instance re-reads the barred networks: the SPEC allows 1 s for all to enforce a bar. */
export const BLOCKED_REFRESH_MS = 500;

/**
 * This instance's copy of the barred networks, re-read from the store twice a second, so a join
 * checks it without a store call; a bar made here applies here at once.
 */
export class BlockedNetworks {
  private holder = networkMatcher([]);
  private readonly task = new PeriodicTask(BLOCKED_REFRESH_MS, () => this.refresh());

  constructor(private readonly deps: { store: QueueStore; logger: Logger }) {}

  start(): Promise<void> {
    this.task.start();
    return this.task.runNow();
  }

  stop(): Promise<void> {
    return this.task.stop();
  }

  /** The barred network that holds this address, or null. */
  holding(address: string): string | null {
    return this.holder(address);
  }

  /** The list as the store answered it after a change made here. */
  set(networks: string[]): void {
    this.holder = networkMatcher(networks);
  }

  private async refresh(): Promise<void> {
    try {
      this.set(await this.deps.store.blockedNetworks());
    } catch (error) {
      // The store away: the last list stands until it answers again.
      this.deps.logger.warn({ err: (error as Error).message }, 'could not read the barred networks');
    }
  }
}
