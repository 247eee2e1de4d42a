import { Counter, Gauge, type Registry } from 'prom-client';
import type { SaleCounters } from '@flashsale/common';

export type WaitingRoomMetrics = ReturnType<typeof createWaitingRoomMetrics>;

/** The waiting room's Prometheus figures; reads happen at scrape time. */
export function createWaitingRoomMetrics(
  registry: Registry,
  read: { connectedSockets: () => number; counters: () => SaleCounters | null },
) {
  new Gauge({
    name: 'flashsale_connected_sockets',
    help: 'Shopper sockets connected to this instance.',
    registers: [registry],
    collect() {
      this.set(read.connectedSockets());
    },
  });
  // Sale-wide figures, as of this instance's last tick (every instance reports the same).
  const saleWide: Array<[string, string, (counters: SaleCounters) => number]> = [
    ['flashsale_queue_present', 'Waiting shoppers counted present (sale-wide).', (c) => c.present],
    ['flashsale_queue_absent', 'Waiting shoppers absent: passed over until they return (sale-wide).', (c) => c.absent],
    ['flashsale_queue_passed_over', 'Times admission passed over an absent shopper (sale-wide, cumulative).', (c) => c.passedOver],
    ['flashsale_queue_timed_out', 'Shoppers who lost their place by the idle timeout (sale-wide, cumulative).', (c) => c.timedOut],
    ['flashsale_join_challenges_failed', 'Joins answered challenge_failed (sale-wide, cumulative).', (c) => c.challengesFailed],
    ['flashsale_join_places_refused', 'Joins answered too_many_places or network_blocked (sale-wide, cumulative).', (c) => c.placesRefused],
  ];
  for (const [name, help, pick] of saleWide) {
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        const counters = read.counters();
        if (counters) this.set(pick(counters));
      },
    });
  }
  return {
    joins: new Counter({ name: 'flashsale_queue_joins_total', help: 'Successful POST /api/queue answers.', registers: [registry] }),
    admissions: new Counter({
      name: 'flashsale_admissions_total',
      help: 'Shoppers this instance admitted and signed a token for.',
      registers: [registry],
    }),
  };
}
