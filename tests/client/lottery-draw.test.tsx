import '@testing-library/jest-dom';
import { act, render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { QueueAnswer, SaleAnswer } from '@flashsale/common/contract';
import { ShopperPage } from '../../client/src/shopper/ShopperPage';
import type { ApiResult } from '../../client/src/shared/http';
import { answer, harness, PLACE_KEY, sale } from './shopper-harness';

const TICKET = '5e0c9a7d41b2f3e8a6b1';
const inMinutes = (minutes: number) => new Date(Date.now() + minutes * 60_000).toISOString();

/** A random pre-queue before its draw: the sale is upcoming and only the seed's commitment is public. */
function beforeTheDraw(startsAt: string): ApiResult<SaleAnswer> {
  return sale('upcoming', 100, {
    startsAt,
    queue: { waiting: 7, admissionRatePerMinute: 60, paused: false },
    lottery: { order: 'random', commitment: 'c0ffee' },
  });
}

function inTheDraw(extra: { drawAt?: string; ticket?: string }): ApiResult<QueueAnswer> {
  return answer({ state: 'waiting', userId: 'alice', position: null, etaSeconds: 420, queueToken: 'qt-1', ...extra });
}

const placeNumber = () => screen.queryByTestId('queue-position');
const drawCheck = () => screen.queryByTestId('lottery-check');

/** Alice joins a random pre-queue five minutes before the start. */
async function joinTheDraw(me = jest.fn(() => Promise.resolve(inTheDraw({ ticket: TICKET })))) {
  const drawAt = inMinutes(5);
  const page = harness({
    sale: jest.fn(() => Promise.resolve(beforeTheDraw(drawAt))),
    join: jest.fn(() => Promise.resolve(inTheDraw({ drawAt, ticket: TICKET }))),
    me,
  });
  render(<ShopperPage deps={page.deps} />);
  const user = userEvent.setup();
  await user.type(await screen.findByLabelText('Username or email'), 'alice');
  await user.click(screen.getByRole('button', { name: 'Buy Now' }));
  await screen.findByTestId('in-draw');
  return { ...page, drawAt };
}

beforeEach(() => window.localStorage.clear());

it('shows a place in the draw without a number: how many are in it, when it happens, and the ticket', async () => {
  const { drawAt, socket } = await joinTheDraw();

  expect(placeNumber()).not.toBeInTheDocument();
  expect(screen.getByRole('status')).toHaveAttribute('data-outcome', 'waiting');
  const place = screen.getByTestId('in-draw');
  expect(place).toHaveTextContent('You are in the draw for places in the queue.');
  expect(place).toHaveTextContent('7 people are in the draw.');
  expect(screen.getByTestId('draw-countdown')).toHaveAttribute('dateTime', drawAt);
  expect(screen.getByTestId('draw-countdown').textContent).toMatch(/^[45]:\d\d$/);
  expect(screen.getByTestId('queue-eta')).toHaveTextContent('about 7 minutes');

  expect(screen.getByRole('heading', { name: 'Your lottery ticket' })).toBeInTheDocument();
  expect(screen.getByTestId('lottery-ticket')).toHaveTextContent(TICKET);
  expect(JSON.parse(window.localStorage.getItem(PLACE_KEY)!)).toMatchObject({ queueToken: 'qt-1', ticket: TICKET });
  expect(drawCheck()).not.toBeInTheDocument();

  act(() => socket().handlers.position({ position: null, etaSeconds: 400, waiting: 12 }));
  expect(screen.getByTestId('in-draw')).toHaveTextContent('12 people are in the draw.');
  expect(placeNumber()).not.toBeInTheDocument();
});

it('shows the number the draw gives, in place of the draw', async () => {
  const { socket } = await joinTheDraw();
  act(() => socket().handlers.position({ position: 4, etaSeconds: 60, waiting: 12 }));
  expect(placeNumber()).toHaveTextContent(/^4$/);
  expect(screen.queryByTestId('in-draw')).not.toBeInTheDocument();
  expect(screen.getByText(/12 people are waiting/)).toBeInTheDocument();
});

it('never lets a shown number rise, or turn back into the draw, whatever a push or an answer says', async () => {
  const me = jest.fn(() =>
    Promise.resolve(answer({ state: 'waiting', userId: 'alice', position: 9, etaSeconds: 90, queueToken: 'qt-1', ticket: TICKET })),
  );
  const { socket } = await joinTheDraw(me);
  act(() => socket().handlers.position({ position: 4, etaSeconds: 60, waiting: 12 }));

  act(() => socket().handlers.position({ position: null, etaSeconds: 400, waiting: 12 }));
  expect(placeNumber()).toHaveTextContent(/^4$/);
  expect(screen.queryByTestId('in-draw')).not.toBeInTheDocument();

  act(() => socket().handlers.position({ position: 9, etaSeconds: 90, waiting: 12 }));
  expect(placeNumber()).toHaveTextContent(/^4$/);

  // A reconnect asks GET /api/queue/me, whose answer crossed an older push.
  await act(async () => socket().handlers.reconnected());
  await waitFor(() => expect(me).toHaveBeenCalledTimes(1));
  expect(placeNumber()).toHaveTextContent(/^4$/);

  act(() => socket().handlers.position({ position: 2, etaSeconds: 30, waiting: 11 }));
  expect(placeNumber()).toHaveTextContent(/^2$/);
});

it('says where to check the draw once the shopper got a number', async () => {
  const { socket } = await joinTheDraw();
  act(() => socket().handlers.position({ position: 4, etaSeconds: 60, waiting: 12 }));

  expect(screen.getByTestId('lottery-ticket')).toHaveTextContent(TICKET);
  expect(drawCheck()).toHaveTextContent('npm run verify-lottery -- http://localhost');
  expect(screen.getByRole('link', { name: '/api/sale/lottery' })).toHaveAttribute('href', '/api/sale/lottery');
});

it('after a reload past the draw, keeps the ticket of a bought place and says where to check the draw', async () => {
  window.localStorage.setItem(PLACE_KEY, JSON.stringify({ queueToken: 'qt-1', userId: 'alice', ticket: TICKET }));
  const { deps } = harness({
    sale: jest.fn(() => Promise.resolve(sale('active', 90, { lottery: { order: 'random', commitment: 'c0ffee', seed: '5eed' } }))),
    // A purchased answer carries no ticket: the page keeps it with the place.
    me: jest.fn(() => Promise.resolve(answer({ state: 'purchased', userId: 'alice', orderId: 'order-4', queueToken: 'qt-1' }))),
  });
  render(<ShopperPage deps={deps} />);
  await waitFor(() => expect(screen.getByRole('status')).toHaveAttribute('data-outcome', 'purchased'));
  expect(screen.getByTestId('lottery-ticket')).toHaveTextContent(TICKET);
  expect(drawCheck()).toHaveTextContent(/anyone can recompute it with: ?npm run verify-lottery -- http:\/\/localhost/i);
});

it('counts down to the sale start when a reloaded place in the draw names no draw time', async () => {
  const startsAt = inMinutes(3);
  window.localStorage.setItem(PLACE_KEY, JSON.stringify({ queueToken: 'qt-1', userId: 'alice' }));
  const { deps } = harness({
    sale: jest.fn(() => Promise.resolve(beforeTheDraw(startsAt))),
    me: jest.fn(() => Promise.resolve(inTheDraw({ ticket: TICKET }))),
  });
  render(<ShopperPage deps={deps} />);
  expect(await screen.findByTestId('draw-countdown')).toHaveAttribute('dateTime', startsAt);
  expect(placeNumber()).not.toBeInTheDocument();
  expect(screen.getByTestId('lottery-ticket')).toHaveTextContent(TICKET);
  expect(JSON.parse(window.localStorage.getItem(PLACE_KEY)!)).toMatchObject({ ticket: TICKET });
});
