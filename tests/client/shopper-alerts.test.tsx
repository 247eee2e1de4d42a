import '@testing-library/jest-dom';
import { act, render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { QueueAnswer } from '@flashsale/common/contract';
import { ShopperPage } from '../../client/src/shopper/ShopperPage';
import { alertOf, announcesPosition, newAlert, pageTitle, positionAnnouncement } from '../../client/src/shopper/alerts';
import type { PurchaseAnswer } from '../../client/src/shopper/answers';
import type { ApiResult } from '../../client/src/shared/http';
import type { NumberedPlace } from '../../client/src/shopper/shopper-view';
import { answer, bought, harness } from './shopper-harness';

const BASE_TITLE = 'Flash sale';

/** jsdom's page is always visible; these tests say when the shopper is in another tab. */
let visibility: DocumentVisibilityState = 'visible';
function showPage(state: DocumentVisibilityState): void {
  visibility = state;
  act(() => void document.dispatchEvent(new Event('visibilitychange')));
}

/** A stand-in for the browser's Notification API: what it was asked, and what it showed. */
class FakeNotification {
  static permission: NotificationPermission = 'default';
  static requestPermission = jest.fn(() => Promise.resolve<NotificationPermission>('granted'));
  static shown: FakeNotification[] = [];
  onclick: (() => void) | null = null;
  close = jest.fn();
  constructor(
    readonly title: string,
    readonly options: NotificationOptions = {},
  ) {
    FakeNotification.shown.push(this);
  }
}
const browserWindow = window as unknown as { Notification?: unknown };

beforeEach(() => {
  window.localStorage.clear();
  document.title = BASE_TITLE;
  visibility = 'visible';
  Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => visibility });
  FakeNotification.permission = 'default';
  FakeNotification.requestPermission.mockClear();
  FakeNotification.shown = [];
  browserWindow.Notification = FakeNotification;
});
afterEach(() => {
  delete browserWindow.Notification;
});

const waitingAt = (position: number) => (): Promise<ApiResult<QueueAnswer>> =>
  Promise.resolve(answer({ state: 'waiting', userId: 'alice', position, etaSeconds: 600, queueToken: 'qt-1' }));

/** A purchase that answers only when the test says, so the page can be seen while it buys. */
function heldPurchase() {
  let finish: (answer: ApiResult<PurchaseAnswer>) => void = () => undefined;
  const purchase = jest.fn(() => new Promise<ApiResult<PurchaseAnswer>>((resolve) => (finish = resolve)));
  return { purchase, finish: (orderId: string) => act(() => finish(bought(orderId))) };
}

async function joinQueue(): Promise<void> {
  const user = userEvent.setup();
  await user.type(await screen.findByLabelText('Username or email'), 'alice');
  await user.click(screen.getByRole('button', { name: 'Buy Now' }));
  await screen.findByTestId('queue-position');
}

describe('the rules', () => {
  const numbered = (position: number): NumberedPlace => ({ position, firstPosition: 2000, etaSeconds: 60, waiting: 2000 });

  it('reads out the first place, each milestone passed, then every one of the last five', () => {
    const announced: number[] = [];
    let last: number | null = null;
    for (let position = 1203; position >= 1; position--) {
      if (announcesPosition(last, position)) announced.push((last = position));
    }
    expect(announced).toEqual([1203, 1000, 500, 100, 50, 10, 5, 4, 3, 2, 1]);
  });

  it('reads out a milestone jumped over, once, and nothing for a place that did not fall', () => {
    expect(announcesPosition(1203, 998)).toBe(true);
    expect(announcesPosition(998, 620)).toBe(false);
    expect(announcesPosition(998, 998)).toBe(false);
    expect(announcesPosition(8, 9)).toBe(false);
    expect(announcesPosition(12, 7)).toBe(true);
    expect(positionAnnouncement(1234)).toBe('You are number 1,234 in the queue.');
    expect(positionAnnouncement(1)).toBe('You are next in the queue.');
  });

  it('alerts on the turn and on an outcome, once each, but not on what a page opens to', () => {
    const waiting = { phase: 'waiting', outcome: { code: 'waiting' } } as const;
    const buying = { phase: 'buying', outcome: { code: 'waiting', buying: true } } as const;
    const bought = { phase: 'done', outcome: { code: 'purchased', orderId: 'o-1' } } as const;
    const soldOut = { phase: 'done', outcome: { code: 'sold_out' } } as const;
    expect(newAlert(waiting, buying)).toMatchObject({ key: 'admitted', title: expect.stringMatching(/your turn/) });
    expect(newAlert(buying, buying)).toBeNull();
    expect(newAlert(buying, bought)).toMatchObject({ key: 'purchased', body: expect.stringContaining('o-1') });
    expect(newAlert(waiting, soldOut)).toMatchObject({ key: 'sold_out' });
    expect(newAlert({ phase: 'loading', outcome: null }, soldOut)).toBeNull();
    expect(newAlert({ phase: 'idle', outcome: null }, { phase: 'idle', outcome: { code: 'error' } })).toBeNull();
    expect(newAlert({ phase: 'joining', outcome: null }, { phase: 'idle', outcome: { code: 'error' } })).toMatchObject({ key: 'error' });
    expect(alertOf(waiting)).toBeNull();
  });

  it('titles the page with an unseen alert first, else the place while waiting, else the page’s own title', () => {
    const unseen = alertOf({ phase: 'done', outcome: { code: 'sold_out' } });
    expect(pageTitle(BASE_TITLE, { phase: 'done', position: null }, unseen)).toBe('Sold out · Flash sale');
    expect(pageTitle(BASE_TITLE, { phase: 'waiting', position: numbered(1234) }, null)).toBe('#1,234 in the queue · Flash sale');
    expect(pageTitle(BASE_TITLE, { phase: 'done', position: null }, null)).toBe(BASE_TITLE);
  });
});

describe('the document title', () => {
  it('says it is the shopper’s turn, then the outcome, while the page is hidden, and goes back when it is seen', async () => {
    const { purchase, finish } = heldPurchase();
    const { deps, socket } = harness({ purchase });
    render(<ShopperPage deps={deps} />);
    await joinQueue();
    expect(document.title).toBe('#3 in the queue · Flash sale');

    showPage('hidden');
    act(() => socket().handlers.admitted({ admissionToken: 'jwt-1', expiresAt: Date.now() + 60_000 }));
    expect(document.title).toBe('It’s your turn — buying… · Flash sale');
    finish('order-1');
    await waitFor(() => expect(document.title).toBe('You bought it! · Flash sale'));

    showPage('visible');
    expect(document.title).toBe(BASE_TITLE);
  });

  it('stays the page’s own while the shopper watches the page', async () => {
    const { deps, socket } = harness();
    render(<ShopperPage deps={deps} />);
    await joinQueue();
    act(() => socket().handlers.admitted({ admissionToken: 'jwt-1', expiresAt: Date.now() + 60_000 }));
    await waitFor(() => expect(screen.getByRole('status')).toHaveAttribute('data-outcome', 'purchased'));
    expect(document.title).toBe(BASE_TITLE);
  });

  it('says how it ended when the sale sells out while the shopper is away', async () => {
    const { deps, socket } = harness();
    render(<ShopperPage deps={deps} />);
    await joinQueue();
    showPage('hidden');
    await act(async () => socket().handlers.soldOut());
    expect(document.title).toBe('Sold out · Flash sale');
    expect(screen.getByRole('status')).toHaveAttribute('data-outcome', 'sold_out');
  });
});

describe('notifications', () => {
  it('are offered with a button while waiting, and asked for only when it is clicked', async () => {
    const { deps } = harness();
    render(<ShopperPage deps={deps} />);
    await screen.findByLabelText('Username or email');
    expect(screen.queryByRole('button', { name: /notify me/i })).not.toBeInTheDocument();
    await joinQueue();
    expect(FakeNotification.requestPermission).not.toHaveBeenCalled();

    await userEvent.setup().click(screen.getByRole('button', { name: 'Notify me when it is my turn' }));
    expect(FakeNotification.requestPermission).toHaveBeenCalledTimes(1);
    expect(await screen.findByTestId('notify-state')).toHaveTextContent(/notifications are on/i);
    expect(screen.getByTestId('notify-state')).toHaveFocus();
    expect(screen.queryByRole('button', { name: /notify me/i })).not.toBeInTheDocument();
  });

  it('say so when they are blocked, with no button', async () => {
    FakeNotification.permission = 'denied';
    const { deps } = harness();
    render(<ShopperPage deps={deps} />);
    await joinQueue();
    expect(screen.getByTestId('notify-state')).toHaveTextContent(/blocked/i);
    expect(screen.queryByRole('button', { name: /notify me/i })).not.toBeInTheDocument();
  });

  it('are not offered where the browser has none', async () => {
    delete browserWindow.Notification;
    const { deps } = harness();
    render(<ShopperPage deps={deps} />);
    await joinQueue();
    expect(screen.queryByRole('button', { name: /notify me/i })).not.toBeInTheDocument();
    expect(screen.queryByTestId('notify-state')).not.toBeInTheDocument();
  });

  it('tell a shopper who allowed them, while the page is hidden, of the turn and the purchase', async () => {
    FakeNotification.permission = 'granted';
    const { purchase, finish } = heldPurchase();
    const { deps, socket } = harness({ purchase });
    render(<ShopperPage deps={deps} />);
    await joinQueue();
    act(() => socket().handlers.position({ position: 2, etaSeconds: 5, waiting: 3 }));
    expect(FakeNotification.shown).toHaveLength(0);

    showPage('hidden');
    act(() => socket().handlers.admitted({ admissionToken: 'jwt-1', expiresAt: Date.now() + 60_000 }));
    expect(FakeNotification.shown.map((shown) => shown.title)).toEqual(['It’s your turn — buying…']);
    finish('order-1');
    await waitFor(() => expect(FakeNotification.shown).toHaveLength(2));
    expect(FakeNotification.shown[1]).toMatchObject({ title: 'You bought it!', options: { body: expect.stringContaining('order-1') } });
    expect(FakeNotification.requestPermission).not.toHaveBeenCalled();
  });

  it('stay silent while the shopper watches the page', async () => {
    FakeNotification.permission = 'granted';
    const { deps, socket } = harness();
    render(<ShopperPage deps={deps} />);
    await joinQueue();
    act(() => socket().handlers.admitted({ admissionToken: 'jwt-1', expiresAt: Date.now() + 60_000 }));
    await waitFor(() => expect(screen.getByRole('status')).toHaveAttribute('data-outcome', 'purchased'));
    expect(FakeNotification.shown).toHaveLength(0);
  });
});

describe('the place read out to screen readers', () => {
  it('is said at milestones, not at every push, from one polite region apart from the number shown, and the turn by the outcome', async () => {
    const { purchase } = heldPurchase();
    const { deps, socket } = harness({ join: jest.fn(waitingAt(1203)), purchase });
    render(<ShopperPage deps={deps} />);
    await joinQueue();
    const announcer = screen.getByTestId('announcer');
    expect(announcer).toHaveAttribute('aria-live', 'polite');
    expect(announcer).toHaveTextContent('You are number 1,203 in the queue.');
    // The number itself is not live: a screen reader would otherwise say every push.
    expect(screen.getByTestId('queue-position').closest('[aria-live]')).toBeNull();

    act(() => socket().handlers.position({ position: 1100, etaSeconds: 500, waiting: 1500 }));
    expect(screen.getByTestId('queue-position')).toHaveTextContent(/^1100$/);
    expect(announcer).toHaveTextContent('You are number 1,203 in the queue.');

    act(() => socket().handlers.position({ position: 998, etaSeconds: 450, waiting: 1500 }));
    expect(announcer).toHaveTextContent('You are number 998 in the queue.');
    act(() => socket().handlers.position({ position: 997, etaSeconds: 450, waiting: 1500 }));
    expect(announcer).toHaveTextContent('You are number 998 in the queue.');
    act(() => socket().handlers.position({ position: 1, etaSeconds: 1, waiting: 1500 }));
    expect(announcer).toHaveTextContent('You are next in the queue.');

    // The turn is said once, by the outcome region, not again here.
    act(() => socket().handlers.admitted({ admissionToken: 'jwt-1', expiresAt: Date.now() + 60_000 }));
    expect(screen.getByRole('status')).toHaveTextContent('It is your turn!');
    expect(announcer).toBeEmptyDOMElement();
  });
});
