import type { Order } from '../sale/purchase';

/**
 * Queue scores: joins before the start form the pre-queue and score below this band, in join
 * order until the start reshuffles them; everyone after the start scores above it, in join order.
 */
export const PREQUEUE_BAND = 1e12;

/** Where a shopper stands, as a join or a look-up finds them. */
export type QueueState =
  | { kind: 'waiting'; position: number; waiting: number }
  | { kind: 'admitted'; expiresAt: number; admissionToken: string | null }
  | { kind: 'purchased'; order: Order }
  | { kind: 'not_queued' }
  | { kind: 'queue_not_open' }
  | { kind: 'sold_out' }
  | { kind: 'sale_ended' };

/** One run of the admission step. */
export interface AdmissionBatch {
  admitted: Array<{ userId: string; expiresAt: number }>;
  /** Admissions that expired unused in this step, freeing their slots. */
  expired: string[];
  /** True when the pre-queue still waits for its one shuffle, so nobody was admitted. */
  awaitingShuffle: boolean;
}

export interface AdmissionCounters {
  waiting: number;
  activeAdmissions: number;
  admittedTotal: number;
  expiredAdmissions: number;
}
