import { newPlace, planAdmission, PREQUEUE_BAND, standingOutsideLine, type AdmissionFacts } from '@flashsale/common';

// The pure rules both stores follow (the embedded store calls them; the Lua scripts are their twins).
// The store contract tests hold both stores to them; these pin the rules themselves.

const order = { orderId: 'o-1', userId: 'ann', purchasedAt: 5 };
const window = { queueOpensAt: 0, startsAt: 1_000, endsAt: 10_000 };

describe('standingOutsideLine', () => {
  const facts = { order: null, remaining: 3, endsAt: window.endsAt, admission: null };

  test('a purchase comes first, then sold out, then the end, then a live admission', () => {
    expect(standingOutsideLine({ ...facts, order, remaining: 0 }, 20_000)).toEqual({ kind: 'purchased', order });
    expect(standingOutsideLine({ ...facts, remaining: 0 }, 20_000)).toEqual({ kind: 'sold_out' });
    expect(standingOutsideLine(facts, 10_000)).toEqual({ kind: 'sale_ended' });
    const admission = { expiresAt: 3_000, admissionToken: 'jwt' };
    expect(standingOutsideLine({ ...facts, admission }, 2_999)).toEqual({ kind: 'admitted', ...admission });
  });

  test('otherwise the line decides, and an admission that ran out is to be cleared', () => {
    expect(standingOutsideLine(facts, 2_000)).toEqual({ kind: 'in_line', admissionExpired: false });
    const admission = { expiresAt: 3_000, admissionToken: null };
    expect(standingOutsideLine({ ...facts, admission }, 3_000)).toEqual({ kind: 'in_line', admissionExpired: true });
  });
});

describe('newPlace', () => {
  test('no place before the queue opens', () => {
    expect(newPlace(1, 99, { ...window, queueOpensAt: 100 }, false)).toEqual({ kind: 'queue_not_open' });
  });

  test('before the start: below the band, with a ticket only while the random pre-queue is undrawn', () => {
    expect(newPlace(7, 500, window, false)).toEqual({ kind: 'joined', score: 7, ticketed: true });
    expect(newPlace(7, 500, window, true)).toEqual({ kind: 'joined', score: 7, ticketed: false });
  });

  test('from the start on: above the band, in join order, no ticket', () => {
    expect(newPlace(8, 1_000, window, false)).toEqual({ kind: 'joined', score: PREQUEUE_BAND + 8, ticketed: false });
  });
});

describe('planAdmission', () => {
  const control = { ratePerMinute: 600, paused: false, maxActive: null, overbook: 1, challengeMaxNumber: 0 };
  const facts: AdmissionFacts = {
    window,
    remaining: 5,
    prequeueSettled: true,
    control,
    bucket: { allowance: 0, updatedAt: 1_000 },
    activeAdmissions: 2,
  };

  test('closed outside the window and when sold out; waits for the draw', () => {
    expect(planAdmission(facts, 999, 50)).toEqual({ kind: 'closed' });
    expect(planAdmission(facts, 10_000, 50)).toEqual({ kind: 'closed' });
    expect(planAdmission({ ...facts, remaining: 0 }, 2_000, 50)).toEqual({ kind: 'closed' });
    expect(planAdmission({ ...facts, prequeueSettled: false }, 2_000, 50)).toEqual({ kind: 'awaiting_draw' });
  });

  test('grants whole units earned since the start, within the free slots and the batch', () => {
    // 600/min for 0.5 s earns 5; the cap (5 left × overbook 1) has 3 free slots.
    expect(planAdmission(facts, 1_500, 50)).toEqual({ kind: 'admitting', bucket: { allowance: 5, updatedAt: 1_500 }, room: 3, grant: 3 });
    expect(planAdmission(facts, 1_500, 2)).toMatchObject({ grant: 2 });
  });

  test('paused: earns nothing, and the bucket is brought up to now so a resume pays nothing out', () => {
    expect(planAdmission({ ...facts, control: { ...control, paused: true } }, 1_500, 50)).toEqual({
      kind: 'paused',
      bucket: { allowance: 0, updatedAt: 1_500 },
    });
  });
});
