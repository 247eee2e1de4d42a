import type { Logger, QueueStore, SaleStore } from '@flashsale/common';
import { PeriodicTask } from '../periodic-task';
import type { AdmissionTokenIssuer } from './admission-tokens';

/** How often each instance runs the admission step. The shared bucket makes the rate exact anyway. */
export const ADMISSION_STEP_MS = 100;
/** The most shoppers one step admits, so one step's signing never stalls the event loop. */
const MAX_BATCH = 500;

export interface AdmissionLoopDeps {
  store: SaleStore & QueueStore;
  tokens: AdmissionTokenIssuer;
  tokenTtlMs: number;
  /** Tells the admitted shopper, wherever their socket is. */
  announceAdmission: (userId: string, admissionToken: string, expiresAt: number) => void;
  /** Tells a shopper the idle timeout took their place, should a socket of theirs be connected. */
  announceTimeout: (userId: string) => void;
  logger: Logger;
}

/**
 * Every instance runs the admission step every 100 ms, and the step itself (admit-10.lua)
 * decides how many to admit from the one bucket in Redis, by the Redis clock. There is no
 * leader to elect or lease to renew: if an instance dies, the others' next steps simply find
 * the allowance it did not spend, so admissions go on within one step.
 */
export class AdmissionLoop {
  private readonly task = new PeriodicTask(ADMISSION_STEP_MS, () => this.admit());

  constructor(private readonly deps: AdmissionLoopDeps) {}

  start(): void {
    this.task.start();
  }

  /** Stops, and waits for a step under way: nothing is announced after this resolves. */
  stop(): Promise<void> {
    return this.task.stop();
  }

  private async admit(): Promise<void> {
    try {
      const batch = await this.deps.store.admit(this.deps.tokenTtlMs, MAX_BATCH);
      if (batch.awaitingDraw) await this.drawPrequeue();
      for (const userId of batch.timedOut) this.deps.announceTimeout(userId);
      await Promise.all(
        batch.admitted.map(async ({ userId, expiresAt }) => {
          const token = await this.deps.tokens.issue(userId, expiresAt);
          if (token !== null) this.deps.announceAdmission(userId, token, expiresAt);
        }),
      );
    } catch (error) {
      // A Redis outage: the next step tries again. Nothing was admitted that is not in Redis.
      this.deps.logger.warn({ err: (error as Error).message }, 'admission step failed');
    }
  }

  /**
   * The pre-queue's one draw. Every instance may try; each computes the same order from the seed
   * and the tickets, and the store applies the first and refuses the rest, so it happens once.
   */
  private async drawPrequeue(): Promise<void> {
    if ((await this.deps.store.drawPrequeue()) === 'settled') this.deps.logger.info('pre-queue drawn; the lottery seed is revealed');
  }
}
