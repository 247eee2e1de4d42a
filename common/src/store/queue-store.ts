import type { AdmissionBatch, QueueState, SaleCounters } from '../queue/queue-state';
import type { AdmissionControl } from '../queue/admission';
import type { LotteryState } from '../queue/lottery';
import type { SaleRecord } from '../sale/sale-record';

export type PrequeueSettlement = 'settled' | 'already_settled' | 'not_started';

/** What the waiting room needs of the store, beside the SaleStore it shares with checkout. */
export interface QueueStore {
  /**
   * Where the shopper stands; with 'join', queues them at the back if they are nowhere yet. Both
   * modes come from the shopper (a join, a look-up, a socket connecting), so a waiting shopper's
   * presence lease is renewed.
   */
  queueState(userId: string, mode: 'join' | 'peek', terms?: JoinTerms): Promise<QueueState>;
  /**
   * Renews the presence leases of these shoppers (those with a socket on the calling instance),
   * in one step; shoppers who no longer wait are skipped. Returns how many were renewed.
   */
  renewPresence(userIds: string[]): Promise<number>;
  /** Out of the queue, and out of any admission they held. True if they were in either. */
  leave(userId: string): Promise<boolean>;
  /**
   * The admission step (admit-10.lua); any instance may run it at any time. It times out idle
   * shoppers, and admits present shoppers in queue order, passing over absent ones.
   */
  admit(tokenTtlMs: number, maxBatch: number): Promise<AdmissionBatch>;
  /**
   * The pre-queue's one draw, once the sale has started: orders the tickets by the seed
   * (drawOrder) and reveals the seed, exactly once across all instances.
   */
  drawPrequeue(): Promise<PrequeueSettlement>;
  /** The lottery as the public may see it: the seed and the drawn tickets only after the draw. */
  lottery(): Promise<LotteryState>;
  /** Keeps the token signed for a standing admission. False if it no longer stands. */
  recordAdmissionToken(userId: string, token: string): Promise<boolean>;
  getAdmissionControl(): Promise<AdmissionControl>;
  updateAdmissionControl(change: Partial<AdmissionControl>): Promise<AdmissionControl>;
  /** The sale-wide figures in one read: counters for the operator, the line for the pushers. */
  saleCounters(): Promise<SaleCounters>;
  /** 1-based positions of these waiting shoppers, in one step; 0 for one who no longer waits. */
  queuePositions(userIds: string[]): Promise<number[]>;
  /** This instance holds `sockets` connected sockets (for the sale-wide connectedSockets). */
  reportSockets(instanceId: string, sockets: number): Promise<void>;
  /** Counts join refusals decided before the store (a proof that failed its check, a barred network). */
  countRefusals(refusals: { challengesFailed?: number; placesRefused?: number }): Promise<void>;
  /** The networks that took the most places, most first. */
  topNetworks(count: number): Promise<Array<{ network: string; places: number }>>;
  blockedNetworks(): Promise<string[]>;
  /** Bars or lifts a network (a CIDR, as given); returns the barred networks after. */
  blockNetwork(cidr: string): Promise<string[]>;
  unblockNetwork(cidr: string): Promise<string[]>;
  /** Every place taken and the client address it was taken from, a page at a time ('0' starts and ends). */
  placeAddresses(cursor: string): Promise<{ cursor: string; places: Array<{ userId: string; address: string }> }>;
  /** Takes these shoppers out of the line where they still wait (a barred network); returns those taken out. */
  removeFromLine(userIds: string[]): Promise<string[]>;
  /** The sale's story for the report: the per-minute counts, in one read. */
  saleRecord(): Promise<SaleRecord>;
  /** Times in queue (ms, join to admission) at these 0-based ranks of all of them sorted ascending. */
  queueTimesAt(ranks: number[]): Promise<number[]>;
}

/** What a new place must satisfy, checked in the join's one atomic step. */
export interface JoinTerms {
  /** The client's address, and its network (IPv4 /24, IPv6 /64), whose places the cap counts. */
  address: string;
  network: string;
  /** Places one network may take in the sale; 0: no cap. */
  maxPlaces: number;
  /** The solved challenge this join spends, once across all instances, and when it expires anyway. */
  challenge: { id: string; expiresAt: number } | null;
}

/** The settings a sale starts with; the operator changes them live afterwards. */
export interface InitialAdmission {
  prequeueOrder: 'random' | 'fifo';
  ratePerMinute: number;
  maxActive: number | null;
  overbook: number;
  challengeMaxNumber: number;
}
