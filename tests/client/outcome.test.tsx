import '@testing-library/jest-dom';
import { render, screen } from '@testing-library/react';
import type { QueueAnswer } from '@flashsale/common/contract';
import { OutcomeStatus } from '../../client/src/shopper/OutcomeStatus';
import { OUTCOME_CODES, outcomeMessage, type Outcome } from '../../client/src/shopper/outcome';
import { purchaseStep, queueStep, type PurchaseAnswer } from '../../client/src/shopper/answers';
import type { ApiFailure, ApiResult } from '../../client/src/shared/http';
import { clockTimeText, countdownText, etaWords, queueProgress } from '../../client/src/shopper/eta';

const EXAMPLES: Record<(typeof OUTCOME_CODES)[number], [Outcome, RegExp]> = {
  waiting: [{ code: 'waiting' }, /you are in the queue/i],
  purchased: [{ code: 'purchased', orderId: 'ord-123' }, /^You bought it! Your order number is ord-123\.$/],
  already_purchased: [
    { code: 'already_purchased', orderId: 'ord-9' },
    /^You have already bought this item\. Your order number is ord-9\.$/,
  ],
  sold_out: [{ code: 'sold_out' }, /sold out/i],
  sale_ended: [{ code: 'sale_ended' }, /^The sale has ended\.$/],
  sale_not_started: [{ code: 'sale_not_started' }, /has not started yet/i],
  token_expired: [{ code: 'token_expired' }, /ran out.*join the queue again/i],
  error: [{ code: 'error' }, /something went wrong/i],
};

function failure(status: number, code: ApiFailure['code'], extra: Partial<ApiFailure> = {}): ApiFailure {
  return { ok: false, status, code, message: 'server words', retryAfterSeconds: null, orderId: null, ...extra };
}

describe('the outcome region', () => {
  it.each(OUTCOME_CODES)('shows %s as its data-outcome with a sentence a shopper understands', (code) => {
    const [outcome, sentence] = EXAMPLES[code];
    render(<OutcomeStatus outcome={outcome} />);
    const region = screen.getByRole('status');
    expect(region).toHaveAttribute('data-outcome', code);
    expect(region).toHaveAttribute('aria-live', 'polite');
    expect(region).toHaveTextContent(sentence);
    expect(region.textContent).not.toMatch(/[{}]|error:|undefined/);
  });

  it('is present but empty, without data-outcome, before anything happens', () => {
    render(<OutcomeStatus outcome={null} />);
    const region = screen.getByRole('status');
    expect(region).not.toHaveAttribute('data-outcome');
    expect(region).toBeEmptyDOMElement();
  });

  it('says a purchase is under way while buying, still as waiting', () => {
    expect(outcomeMessage({ code: 'waiting', buying: true })).toMatch(/your turn/i);
  });

  it('shows an error message given in words', () => {
    render(<OutcomeStatus outcome={{ code: 'error', message: 'Please enter a valid username or email.' }} />);
    expect(screen.getByRole('status')).toHaveTextContent('Please enter a valid username or email.');
  });
});

describe('queue answers', () => {
  const ok = (body: QueueAnswer, status = 200): ApiResult<QueueAnswer> => ({ ok: true, status, body });
  const join = { via: 'join', admissionLapsed: false } as const;
  const resume = { via: 'resume', admissionLapsed: false } as const;

  it('waits, buys or shows the purchase', () => {
    expect(queueStep(ok({ state: 'waiting', userId: 'a', position: 4, etaSeconds: 30, queueToken: 'q' }, 202), join)).toEqual({
      kind: 'wait',
      position: 4,
      etaSeconds: 30,
      drawAt: null,
      ticket: null,
    });
    expect(queueStep(ok({ state: 'admitted', userId: 'a', admissionToken: 'jwt', expiresAt: 5, queueToken: 'q' }), join)).toEqual({
      kind: 'buy',
      admissionToken: 'jwt',
      expiresAt: 5,
    });
  });

  it('waits without a number in the draw, with the moment of the draw and the ticket', () => {
    const drawAt = '2030-05-01T10:00:00.000Z';
    const inDraw = ok({ state: 'waiting', userId: 'a', position: null, etaSeconds: 90, queueToken: 'q', drawAt, ticket: 'ab12' }, 202);
    expect(queueStep(inDraw, join)).toEqual({ kind: 'wait', position: null, etaSeconds: 90, drawAt: Date.parse(drawAt), ticket: 'ab12' });
  });

  it('calls a purchase found at join already_purchased, and the same found on reload purchased', () => {
    const answer = ok({ state: 'purchased', userId: 'a', orderId: 'o1', queueToken: 'q' });
    expect(queueStep(answer, join)).toMatchObject({ kind: 'show', outcome: { code: 'already_purchased', orderId: 'o1' } });
    expect(queueStep(answer, resume)).toMatchObject({ kind: 'show', outcome: { code: 'purchased', orderId: 'o1' } });
  });

  it.each([
    [failure(410, 'sold_out'), { kind: 'show', outcome: { code: 'sold_out' } }],
    [failure(410, 'sale_ended'), { kind: 'show', outcome: { code: 'sale_ended' } }],
    [failure(403, 'sale_not_started'), { kind: 'show', outcome: { code: 'sale_not_started' } }],
    [failure(400, 'invalid_user_id'), { kind: 'show', outcome: { code: 'error' }, invalidUserId: true }],
    [failure(401, 'invalid_token'), { kind: 'show', outcome: null, forget: true }],
    [failure(404, 'not_found'), { kind: 'show', outcome: null, forget: true }],
    [failure(429, 'rate_limited', { retryAfterSeconds: 7 }), { kind: 'retry', afterSeconds: 7 }],
    [failure(503, 'unavailable'), { kind: 'retry', afterSeconds: 2 }],
    [failure(500, 'internal_error'), { kind: 'show', outcome: { code: 'error' } }],
  ])('maps %o', (answer, step) => {
    expect(queueStep(answer, resume)).toMatchObject(step);
  });

  it('says token_expired when a lapsed place had an admission that ran out', () => {
    expect(queueStep(failure(404, 'not_found'), { via: 'resume', admissionLapsed: true })).toMatchObject({
      outcome: { code: 'token_expired' },
      forget: true,
    });
  });
});

describe('purchase answers', () => {
  it('buys, or reports the order bought before', () => {
    const bought: ApiResult<PurchaseAnswer> = {
      ok: true,
      status: 201,
      body: { status: 'purchased', orderId: 'o2', userId: 'a', purchasedAt: '2030-01-01T00:00:00Z' },
    };
    expect(purchaseStep(bought)).toMatchObject({ outcome: { code: 'purchased', orderId: 'o2' } });
    expect(purchaseStep(failure(409, 'already_purchased', { orderId: 'o3' }))).toMatchObject({
      outcome: { code: 'already_purchased', orderId: 'o3' },
    });
  });

  it.each([
    [failure(410, 'sold_out'), { outcome: { code: 'sold_out' } }],
    [failure(410, 'sale_ended'), { outcome: { code: 'sale_ended' } }],
    [failure(403, 'sale_not_started'), { outcome: { code: 'sale_not_started' } }],
    [failure(401, 'token_expired'), { outcome: { code: 'token_expired' }, forget: true }],
    [failure(401, 'invalid_token'), { outcome: { code: 'error' }, forget: true }],
    [failure(503, 'unavailable', { retryAfterSeconds: 1 }), { kind: 'retry', afterSeconds: 1 }],
    [failure(429, 'rate_limited', { retryAfterSeconds: 3 }), { kind: 'retry', afterSeconds: 3 }],
    [failure(0, 'network'), { kind: 'retry', afterSeconds: 2 }],
  ])('maps %o', (answer, step) => {
    expect(purchaseStep(answer)).toMatchObject(step);
  });
});

describe('words for waiting', () => {
  it.each([
    [0, 'any moment now'],
    [5, 'a few seconds'],
    [40, 'less than a minute'],
    [70, 'about 1 minute'],
    [120, 'about 2 minutes'],
    [150, 'about 3 minutes'],
    [3600, 'about 1 hour'],
    [5400, 'about 1.5 hours'],
  ])('says %i seconds as "%s"', (seconds, words) => {
    expect(etaWords(seconds)).toBe(words);
  });

  it('counts down in mm:ss and h:mm:ss', () => {
    expect(countdownText(65_000)).toBe('1:05');
    expect(countdownText(3_725_000)).toBe('1:02:05');
    expect(countdownText(-5)).toBe('0:00');
  });

  it('tells a clock time alone for today, and with its date for another day', () => {
    const now = new Date(2030, 4, 1, 9, 0).getTime();
    expect(clockTimeText(new Date(2030, 4, 1, 10, 30).getTime(), now)).not.toMatch(/2030/);
    expect(clockTimeText(new Date(2030, 4, 1, 10, 30).getTime(), now)).toMatch(/30/);
    expect(clockTimeText(new Date(2030, 4, 3, 10, 30).getTime(), now)).toMatch(/2030/);
  });

  it('measures progress from the first position seen', () => {
    expect(queueProgress(11, 11)).toBe(0);
    expect(queueProgress(11, 6)).toBe(0.5);
    expect(queueProgress(11, 1)).toBe(1);
  });
});
