import type { SaleWindow } from '../contract/sale-status';
import type { Order } from '../sale/purchase';

/**
 * Queue scores: joins before the start form the pre-queue and score below this band, in join
 * order until the draw at the start (or for good, in a FIFO pre-queue); everyone after the
 * start scores above it, in join order.
 */
export const PREQUEUE_BAND = 1e12;

/** Where a shopper stands, as a join or a look-up finds them. */
export type QueueState =
  /** `position` null: in a random pre-queue before its draw; `waiting` then counts those in the draw. */
  | { kind: 'waiting'; position: number | null; waiting: number; ticket?: string }
  | { kind: 'admitted'; expiresAt: number; admissionToken: string | null }
  | { kind: 'purchased'; order: Order }
  | { kind: 'not_queued' }
  | { kind: 'queue_not_open' }
  | { kind: 'sold_out' }
  | { kind: 'sale_ended' }
  /** A new place refused: the network took the most places it may. */
  | { kind: 'too_many_places' }
  /** The join's challenge had paid for a join already. */
  | { kind: 'challenge_spent' };

/**
 * A waiting shopper's place as shoppers are shown it. Pre-queue members score below the band, so
 * they hold the first `inDraw` places; until the draw orders them none of them gets a number,
 * since the draw would change it, and `waiting` counts those in the draw. After the draw (and
 * in a FIFO pre-queue) `inDraw` is 0 and every place has its number, which then never rises.
 */
export function shownPlace(position: number, waiting: number, inDraw: number): { position: number | null; waiting: number } {
  return position <= inDraw ? { position: null, waiting: inDraw } : { position, waiting };
}

/** The store's raw place (1-based rank, line length, those in the draw, ticket) as a QueueState. */
export function waitingState(position: number, waiting: number, inDraw: number, ticket: string | null): QueueState {
  return { kind: 'waiting', ...shownPlace(position, waiting, inDraw), ...(ticket !== null && { ticket }) };
}

/** What decides a shopper's standing before the line is looked at. */
export interface StandingFacts {
  order: Order | null;
  remaining: number;
  endsAt: number;
  /** The admission they hold, live or run out. */
  admission: { expiresAt: number; admissionToken: string | null } | null;
}

/**
 * The standings that come before the line, in this order: bought, sold out, ended, admitted.
 * Otherwise the line decides; an admission that ran out unused is to be cleared first
 * (`admissionExpired`), and a join then goes to the back.
 */
export function standingOutsideLine(facts: StandingFacts, now: number): QueueState | { kind: 'in_line'; admissionExpired: boolean } {
  if (facts.order) return { kind: 'purchased', order: facts.order };
  if (facts.remaining <= 0) return { kind: 'sold_out' };
  if (now >= facts.endsAt) return { kind: 'sale_ended' };
  const admission = facts.admission;
  if (admission && admission.expiresAt > now) return { kind: 'admitted', ...admission };
  return { kind: 'in_line', admissionExpired: admission !== null };
}

/** Places a network has taken, and the most it may; max 0: no cap. */
export interface NetworkPlaces {
  taken: number;
  max: number;
}

/**
 * A new join's place: none before the queue opens, nor once the network has taken its cap of
 * places (every place taken counts, so leaving and joining again cannot cycle them); a score in
 * join order (`joinSeq`, the join counter after this join), below the band before the start; and
 * a lottery ticket for a join to a random pre-queue not yet drawn.
 */
export function newPlace(
  joinSeq: number,
  now: number,
  window: SaleWindow & { queueOpensAt: number },
  prequeueSettled: boolean,
  network: NetworkPlaces | null = null,
): { kind: 'queue_not_open' } | { kind: 'too_many_places' } | { kind: 'joined'; score: number; ticketed: boolean } {
  if (now < window.queueOpensAt) return { kind: 'queue_not_open' };
  if (network && network.max > 0 && network.taken >= network.max) return { kind: 'too_many_places' };
  const inPrequeue = now < window.startsAt;
  return { kind: 'joined', score: inPrequeue ? joinSeq : PREQUEUE_BAND + joinSeq, ticketed: inPrequeue && !prequeueSettled };
}

/** One run of the admission step. */
export interface AdmissionBatch {
  admitted: Array<{ userId: string; expiresAt: number }>;
  /** Admissions that expired unused in this step, freeing their slots. */
  expired: string[];
  /** Shoppers absent for the idle timeout, taken out of the queue in this step. */
  timedOut: string[];
  /** Absent shoppers this step passed over (they keep their place). */
  passedOver: number;
  /** True when the pre-queue still waits for its one draw, so nobody was admitted. */
  awaitingDraw: boolean;
}

/** Sale-wide figures, read at one instant of the store's clock. */
export interface SaleCounters {
  /** The store's clock, epoch ms. */
  now: number;
  waiting: number;
  /** Pre-queue shoppers waiting for the draw of a random pre-queue; 0 once it is drawn, and in a FIFO one. */
  inDraw: number;
  /** Of those waiting, how many hold a presence lease now, and how many do not. */
  present: number;
  absent: number;
  /** Times the admission step passed over an absent shopper, in total. */
  passedOver: number;
  /** Shoppers who left the queue by the idle timeout, in total. */
  timedOut: number;
  activeAdmissions: number;
  admittedTotal: number;
  expiredAdmissions: number;
  /**
   * How many times someone left the line other than at its back (admitted, left, drawn):
   * while it stands still, nobody's position has changed, so pushers need not look.
   */
  departures: number;
  /** Summed over the instances that reported recently (reportSockets). */
  connectedSockets: number;
  stock: number;
  remaining: number;
  /** The window as the store holds it now (the operator may move it), read with the rest. */
  window: { startsAt: number; endsAt: number; queueOpensAt: number };
  /** Purchase outcomes decided by the store: code → count. */
  outcomes: Record<string, number>;
  /** Joins answered challenge_failed, and joins answered too_many_places or network_blocked. */
  challengesFailed: number;
  placesRefused: number;
}

/** A socket report older than this no longer counts: its instance is gone. */
export const SOCKET_REPORT_MAX_AGE_MS = 5_000;
