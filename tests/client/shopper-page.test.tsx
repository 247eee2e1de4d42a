import '@testing-library/jest-dom';
import { act, render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { QueueAnswer } from '@flashsale/common/contract';
import { ShopperPage } from '../../client/src/shopper/ShopperPage';
import type { ApiResult } from '../../client/src/shared/http';
import type { PurchaseAnswer } from '../../client/src/shopper/answers';
import { answer, bought, harness, PLACE_KEY, refusal, sale } from './shopper-harness';

const outcome = () => screen.getByRole('status');

beforeEach(() => window.localStorage.clear());

it('joins, follows the line live, and buys by itself when admitted', async () => {
  const { api, deps, socket } = harness();
  render(<ShopperPage deps={deps} />);
  const user = userEvent.setup();
  expect(await screen.findByTestId('stock-remaining')).toHaveTextContent('10 of 100');
  expect(outcome()).not.toHaveAttribute('data-outcome');

  await user.type(screen.getByLabelText('Username or email'), '  Alice@x.com ');
  await user.click(screen.getByRole('button', { name: 'Buy Now' }));

  expect(await screen.findByTestId('queue-position')).toHaveTextContent(/^3$/);
  expect(api.join).toHaveBeenCalledWith({ userId: 'Alice@x.com' });
  expect(outcome()).toHaveAttribute('data-outcome', 'waiting');
  expect(screen.getByText(/about 2 minutes/)).toBeInTheDocument();
  expect(JSON.parse(window.localStorage.getItem(PLACE_KEY)!)).toMatchObject({ queueToken: 'qt-1' });
  expect(socket().token).toBe('qt-1');
  expect(screen.queryByRole('heading', { name: 'Your lottery ticket' })).not.toBeInTheDocument();

  act(() => socket().handlers.position({ position: 1, etaSeconds: 2, waiting: 40 }));
  expect(screen.getByTestId('queue-position')).toHaveTextContent(/^1$/);
  expect(screen.getByText(/40 people are waiting/)).toBeInTheDocument();

  const startsAt = new Date(Date.now() - 60_000).toISOString();
  const endsAt = new Date(Date.now() + 3_600_000).toISOString();
  act(() => socket().handlers.saleStatus({ status: 'active', remaining: 9, startsAt, endsAt, total: 100 }));
  expect(screen.getByTestId('stock-remaining')).toHaveTextContent('9 of 100');
  // The stock shown follows each push, its total too (the operator may add stock before the start).
  act(() => socket().handlers.saleStatus({ status: 'active', remaining: 59, startsAt, endsAt, total: 150 }));
  expect(screen.getByTestId('stock-remaining')).toHaveTextContent('59 of 150');

  act(() => socket().handlers.admitted({ admissionToken: 'jwt-1', expiresAt: Date.now() + 120_000 }));
  await waitFor(() => expect(outcome()).toHaveAttribute('data-outcome', 'purchased'));
  expect(api.purchase).toHaveBeenCalledTimes(1);
  expect(api.purchase).toHaveBeenCalledWith('jwt-1');
  expect(outcome()).toHaveTextContent('You bought it! Your order number is order-1.');
  expect(socket().closed).toBe(true);
  expect(screen.queryByRole('button', { name: 'Buy Now' })).not.toBeInTheDocument();
});

it('shows the purchase again after a reload, even though the sale has sold out since', async () => {
  window.localStorage.setItem(PLACE_KEY, JSON.stringify({ queueToken: 'qt-1', userId: 'alice' }));
  const { api, deps } = harness({
    sale: jest.fn(() => Promise.resolve(sale('sold_out', 0))),
    me: jest.fn(() => Promise.resolve(answer({ state: 'purchased', userId: 'alice', orderId: 'order-7', queueToken: 'qt-1' }))),
  });
  render(<ShopperPage deps={deps} />);
  await waitFor(() => expect(outcome()).toHaveAttribute('data-outcome', 'purchased'));
  expect(outcome()).toHaveTextContent('order-7');
  expect(api.me).toHaveBeenCalledWith('qt-1');
});

it('tells a shopper who bought in another browser that they already have', async () => {
  const { deps } = harness({
    join: jest.fn(() => Promise.resolve(answer({ state: 'purchased', userId: 'alice', orderId: 'order-3', queueToken: 'qt-2' }))),
  });
  render(<ShopperPage deps={deps} />);
  const user = userEvent.setup();
  await user.type(await screen.findByLabelText('Username or email'), 'alice');
  await user.click(screen.getByRole('button', { name: 'Buy Now' }));
  await waitFor(() => expect(outcome()).toHaveAttribute('data-outcome', 'already_purchased'));
  expect(outcome()).toHaveTextContent('You have already bought this item. Your order number is order-3.');
});

it('offers no Buy Now when the sale has ended at load', async () => {
  const { deps } = harness({ sale: jest.fn(() => Promise.resolve(sale('ended', 0))) });
  render(<ShopperPage deps={deps} />);
  await waitFor(() => expect(outcome()).toHaveAttribute('data-outcome', 'sale_ended'));
  expect(outcome()).toHaveTextContent('The sale has ended.');
  expect(screen.queryByRole('button', { name: 'Buy Now' })).not.toBeInTheDocument();
});

it('says sold out at load, and still lets an earlier buyer find their order', async () => {
  const { deps } = harness({ sale: jest.fn(() => Promise.resolve(sale('sold_out', 0))) });
  render(<ShopperPage deps={deps} />);
  await waitFor(() => expect(outcome()).toHaveAttribute('data-outcome', 'sold_out'));
  expect(outcome()).toHaveTextContent('sold out');
  expect(screen.getByText('Bought earlier? Enter the same name to see your order.')).toBeInTheDocument();
  expect(screen.getByRole('button', { name: 'Buy Now' })).toBeInTheDocument();
});

it('resumes the place after a reload and leaves the queue on request', async () => {
  window.localStorage.setItem(PLACE_KEY, JSON.stringify({ queueToken: 'qt-1', userId: 'alice' }));
  const { api, deps, socket } = harness({
    me: jest.fn(() => Promise.resolve(answer({ state: 'waiting', userId: 'alice', position: 8, etaSeconds: 30, queueToken: 'qt-1' }))),
  });
  render(<ShopperPage deps={deps} />);
  expect(await screen.findByTestId('queue-position')).toHaveTextContent(/^8$/);
  await userEvent.setup().click(screen.getByRole('button', { name: 'Leave the queue' }));
  await waitFor(() => expect(screen.getByRole('button', { name: 'Buy Now' })).toBeInTheDocument());
  expect(api.leave).toHaveBeenCalledWith('qt-1');
  expect(window.localStorage.getItem(PLACE_KEY)).toBeNull();
  expect(socket().closed).toBe(true);
  expect(screen.getByLabelText('Username or email')).toHaveFocus();
});

it('catches up after a reconnect: an admission pushed while away is bought', async () => {
  const me = jest.fn(() =>
    Promise.resolve(
      answer({ state: 'admitted', userId: 'alice', admissionToken: 'jwt-9', expiresAt: Date.now() + 60_000, queueToken: 'qt-1' }),
    ),
  );
  const { api, deps, socket } = harness({ me });
  render(<ShopperPage deps={deps} />);
  const user = userEvent.setup();
  await user.type(await screen.findByLabelText('Username or email'), 'alice');
  await user.click(screen.getByRole('button', { name: 'Buy Now' }));
  await screen.findByTestId('queue-position');

  act(() => socket().handlers.reconnected());
  await waitFor(() => expect(outcome()).toHaveAttribute('data-outcome', 'purchased'));
  expect(api.purchase).toHaveBeenCalledWith('jwt-9');
});

it('forgets a place whose token the socket refuses', async () => {
  window.localStorage.setItem(PLACE_KEY, JSON.stringify({ queueToken: 'qt-1', userId: 'alice' }));
  const { deps, socket } = harness({
    me: jest.fn(() => Promise.resolve(answer({ state: 'waiting', userId: 'alice', position: 2, etaSeconds: 5, queueToken: 'qt-1' }))),
  });
  render(<ShopperPage deps={deps} />);
  await screen.findByTestId('queue-position');
  act(() => socket().handlers.rejected());
  expect(window.localStorage.getItem(PLACE_KEY)).toBeNull();
  expect(await screen.findByRole('button', { name: 'Buy Now' })).toBeInTheDocument();
});

it('says the place lapsed when the server tells a waiting socket it left the queue, and offers the form again', async () => {
  window.localStorage.setItem(PLACE_KEY, JSON.stringify({ queueToken: 'qt-1', userId: 'alice' }));
  const me = jest
    .fn<Promise<ApiResult<QueueAnswer>>, [string]>()
    .mockResolvedValueOnce(answer({ state: 'waiting', userId: 'alice', position: 2, etaSeconds: 5, queueToken: 'qt-1' }))
    .mockResolvedValueOnce(refusal(404, 'not_found'));
  const { deps, socket } = harness({ me });
  render(<ShopperPage deps={deps} />);
  await screen.findByTestId('queue-position');
  act(() => socket().handlers.left('idle'));
  expect(await screen.findByText(/Your place in the queue lapsed while you were away/)).toBeInTheDocument();
  expect(screen.getByRole('button', { name: 'Buy Now' })).toBeInTheDocument();
  expect(window.localStorage.getItem(PLACE_KEY)).toBeNull();
});

it('ends the wait when the sale sells out', async () => {
  const { deps, socket } = harness();
  render(<ShopperPage deps={deps} />);
  const user = userEvent.setup();
  await user.type(await screen.findByLabelText('Username or email'), 'alice');
  await user.click(screen.getByRole('button', { name: 'Buy Now' }));
  await screen.findByTestId('queue-position');
  act(() => socket().handlers.soldOut());
  expect(outcome()).toHaveAttribute('data-outcome', 'sold_out');
});

it('says token_expired when a stored admission ran out unused', async () => {
  window.localStorage.setItem(PLACE_KEY, JSON.stringify({ queueToken: 'qt-1', userId: 'alice', admissionExpiresAt: Date.now() - 1000 }));
  const { deps } = harness({ me: jest.fn(() => Promise.resolve<ApiResult<QueueAnswer>>(refusal(404, 'not_found'))) });
  render(<ShopperPage deps={deps} />);
  await waitFor(() => expect(outcome()).toHaveAttribute('data-outcome', 'token_expired'));
  expect(screen.getByRole('button', { name: 'Buy Now' })).toBeInTheDocument();
  expect(window.localStorage.getItem(PLACE_KEY)).toBeNull();
});

it('marks a userId the server refuses, and keeps focus on the field', async () => {
  const { deps } = harness({ join: jest.fn(() => Promise.resolve<ApiResult<QueueAnswer>>(refusal(400, 'invalid_user_id'))) });
  render(<ShopperPage deps={deps} />);
  const user = userEvent.setup();
  await user.type(await screen.findByLabelText('Username or email'), 'no spaces please');
  await user.click(screen.getByRole('button', { name: 'Buy Now' }));
  await waitFor(() => expect(outcome()).toHaveAttribute('data-outcome', 'error'));
  expect(screen.getByLabelText('Username or email')).toHaveAttribute('aria-invalid', 'true');
  expect(screen.getByLabelText('Username or email')).toHaveFocus();
});

it('retries a purchase the store could not take, after Retry-After', async () => {
  jest.useFakeTimers();
  try {
    const purchase = jest
      .fn<Promise<ApiResult<PurchaseAnswer>>, [string]>()
      .mockResolvedValueOnce(refusal(503, 'unavailable', { retryAfterSeconds: 1 }))
      .mockResolvedValueOnce(bought('order-5'));
    const { deps, socket } = harness({
      purchase,
      me: jest.fn(() => Promise.resolve(answer({ state: 'waiting', userId: 'alice', position: 1, etaSeconds: 1, queueToken: 'qt-1' }))),
    });
    window.localStorage.setItem(PLACE_KEY, JSON.stringify({ queueToken: 'qt-1', userId: 'alice' }));
    render(<ShopperPage deps={deps} />);
    await act(async () => {
      await jest.advanceTimersByTimeAsync(0);
    });
    act(() => socket().handlers.admitted({ admissionToken: 'jwt-2', expiresAt: Date.now() + 60_000 }));
    await act(async () => {
      await jest.advanceTimersByTimeAsync(0);
    });
    expect(purchase).toHaveBeenCalledTimes(1);
    expect(outcome()).toHaveAttribute('data-outcome', 'waiting');
    await act(async () => {
      await jest.advanceTimersByTimeAsync(1_000);
    });
    expect(purchase).toHaveBeenCalledTimes(2);
    expect(outcome()).toHaveAttribute('data-outcome', 'purchased');
  } finally {
    jest.useRealTimers();
  }
});

it('names the product, with its price and picture when the shop set them', async () => {
  const product = { name: 'Trail shoe, size 42', price: '129.00 EUR', imageUrl: 'https://cdn.shop.example/shoe.webp' };
  const { deps } = harness({ sale: jest.fn(() => Promise.resolve(sale('active', 10, { product }))) });
  render(<ShopperPage deps={deps} />);
  expect(await screen.findByRole('heading', { level: 1, name: 'Trail shoe, size 42' })).toBeInTheDocument();
  expect(screen.getByTestId('product-price')).toHaveTextContent('129.00 EUR');
  expect(screen.getByRole('img', { name: 'Trail shoe, size 42' })).toHaveAttribute('src', product.imageUrl);
});

it('shows no price or picture the shop did not set', async () => {
  const { deps } = harness();
  render(<ShopperPage deps={deps} />);
  expect(await screen.findByRole('heading', { level: 1, name: 'Limited edition' })).toBeInTheDocument();
  expect(screen.queryByTestId('product-price')).not.toBeInTheDocument();
  expect(screen.queryByRole('img')).not.toBeInTheDocument();
});
