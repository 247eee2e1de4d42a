import { purchaseStep, type NextStep } from './answers';
import type { SessionTimers } from './session-timers';
import type { ShopperApi } from './shopper-api';

export interface PurchaseDeps {
  api: ShopperApi;
  timers: SessionTimers;
  /** Epoch ms on the server's clock, which the admission's expiry is on. */
  serverNow: () => number;
  /** Said each time a busy answer is to be retried. */
  onBusy: () => void;
}

/**
 * POST /api/purchase with one admission. A busy answer is retried after its Retry-After, but never
 * past the admission's expiry: the server would refuse it then anyway. Resolves with the step the
 * journey follows, or null when the session stopped on the way.
 */
export async function attemptPurchase(admissionToken: string, expiresAt: number, deps: PurchaseDeps): Promise<NextStep | null> {
  for (;;) {
    const result = await deps.api.purchase(admissionToken);
    if (deps.timers.stopped) return null;
    const step = purchaseStep(result);
    if (step.kind !== 'retry') return step;
    const msLeft = expiresAt - deps.serverNow();
    if (msLeft <= 0) return { kind: 'show', outcome: { code: 'token_expired' }, forget: true };
    deps.onBusy();
    await deps.timers.sleep(Math.min(step.afterSeconds * 1000, msLeft));
    if (deps.timers.stopped) return null;
  }
}
