import { createHash, randomBytes, randomFillSync } from 'node:crypto';

/**
 * The pre-queue lottery (PREQUEUE_ORDER=random), built so that anyone can check it: a secret seed
 * is drawn when the sale is set up and only its SHA-256 commitment is published; every pre-queue
 * join gets a random ticket; at the start the seed is revealed and the order follows from the
 * seed and the tickets alone. Nobody, the operator included, can choose the seed after seeing the
 * tickets, and nobody can predict the order before the seed is revealed.
 */
export const LOTTERY_ALGORITHM =
  'Each ticket is drawn in ascending order of the lowercase SHA-256 hex digest of the UTF-8 string "<seed>:<ticket>"; the commitment is the SHA-256 hex digest of the seed.';

/** The public half of a sale's lottery. */
export interface LotteryState {
  order: 'random' | 'fifo';
  /** SHA-256 hex of the seed; null in a FIFO pre-queue, which has no draw. */
  commitment: string | null;
  /** Revealed at the draw; null before it. */
  seed: string | null;
  /** Every pre-queue ticket in the order drawn; null before the draw. */
  tickets: string[] | null;
}

/** A fresh secret seed and its commitment, drawn when the sale is set up. */
export function drawLotterySeed(): { seed: string; commitment: string } {
  const seed = randomBytes(32).toString('hex');
  return { seed, commitment: lotteryCommitment(seed) };
}

const TICKET_BYTES = 16;
/** Random bytes for 256 tickets, drawn at once: one randomBytes call per join cost ~3 % of a join. */
const ticketPool = Buffer.alloc(TICKET_BYTES * 256);
let ticketOffset = ticketPool.length;

/** 128 random bits: unguessable, and no function of the userId. */
export function newLotteryTicket(): string {
  if (ticketOffset === ticketPool.length) {
    randomFillSync(ticketPool);
    ticketOffset = 0;
  }
  ticketOffset += TICKET_BYTES;
  return ticketPool.toString('hex', ticketOffset - TICKET_BYTES, ticketOffset);
}

export function lotteryCommitment(seed: string): string {
  return sha256Hex(seed);
}

/** The draw: the tickets in the order LOTTERY_ALGORITHM states. */
export function drawOrder(seed: string, tickets: readonly string[]): string[] {
  const keyed = tickets.map((ticket) => ({ ticket, key: sha256Hex(`${seed}:${ticket}`) }));
  keyed.sort((a, b) => compare(a.key, b.key) || compare(a.ticket, b.ticket));
  return keyed.map(({ ticket }) => ticket);
}

export type LotteryVerdict =
  { ok: true; tickets: number } | { ok: false; problem: 'not_drawn' | 'commitment_mismatch' | 'order_mismatch'; detail: string };

/** What `npm run verify-lottery` checks: the seed matches its commitment, and the published order is the seed's. */
export function verifyLottery(lottery: Pick<LotteryState, 'commitment' | 'seed' | 'tickets'>): LotteryVerdict {
  const { commitment, seed, tickets } = lottery;
  if (commitment === null || seed === null || tickets === null) {
    return { ok: false, problem: 'not_drawn', detail: 'the seed or the tickets are not published yet (the draw happens at the start)' };
  }
  if (lotteryCommitment(seed) !== commitment) {
    return { ok: false, problem: 'commitment_mismatch', detail: `SHA-256 of the seed is ${lotteryCommitment(seed)}, not ${commitment}` };
  }
  const expected = drawOrder(seed, tickets);
  const first = expected.findIndex((ticket, i) => ticket !== tickets[i]);
  if (first !== -1) {
    return {
      ok: false,
      problem: 'order_mismatch',
      detail: `place ${first + 1} should hold ticket ${expected[first]}, but the published list has ${tickets[first]}`,
    };
  }
  return { ok: true, tickets: tickets.length };
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
