import { source as axeSource } from 'axe-core';
import type { Page } from 'playwright-core';
import { ADMIN_TOKEN, send, startAllInOne, useChromium, type RunningProcess } from '../kit';

/**
 * axe-core's automated accessibility check, in real Chromium, on the shopper page in each of its
 * main states and on the operator console. A finding of impact "serious" or "critical" fails the
 * test, which names the state, the rule and the elements.
 */

const browser = useChromium();
let running: RunningProcess | null = null;
afterAll(async () => {
  await running?.stop();
});

interface Finding {
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
}

/** Runs axe on the page as it is now: what it finds. */
async function axeFindings(page: Page): Promise<Finding[]> {
  if (!(await page.evaluate<boolean>('typeof axe !== "undefined"'))) await page.addScriptTag({ content: axeSource });
  return page.evaluate<Finding[]>(`axe.run(document, { resultTypes: ['violations'] }).then((result) =>
    result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.join(' ')) })))`);
}

async function expectNoSeriousFindings(page: Page, state: string): Promise<void> {
  const findings = await axeFindings(page);
  const serious = findings.filter((finding) => finding.impact === 'serious' || finding.impact === 'critical');
  expect({ state, serious }).toEqual({ state, serious: [] });
}

test('the shopper page (form, waiting, purchased) and the operator console have no serious accessibility finding', async () => {
  running = await startAllInOne({
    SALE_STARTS_AT: new Date(Date.now() - 1000).toISOString(),
    SALE_STOCK: '5',
    // Nobody is admitted until the test says, so the waiting page holds still to be checked.
    ADMISSION_RATE_PER_MINUTE: '0',
    ADMIN_TOKEN,
    PRODUCT_NAME: 'Trail shoe, size 42',
    PRODUCT_PRICE: '129.00 EUR',
    RATE_LIMIT_PER_MINUTE: '0',
    MAX_PLACES_PER_NETWORK: '0',
    JOIN_CHALLENGE_MAX_NUMBER: '0',
  });
  const { url } = running;
  // The pages' content security policy allows no inline script: axe is injected as one.
  const context = await browser().newContext({ viewport: { width: 420, height: 860 }, bypassCSP: true });
  const page = await context.newPage();

  await page.goto(url);
  await page.getByTestId('stock-remaining').waitFor({ timeout: 10_000 });
  await expectNoSeriousFindings(page, 'form');

  await page.getByLabel('Username or email').fill('ann');
  await page.getByRole('button', { name: 'Buy Now' }).click();
  await page.getByTestId('queue-position').waitFor({ timeout: 10_000 });
  await expectNoSeriousFindings(page, 'waiting, offered notifications');

  // Chromium asks no one here: the permission granted to the context is what the click gets back.
  await context.grantPermissions(['notifications']);
  await page.getByRole('button', { name: 'Notify me when it is my turn' }).click();
  await expect(page.getByTestId('notify-state').textContent()).resolves.toMatch(/notifications are on/i);
  await expectNoSeriousFindings(page, 'waiting, notifications on');

  const admitting = await send(`${url}/api/admin/admission`, { method: 'PATCH', token: ADMIN_TOKEN, body: { ratePerMinute: 6000 } });
  expect(admitting.status).toBe(200);
  await page.locator('[role="status"][data-outcome="purchased"]').waitFor({ timeout: 15_000 });
  await expectNoSeriousFindings(page, 'purchased');

  await page.goto(`${url}/admin`);
  await page.getByLabel('Admin token').waitFor({ timeout: 10_000 });
  await expectNoSeriousFindings(page, 'admin sign-in');
  await page.getByLabel('Admin token').fill(ADMIN_TOKEN);
  await page.getByLabel('Admin token').press('Enter');
  await page.getByRole('button', { name: 'Pause' }).waitFor({ timeout: 10_000 });
  await expectNoSeriousFindings(page, 'admin console');
  await context.close();
}, 60_000);
