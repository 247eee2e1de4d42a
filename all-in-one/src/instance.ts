import { mountCheckout } from '@flashsale/checkout';
import { createRateLimit } from '@flashsale/common';
import { startWaitingRoomInstance, type InstanceParts, type RunningInstance } from '@flashsale/waiting-room';

/**
 * Checkout beside the waiting room on one port: the composition `npm start` runs, and the one
 * the tests start. Checkout's purchase is mounted first: Express tries routes in order, and it
 * is the hottest path.
 */
export function startAllInOneInstance(parts: Omit<InstanceParts, 'mountFirst'>): Promise<RunningInstance> {
  const { store, sale, settings, registry } = parts;
  return startWaitingRoomInstance({
    ...parts,
    mountFirst: (app, limits) => {
      const rateLimit = createRateLimit({ perMinute: settings.rateLimitPerMinute, redis: limits, name: `purchase:${sale.saleId}` });
      mountCheckout(app, { store, saleId: sale.saleId, keys: settings.keys, registry, rateLimit });
    },
  });
}
