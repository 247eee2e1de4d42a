import type { QueueStore } from '@flashsale/common';
import type { BlockedNetworks } from '../guards/blocked-networks';
import { networkMatcher } from '../guards/networks';

export interface NetworkBar {
  /** Bars a network (a normalised CIDR): its waiting places leave the line now. Returns the barred networks. */
  bar(cidr: string): Promise<string[]>;
  lift(cidr: string): Promise<string[]>;
}

/**
 * The operator's "bar this network": the store keeps the list every instance re-reads, and the
 * places taken from the network that still wait leave the line at once; their shoppers are told.
 * Admitted shoppers keep their admission: they were let in before the bar.
 */
export function createNetworkBar(deps: {
  store: QueueStore;
  blocked: BlockedNetworks;
  announceBarred: (userIds: string[]) => void;
}): NetworkBar {
  const { store, blocked } = deps;
  return {
    async bar(cidr) {
      const networks = await store.blockNetwork(cidr);
      blocked.set(networks);
      const inBarred = networkMatcher([cidr]);
      let cursor = '0';
      do {
        const page = await store.placeAddresses(cursor);
        cursor = page.cursor;
        const inside = page.places.filter((place) => inBarred(place.address) !== null).map((place) => place.userId);
        deps.announceBarred(await store.removeFromLine(inside));
      } while (cursor !== '0');
      return networks;
    },
    async lift(cidr) {
      const networks = await store.unblockNetwork(cidr);
      blocked.set(networks);
      return networks;
    },
  };
}
