import { leaseRenewalIntervalMs, type Logger, type QueueStore } from '@flashsale/common';
import { PeriodicTask } from '../periodic-task';
import type { ShopperSockets } from './shopper-sockets';

/** Leases per store call, so one call stays a few milliseconds of Redis. */
const RENEWAL_BATCH = 5_000;

/**
 * Keeps the shoppers whose sockets this instance holds present: every interval, one batched
 * renewal of their leases (and of those whose last socket just closed, so their grace counts from
 * the disconnect). Nothing is per socket, and nothing needs a goodbye: if this instance dies, its
 * shoppers' leases simply run out within the grace, unless they reconnect elsewhere.
 */
export class PresenceRenewal {
  private readonly task: PeriodicTask;

  constructor(private readonly deps: { store: QueueStore; sockets: ShopperSockets; graceMs: number; logger: Logger }) {
    this.task = new PeriodicTask(leaseRenewalIntervalMs(deps.graceMs), () => this.renew());
  }

  start(): void {
    this.task.start();
  }

  stop(): Promise<void> {
    return this.task.stop();
  }

  private async renew(): Promise<void> {
    const { store, sockets } = this.deps;
    const shoppers = [...new Set([...sockets.waitingShoppers(), ...sockets.takeDeparted()])];
    try {
      for (let start = 0; start < shoppers.length; start += RENEWAL_BATCH) {
        await store.renewPresence(shoppers.slice(start, start + RENEWAL_BATCH));
      }
    } catch (error) {
      // Redis away: the leases last the grace, and the next renewal tries again.
      this.deps.logger.warn({ err: (error as Error).message }, 'presence renewal failed');
    }
  }
}
