import type { Page } from 'playwright-core';
import { ADMIN_TOKEN, join, screenshot, send, startAllInOne, useChromium, type RunningProcess } from '../kit';

/**
 * The shopper page and the operator console in real Chromium, against the built all-in-one
 * process (`npm run build` builds the client it serves). The page is driven only through what
 * the SPEC names: the `Username or email` field, the `Buy Now` button, the position in
 * data-testid="queue-position", and the outcome in role="status" with data-outcome.
 */

const browser = useChromium();
const processes: RunningProcess[] = [];
afterEach(async () => {
  await Promise.all(processes.splice(0).map((running) => running.stop()));
});

const iso = (ms: number) => new Date(ms).toISOString();

/** One all-in-one process on the embedded store, with a sale that started a second ago. */
async function openSale(env: Record<string, string>): Promise<string> {
  const running = await startAllInOne({
    SALE_STARTS_AT: iso(Date.now() - 1000),
    ADMIN_TOKEN,
    RATE_LIMIT_PER_MINUTE: '0',
    // Shoppers here join from one address without the proof of work, but in the test of it.
    MAX_PLACES_PER_NETWORK: '0',
    JOIN_CHALLENGE_MAX_NUMBER: '0',
    ...env,
  });
  processes.push(running);
  return running.url;
}

/** A page in its own browser context (its own storage), phone-sized unless said otherwise. */
async function newPage(viewport = { width: 420, height: 860 }): Promise<Page> {
  const context = await browser().newContext({ viewport });
  return context.newPage();
}

const outcome = (page: Page) => page.locator('[role="status"][data-outcome]');

async function buyNow(page: Page, url: string, userId: string): Promise<void> {
  await page.goto(url);
  await page.getByLabel('Username or email').fill(userId);
  await page.getByRole('button', { name: 'Buy Now' }).click();
}

async function orderIdOf(url: string, userId: string): Promise<string> {
  const { orderId } = (await send(`${url}/api/purchase/${userId}`)).body as { orderId?: string };
  if (!orderId) throw new Error(`${userId} has no order`);
  return orderId;
}

async function joinBehind(url: string, count: number): Promise<void> {
  for (let i = 0; i < count; i++) await join(url, `ahead-${i}`);
}

/** The position shown, or null while none is. */
async function shownPosition(page: Page): Promise<number | null> {
  const text = await page
    .getByTestId('queue-position')
    .textContent({ timeout: 200 })
    .catch(() => null);
  return text === null || text.trim() === '' ? null : Number(text.trim());
}

test('a shopper buys and sees the order id; a reload keeps it; in a new browser they have already bought, even after the sell-out; the next is told it is sold out', async () => {
  const url = await openSale({ SALE_STOCK: '2', ADMISSION_RATE_PER_MINUTE: '6000' });
  const ann = await newPage();
  await buyNow(ann, url, 'Ann@Example.com');
  await ann.locator('[role="status"][data-outcome="purchased"]').waitFor({ timeout: 15_000 });
  const orderId = await orderIdOf(url, 'ann@example.com');
  expect(await outcome(ann).textContent()).toContain(orderId);
  await screenshot(ann, 'shopper-purchased');

  await ann.reload();
  await ann.locator('[role="status"][data-outcome="purchased"]').waitFor({ timeout: 10_000 });
  expect(await outcome(ann).textContent()).toContain(orderId);

  const annElsewhere = await newPage();
  await buyNow(annElsewhere, url, 'ann@example.com');
  await annElsewhere.locator('[role="status"][data-outcome="already_purchased"]').waitFor({ timeout: 10_000 });
  expect(await outcome(annElsewhere).textContent()).toContain(orderId);

  const bob = await newPage();
  await buyNow(bob, url, 'bob');
  await bob.locator('[role="status"][data-outcome="purchased"]').waitFor({ timeout: 15_000 });

  // The last unit is gone: the page knows from the sale's status, before any Buy Now.
  const cat = await newPage();
  await cat.goto(url);
  await cat.locator('[role="status"][data-outcome="sold_out"]').waitFor({ timeout: 10_000 });
  expect(await outcome(cat).textContent()).toMatch(/sold out/i);

  // After the sell-out, a buyer on yet another device can still find their order.
  const annLater = await newPage();
  await buyNow(annLater, url, 'ann@example.com');
  await annLater.locator('[role="status"][data-outcome="already_purchased"]').waitFor({ timeout: 10_000 });
  expect(await outcome(annLater).textContent()).toContain(orderId);
});

test('a shopper behind others sees the position fall, then buys', async () => {
  const url = await openSale({ SALE_STOCK: '10', ADMISSION_RATE_PER_MINUTE: '60' });
  // Eight ahead at one a second: enough margin that a slow page start still sees three positions.
  await joinBehind(url, 8);
  const eve = await newPage();
  await buyNow(eve, url, 'eve');
  await eve.locator('[role="status"][data-outcome="waiting"]').waitFor({ timeout: 10_000 });

  const seen: number[] = [];
  let screenshotTaken = false;
  const deadline = Date.now() + 25_000;
  while (Date.now() < deadline && (await outcome(eve).getAttribute('data-outcome')) === 'waiting') {
    const position = await shownPosition(eve);
    if (position !== null && position !== seen.at(-1)) seen.push(position);
    if (seen.length === 2 && !screenshotTaken) {
      await screenshot(eve, 'shopper-waiting');
      screenshotTaken = true;
    }
    await eve.waitForTimeout(150);
  }
  await eve.locator('[role="status"][data-outcome="purchased"]').waitFor({ timeout: 10_000 });
  expect(seen.length).toBeGreaterThanOrEqual(3);
  expect(seen).toEqual([...seen].sort((a, b) => b - a));
  expect(await outcome(eve).textContent()).toContain(await orderIdOf(url, 'eve'));
}, 60_000);

test('in a random pre-queue the shopper sees the draw and their ticket, no number, then the drawn place and where to check the draw', async () => {
  const url = await openSale({ SALE_STARTS_AT: iso(Date.now() + 6_000), PREQUEUE_ORDER: 'random', ADMISSION_RATE_PER_MINUTE: '60' });
  await joinBehind(url, 4);
  const zoe = await newPage();
  await buyNow(zoe, url, 'zoe');
  await zoe.getByTestId('in-draw').getByText('5 people are in the draw').waitFor({ timeout: 5_000 });
  expect(await shownPosition(zoe)).toBeNull();
  const ticket = (await zoe.getByTestId('lottery-ticket').textContent())?.trim() ?? '';
  expect(ticket).toMatch(/^[0-9a-f]{32}$/);
  await screenshot(zoe, 'shopper-in-draw');

  // The draw at the start: a number appears, the same one the published draw gives zoe's ticket.
  await zoe.getByTestId('queue-position').waitFor({ timeout: 10_000 });
  const drawn = (await send(`${url}/api/sale/lottery`)).body as { tickets: string[] };
  const place = drawn.tickets.indexOf(ticket) + 1;
  const shown = await shownPosition(zoe);
  expect(shown).not.toBeNull();
  expect(shown as number).toBeLessThanOrEqual(place);
  await expect(zoe.getByTestId('lottery-check').textContent()).resolves.toContain('npm run verify-lottery');
}, 30_000);

test('the operator pauses and the position stops moving; resumes and it moves again', async () => {
  const url = await openSale({ SALE_STOCK: '50', ADMISSION_RATE_PER_MINUTE: '60' });
  await joinBehind(url, 12);
  const eve = await newPage();
  await buyNow(eve, url, 'eve');
  await eve.getByTestId('queue-position').waitFor({ timeout: 10_000 });
  const first = (await shownPosition(eve)) as number;
  await expectPosition(eve, (position) => position < first, 'the line to move');

  const operator = await newPage({ width: 1200, height: 900 });
  await operator.goto(`${url}/admin`);
  await operator.getByLabel('Admin token').fill(ADMIN_TOKEN);
  await operator.getByLabel('Admin token').press('Enter');
  await operator.getByRole('button', { name: 'Pause' }).click();
  await operator.getByRole('button', { name: 'Resume' }).waitFor({ timeout: 5_000 });
  await eve.waitForTimeout(1_500); // a push already on its way may still land
  const held = (await shownPosition(eve)) as number;
  await eve.waitForTimeout(2_500);
  expect(await shownPosition(eve)).toBe(held);
  await screenshot(operator, 'operator-console');

  await operator.getByRole('button', { name: 'Resume' }).click();
  await expectPosition(eve, (position) => position < held, 'the line to move again');
});

test('with the proof of work on, the page solves it in a worker and joins, and stays responsive while it works', async () => {
  // About 250,000 hashes on average: a second or more, long enough to watch the page meanwhile.
  const url = await openSale({ JOIN_CHALLENGE_MAX_NUMBER: '500000', ADMISSION_RATE_PER_MINUTE: '0' });
  const page = await newPage();
  await page.goto(url);
  // Watch the page's own thread from before the click: the longest it was kept from a 10 ms tick,
  // and whether the shopper was told that the check was running.
  await page.evaluate(`(() => {
    const watch = { longestStallMs: 0, told: false };
    let last = performance.now();
    setInterval(() => {
      const now = performance.now();
      watch.longestStallMs = Math.max(watch.longestStallMs, now - last);
      last = now;
      if (document.querySelector('[data-testid="human-check"]')?.textContent) watch.told = true;
    }, 10);
    globalThis.watch = watch;
  })()`);
  await page.getByLabel('Username or email').fill('solver');
  const typed = page.getByLabel('Username or email');
  await page.getByRole('button', { name: 'Buy Now' }).click();
  await page
    .getByTestId('human-check')
    .filter({ hasText: /not a bot/ })
    .waitFor({ timeout: 5_000 });
  // While it works, another control answers: the field takes what is typed.
  if (await typed.isVisible()) {
    await typed.fill('solver-still-typing');
    expect(await typed.inputValue()).toBe('solver-still-typing');
  }
  await outcome(page).and(page.locator('[data-outcome="waiting"]')).waitFor({ timeout: 60_000 });
  const watch = await page.evaluate<{ longestStallMs: number; told: boolean }>('globalThis.watch');
  expect(watch.told).toBe(true);
  expect(watch.longestStallMs).toBeLessThan(250);
  expect((await join(url, 'solver')).status).toBe(400);
  const state = (await send(`${url}/api/admin/state`, { token: ADMIN_TOKEN })).body as { counters: { waiting: number } };
  expect(state.counters.waiting).toBe(1);
});

test('a sale that has ended says so', async () => {
  const url = await openSale({ SALE_STARTS_AT: iso(Date.now() - 7_200_000), SALE_ENDS_AT: iso(Date.now() - 3_600_000) });
  const page = await newPage();
  await page.goto(url);
  await page.locator('[role="status"][data-outcome="sale_ended"]').waitFor({ timeout: 10_000 });
  expect(await outcome(page).textContent()).toMatch(/ended/i);
});

async function expectPosition(page: Page, holds: (position: number) => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const position = await shownPosition(page);
    if (position !== null && holds(position)) return;
    await page.waitForTimeout(150);
  }
  throw new Error(`timed out waiting for ${what}`);
}
