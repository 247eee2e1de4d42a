import { HttpError, type QueueAnswer, type WaitingAnswer } from '@flashsale/common';
import type { JoinRefusal } from '../journeys/join';
import type { Standing } from '../journeys/where-i-stand';

export interface QueueReply {
  status: 200 | 202;
  body: QueueAnswer;
}

export interface AnswerContext {
  userId: string;
  queueToken: string;
  etaSeconds: (position: number | null) => number;
  queueOpensAt: number;
  /** When a random pre-queue is drawn: the start. */
  drawAt: number;
}

/**
 * What the SPEC answers for each place a shopper can stand. Closed sales and a place the
 * shopper no longer holds are errors in the contract's shape.
 */
export function queueReply(standing: Standing, context: AnswerContext): QueueReply {
  const { userId, queueToken } = context;
  switch (standing.kind) {
    case 'waiting': {
      const { position, ticket } = standing;
      const body: WaitingAnswer = { state: 'waiting', userId, position, etaSeconds: context.etaSeconds(position), queueToken };
      if (position === null) body.drawAt = new Date(context.drawAt).toISOString();
      if (ticket !== undefined) body.ticket = ticket;
      return { status: 202, body };
    }
    case 'admitted': {
      const { admissionToken, expiresAt } = standing;
      return { status: 200, body: { state: 'admitted', userId, admissionToken, expiresAt, queueToken } };
    }
    case 'purchased':
      return { status: 200, body: { state: 'purchased', userId, orderId: standing.order.orderId, queueToken } };
    case 'sold_out':
      throw new HttpError(410, 'sold_out', 'The sale is sold out.');
    case 'sale_ended':
      throw new HttpError(410, 'sale_ended', 'The sale has ended.');
    case 'queue_not_open':
      throw new HttpError(403, 'sale_not_started', `The queue opens at ${new Date(context.queueOpensAt).toISOString()}.`);
    case 'not_queued':
      throw new HttpError(404, 'not_found', 'You are not in the queue (your place or admission has lapsed); join again.');
    case 'too_many_places':
      throw new HttpError(429, 'too_many_places', 'Your network has taken as many places in this sale as one network may.');
    case 'challenge_spent':
      throw new HttpError(400, 'challenge_failed', 'This challenge paid for a join already: fetch a new one.');
  }
}

const REFUSAL_STATUS: Record<JoinRefusal['code'], number> = {
  invalid_user_id: 400,
  challenge_required: 400,
  challenge_failed: 400,
  identity_required: 401,
  invalid_identity: 401,
  network_blocked: 403,
};

/** A join refused before the store was asked, in the contract's shape. */
export function refusalError(refusal: JoinRefusal): HttpError {
  return new HttpError(REFUSAL_STATUS[refusal.code], refusal.code, refusal.message);
}
