import { readFile } from 'node:fs/promises';
import { ADMIN_TOKEN, eventually, join, lookUp, purchase, screenshot, startAllInOne, useChromium, type RunningProcess } from '../kit';

/**
 * The console's report view in real Chromium, against the built all-in-one process: a small sale
 * sold out through the API, then the operator reads its report and downloads both CSVs.
 */
const browser = useChromium();
let running: RunningProcess | null = null;
afterAll(async () => {
  await running?.stop();
});

test('after a sell-out the operator reads the report, with its chart and table, and downloads report.csv and orders.csv', async () => {
  running = await startAllInOne({
    SALE_STARTS_AT: new Date(Date.now() - 1_000).toISOString(),
    SALE_STOCK: '4',
    ADMIN_TOKEN,
    MAX_PLACES_PER_NETWORK: '0',
    ADMISSION_RATE_PER_MINUTE: '600',
    RATE_LIMIT_PER_MINUTE: '0',
    JOIN_CHALLENGE_MAX_NUMBER: '0',
  });
  const { url } = running;
  // Six join; the first four are admitted and buy the four units.
  const shoppers = ['ann', 'bob', 'cat', 'dan', 'eve', 'fay'];
  const queueTokens = new Map<string, string>();
  for (const userId of shoppers) queueTokens.set(userId, (await join(url, userId)).body.queueToken as string);
  const orderIds: string[] = [];
  for (const userId of shoppers.slice(0, 4)) {
    let admissionToken = '';
    await eventually(
      async () => {
        const place = await lookUp(url, queueTokens.get(userId)!);
        admissionToken = (place.body.admissionToken as string | undefined) ?? '';
        return place.body.state === 'admitted';
      },
      10_000,
      `${userId} to be admitted`,
    );
    const bought = await purchase(url, admissionToken);
    expect(bought.status).toBe(201);
    orderIds.push(bought.body.orderId as string);
  }

  const context = await browser().newContext({ viewport: { width: 1200, height: 900 }, acceptDownloads: true });
  const page = await context.newPage();
  await page.goto(`${url}/admin`);
  await page.getByLabel('Admin token').fill(ADMIN_TOKEN);
  await page.getByLabel('Admin token').press('Enter');
  const report = page.locator('section', { has: page.getByRole('heading', { level: 2, name: 'Report' }) });
  await report.getByRole('button', { name: 'Refresh' }).click();
  await expect(report.getByTestId('report-status').textContent()).resolves.toBe('Sold out');
  await report.getByTestId('report-conversion').filter({ hasText: '100 %' }).waitFor({ timeout: 5_000 });
  // The chart is drawn (uPlot's canvas), and the table's totals are the sale's.
  await report.locator('canvas').first().waitFor({ timeout: 5_000 });
  const totals = await report.getByTestId('report-minutes').locator('tfoot td').allTextContents();
  expect(totals).toEqual(['6', '4', '4', '0', '0']);
  await report.scrollIntoViewIfNeeded();
  await screenshot(report, 'operator-report');

  const download = async (file: string) => {
    const [saved] = await Promise.all([page.waitForEvent('download'), report.getByRole('button', { name: `Download ${file}` }).click()]);
    expect(saved.suggestedFilename()).toBe(file);
    return (await readFile(await saved.path(), 'utf8')).trimEnd().split('\n');
  };
  const table = await download('report.csv');
  expect(table[0]).toBe('at,joined,admitted,purchased,expired,left');
  const orders = await download('orders.csv');
  expect(orders[0]).toBe('order_id,sale_id,user_id,purchased_at');
  expect(orders.slice(1).map((line) => line.split(',')[0])).toEqual(orderIds);
  await context.close();
});
