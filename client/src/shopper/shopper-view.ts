import type { Product, QueuePositionEvent, SaleAnswer, SaleStatus } from '@flashsale/common/contract';
import type { Outcome } from './outcome';

/** The sale's window and stock: what an operator may move (PATCH /api/admin/sale). */
export interface SaleWindowView {
  /** Epoch ms, server clock. */
  startsAt: number;
  endsAt: number;
  total: number;
}

export interface SaleView extends SaleWindowView {
  product: Product;
  status: SaleStatus;
  remaining: number;
  /** Shoppers in the line, as of the last sale answer. */
  waiting: number;
}

/** A numbered place in line. */
export interface NumberedPlace extends QueuePositionEvent {
  position: number;
  /** The first position this page saw, for the progress bar. */
  firstPosition: number;
}

/** A place in a random pre-queue before its draw: no number yet, since the draw would change it. */
export interface PlaceInDraw extends QueuePositionEvent {
  position: null;
  /** Epoch ms (server clock) of the draw, when an answer said; otherwise the sale's start is. */
  drawAt: number | null;
}

export type PositionView = NumberedPlace | PlaceInDraw;

/**
 * `loading` until the first answers; `idle` shows the form; `joining` while POST /api/queue is out;
 * `waiting` in the line; `buying` admitted, purchase under way; `done` when nothing is left to do.
 */
export type Phase = 'loading' | 'idle' | 'joining' | 'waiting' | 'buying' | 'done';

/** What the shopper page renders: a snapshot of the journey. */
export interface ShopperView {
  phase: Phase;
  sale: SaleView | null;
  position: PositionView | null;
  outcome: Outcome | null;
  invalidUserId: boolean;
  /** The join is proving its work (solving the server's challenge): the page says it is busy. */
  checkingHuman: boolean;
  /** A passing remark (busy, reconnecting) shown beside the outcome. */
  notice: string | null;
  /** Server time minus this browser's, in ms. */
  clockOffsetMs: number;
  /** The lottery ticket of the shopper's place in a random pre-queue, kept with the place. */
  ticket: string | null;
  /** The pre-queue has been drawn: the sale published its seed, or a ticket holder got a number. */
  lotteryDrawn: boolean;
}

export const FIRST_VIEW: ShopperView = {
  phase: 'loading',
  sale: null,
  position: null,
  outcome: null,
  invalidUserId: false,
  checkingHuman: false,
  notice: null,
  clockOffsetMs: 0,
  ticket: null,
  lotteryDrawn: false,
};

/** GET /api/sale, as the page shows it. */
export function saleViewOf(answer: SaleAnswer): SaleView {
  return {
    product: answer.product,
    status: answer.status,
    remaining: answer.stock.remaining,
    total: answer.stock.total,
    startsAt: Date.parse(answer.startsAt),
    endsAt: Date.parse(answer.endsAt),
    waiting: answer.queue.waiting,
  };
}

/** Shows a pushed or answered place. A number for a ticket holder means the draw has happened. */
export function placeShown(
  view: Pick<ShopperView, 'position' | 'lotteryDrawn' | 'ticket'>,
  event: QueuePositionEvent,
  drawAt: number | null = null,
): Pick<ShopperView, 'position' | 'lotteryDrawn'> {
  const position = nextPosition(view.position, event, drawAt);
  return { position, lotteryDrawn: view.lotteryDrawn || (position.position !== null && view.ticket !== null) };
}

/**
 * Pushes from several instances, and answers, can cross on the way: a shown number never rises
 * and never turns back into the draw (the draw gives a number once), so a stale one is dropped.
 */
function nextPosition(shown: PositionView | null, event: QueuePositionEvent, drawAt: number | null): PositionView {
  if (shown !== null && shown.position !== null) {
    if (event.position === null || event.position > shown.position) return shown;
    return numberedPlace(event, event.position, shown.firstPosition);
  }
  if (event.position !== null) return numberedPlace(event, event.position, event.position);
  // The shopper is in the draw too, whatever an early count says.
  return { ...event, position: null, waiting: Math.max(event.waiting, 1), drawAt: drawAt ?? shown?.drawAt ?? null };
}

function numberedPlace(event: QueuePositionEvent, position: number, firstPosition: number): NumberedPlace {
  return { ...event, position, waiting: Math.max(event.waiting, position), firstPosition };
}
