import '@testing-library/jest-dom';
import { act, render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { ChallengeAnswer, JoinRequest, QueueAnswer } from '@flashsale/common/contract';
import type { RequiredChallenge } from '../../client/src/shopper/challenge-solver';
import { ShopperPage } from '../../client/src/shopper/ShopperPage';
import type { ApiFailure, ApiResult } from '../../client/src/shared/http';
import { answer, harness, noChallenge, PLACE_KEY, refusal, requiredChallenge } from './shopper-harness';

// Buy Now as the SPEC's "one place per person" has it: a proof of work solved off the page's
// thread before the join, the shop's signed identity sent along, and refusals in a shopper's words.

const IDENTITY_KEY = 'flashsale.identityToken';
const outcome = () => screen.getByRole('status');
const humanCheck = () => screen.getByTestId('human-check');
const saysItIsChecking = () => screen.queryByText(/Checking you are a person/) !== null;
const waiting = (userId = 'alice') => answer({ state: 'waiting', userId, position: 3, etaSeconds: 120, queueToken: 'qt-1' });
const joinAnswering = (result = waiting()) => jest.fn((_request: JoinRequest) => Promise.resolve(result));

beforeEach(() => {
  window.localStorage.clear();
  window.sessionStorage.clear();
  window.history.replaceState(null, '', '/');
});

async function buyNow(userId = 'alice') {
  const user = userEvent.setup();
  await user.type(await screen.findByLabelText('Username or email'), userId);
  await user.click(screen.getByRole('button', { name: 'Buy Now' }));
}

/** The ALTCHA payload a join carried, read back. */
function proofSent(request: JoinRequest | undefined): unknown {
  return JSON.parse(atob(request?.proof ?? '')) as unknown;
}

/** A solver that answers only when the test says so. */
function heldSolver() {
  let answerWith: (number: number | null) => void = () => undefined;
  const solve = jest.fn(
    (_challenge: RequiredChallenge, _signal: AbortSignal) => new Promise<number | null>((resolve) => (answerWith = resolve)),
  );
  const answer = (number: number | null) =>
    act(async () => {
      answerWith(number);
    });
  return { solve, answer };
}

describe('the proof of work', () => {
  it('solves a required challenge, says the page is working meanwhile, and joins with the proof', async () => {
    const solver = heldSolver();
    const join = joinAnswering();
    const { deps } = harness({ challenge: jest.fn(() => Promise.resolve(requiredChallenge('c0ffee'))), join }, solver.solve);
    render(<ShopperPage deps={deps} />);
    await buyNow();

    await waitFor(() => expect(solver.solve).toHaveBeenCalledTimes(1));
    expect(solver.solve.mock.calls[0]?.[0]).toMatchObject({ challenge: 'c0ffee', salt: 'salt-1', maxnumber: 100_000 });
    expect(humanCheck()).toHaveTextContent('Checking you are a person, not a bot… this takes a second or two.');
    expect(humanCheck()).toHaveAttribute('aria-live', 'polite');
    expect(screen.getByRole('button', { name: 'Buy Now' })).toBeDisabled();
    expect(join).not.toHaveBeenCalled();

    await solver.answer(4242);
    expect(await screen.findByTestId('queue-position')).toHaveTextContent(/^3$/);
    const [request] = join.mock.calls[0] ?? [];
    expect(request?.userId).toBe('alice');
    expect(proofSent(request)).toEqual({ algorithm: 'SHA-256', challenge: 'c0ffee', number: 4242, salt: 'salt-1', signature: 'sig-1' });
    expect(outcome()).toHaveAttribute('data-outcome', 'waiting');
    expect(saysItIsChecking()).toBe(false);
  });

  it('joins at once, with no proof and no work, while the challenge is off', async () => {
    const solve = jest.fn(() => Promise.resolve(1));
    const { api, deps } = harness({}, solve);
    render(<ShopperPage deps={deps} />);
    await buyNow();

    expect(await screen.findByTestId('queue-position')).toHaveTextContent(/^3$/);
    expect(api.challenge).toHaveBeenCalledTimes(1);
    expect(solve).not.toHaveBeenCalled();
    expect(api.join).toHaveBeenCalledWith({ userId: 'alice' });
    expect(saysItIsChecking()).toBe(false);
  });

  it('meets a failed check once more with a fresh challenge', async () => {
    const challenge = jest
      .fn<Promise<ApiResult<ChallengeAnswer>>, []>()
      .mockResolvedValueOnce(requiredChallenge('stale'))
      .mockResolvedValueOnce(requiredChallenge('fresh'));
    const join = jest
      .fn<Promise<ApiResult<QueueAnswer>>, [JoinRequest]>()
      .mockResolvedValueOnce(refusal(400, 'challenge_failed'))
      .mockResolvedValueOnce(waiting());
    const { deps } = harness({ challenge, join });
    render(<ShopperPage deps={deps} />);
    await buyNow();

    expect(await screen.findByTestId('queue-position')).toHaveTextContent(/^3$/);
    expect(challenge).toHaveBeenCalledTimes(2);
    expect(proofSent(join.mock.calls[0]?.[0])).toMatchObject({ challenge: 'stale' });
    expect(proofSent(join.mock.calls[1]?.[0])).toMatchObject({ challenge: 'fresh' });
    expect(saysItIsChecking()).toBe(false);
  });

  it('gives up after the second failed check, and says so', async () => {
    const challenge = jest.fn(() => Promise.resolve(requiredChallenge()));
    const join = jest.fn(() => Promise.resolve<ApiResult<QueueAnswer>>(refusal(400, 'challenge_failed')));
    const { deps } = harness({ challenge, join });
    render(<ShopperPage deps={deps} />);
    await buyNow();

    await waitFor(() => expect(outcome()).toHaveAttribute('data-outcome', 'error'));
    expect(outcome()).toHaveTextContent('We could not check that you are a person, not a bot. Please try again.');
    expect(join).toHaveBeenCalledTimes(2);
    expect(humanCheck()).toBeEmptyDOMElement();
    expect(screen.getByRole('button', { name: 'Buy Now' })).toBeEnabled();
  });

  it('counts a challenge the solver cannot answer as a failed check, and tries a fresh one', async () => {
    const solve = jest.fn<Promise<number | null>, [RequiredChallenge, AbortSignal]>().mockResolvedValueOnce(null).mockResolvedValueOnce(7);
    const join = joinAnswering();
    const { deps } = harness({ challenge: jest.fn(() => Promise.resolve(requiredChallenge())), join }, solve);
    render(<ShopperPage deps={deps} />);
    await buyNow();

    expect(await screen.findByTestId('queue-position')).toHaveTextContent(/^3$/);
    expect(solve).toHaveBeenCalledTimes(2);
    expect(join).toHaveBeenCalledTimes(1);
    expect(proofSent(join.mock.calls[0]?.[0])).toMatchObject({ number: 7 });
  });

  it('stops the work when the page goes away', async () => {
    const solver = heldSolver();
    const { api, deps } = harness({ challenge: jest.fn(() => Promise.resolve(requiredChallenge())) }, solver.solve);
    const page = render(<ShopperPage deps={deps} />);
    await buyNow();
    await waitFor(() => expect(solver.solve).toHaveBeenCalledTimes(1));
    const signal = solver.solve.mock.calls[0]?.[1];
    expect(signal?.aborted).toBe(false);

    page.unmount();
    expect(signal?.aborted).toBe(true);
    await solver.answer(1);
    expect(api.join).not.toHaveBeenCalled();
  });
});

describe('identity mode', () => {
  it('takes the identity token out of the address bar, keeps it for the tab, and sends it with every join', async () => {
    window.history.replaceState(null, '', '/?identityToken=shop-jwt-1&campaign=spring#buy');
    const { api, deps } = harness();
    const page = render(<ShopperPage deps={deps} />);
    await screen.findByLabelText('Username or email');

    expect(window.location.search).toBe('?campaign=spring');
    expect(window.location.hash).toBe('#buy');
    expect(window.sessionStorage.getItem(IDENTITY_KEY)).toBe('shop-jwt-1');
    await buyNow();
    await screen.findByTestId('queue-position');
    expect(api.join).toHaveBeenCalledWith({ userId: 'alice', identityToken: 'shop-jwt-1' });

    // A reload: the address no longer has it, the tab still does.
    page.unmount();
    window.localStorage.clear();
    const reloaded = harness();
    render(<ShopperPage deps={reloaded.deps} />);
    await buyNow('alice');
    await screen.findByTestId('queue-position');
    expect(reloaded.api.join).toHaveBeenCalledWith({ userId: 'alice', identityToken: 'shop-jwt-1' });
  });

  it('sends both the identity token and the proof when the challenge is on', async () => {
    window.history.replaceState(null, '', '/?identityToken=shop-jwt-2');
    const { api, deps } = harness({ challenge: jest.fn(() => Promise.resolve(requiredChallenge())) });
    render(<ShopperPage deps={deps} />);
    await buyNow();
    await screen.findByTestId('queue-position');
    expect(api.join).toHaveBeenCalledWith({ userId: 'alice', identityToken: 'shop-jwt-2', proof: expect.any(String) });
  });
});

describe('refusals of the join', () => {
  it.each<[ApiFailure['code'], number, RegExp]>([
    ['challenge_required', 400, /^We could not check that you are a person, not a bot\. Please try again\.$/],
    ['identity_required', 401, /^Please sign in at the shop first/],
    ['invalid_identity', 401, /^Your sign-in at the shop has expired\. Please sign in again there/],
    ['network_blocked', 403, /^Your network has been barred from this sale/],
    ['too_many_places', 429, /^Too many places in this sale have already been taken from your network/],
  ])('shows %s (%i) as an error in words, and keeps no place', async (code, status, sentence) => {
    const failure = refusal(status, code);
    const { api, deps } = harness({ join: jest.fn(() => Promise.resolve<ApiResult<QueueAnswer>>(failure)) });
    render(<ShopperPage deps={deps} />);
    await buyNow();

    await waitFor(() => expect(outcome()).toHaveAttribute('data-outcome', 'error'));
    expect(outcome()).toHaveTextContent(sentence);
    expect(api.join).toHaveBeenCalledTimes(1);
    expect(window.localStorage.getItem(PLACE_KEY)).toBeNull();
    expect(screen.getByRole('button', { name: 'Buy Now' })).toBeEnabled();
  });

  it('gives up the place when the operator bars the network of a waiting shopper', async () => {
    const { api, deps, socket } = harness({ challenge: jest.fn(() => Promise.resolve(noChallenge)) });
    render(<ShopperPage deps={deps} />);
    await buyNow();
    await screen.findByTestId('queue-position');

    act(() => socket().handlers.left('network_blocked'));
    expect(outcome()).toHaveAttribute('data-outcome', 'error');
    expect(outcome()).toHaveTextContent('Your network has been barred from this sale, so your place in the queue was given up.');
    expect(screen.queryByTestId('queue-position')).not.toBeInTheDocument();
    expect(window.localStorage.getItem(PLACE_KEY)).toBeNull();
    expect(socket().closed).toBe(true);
    // Barred is final: no check of the place is needed to say why it went.
    expect(api.me).not.toHaveBeenCalled();
    expect(screen.getByRole('button', { name: 'Buy Now' })).toBeInTheDocument();
  });
});
