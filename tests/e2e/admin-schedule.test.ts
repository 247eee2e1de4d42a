import { ADMIN_TOKEN, send, startAllInOne, useChromium, type RunningProcess } from '../kit';

/**
 * The console's sale schedule in real Chromium, against the built all-in-one process, with the
 * browser in Asia/Kolkata (UTC+05:30, a half-hour offset and no daylight saving): the operator
 * types wall-clock times, and GET /api/sale must show the instants they mean.
 */
const ZONE = 'Asia/Kolkata';
const KOLKATA_AHEAD_MS = 5.5 * 3_600_000;
const MINUTE = 60_000;

const browser = useChromium();
let running: RunningProcess | null = null;
afterAll(async () => {
  await running?.stop();
});

const iso = (ms: number) => new Date(ms).toISOString();
/** What a datetime-local input in Kolkata shows for the instant: minutes, or seconds when it has some. */
const kolkataInput = (ms: number) => iso(ms + KOLKATA_AHEAD_MS).slice(0, ms % MINUTE === 0 ? 16 : 19);

async function saleNow(url: string): Promise<{ status: string; startsAt: string; endsAt: string; stock: { total: number } }> {
  return (await send(`${url}/api/sale`)).body as { status: string; startsAt: string; endsAt: string; stock: { total: number } };
}

test('the operator moves the start and the stock of an upcoming sale from the console, then starts it and sees the start locked', async () => {
  const startsAt = Math.ceil((Date.now() + 60 * MINUTE) / MINUTE) * MINUTE;
  const endsAt = startsAt + 120 * MINUTE;
  running = await startAllInOne({
    SALE_STARTS_AT: iso(startsAt),
    SALE_ENDS_AT: iso(endsAt),
    SALE_STOCK: '50',
    ADMIN_TOKEN,
    RATE_LIMIT_PER_MINUTE: '0',
    JOIN_CHALLENGE_MAX_NUMBER: '0',
  });
  const { url } = running;
  const context = await browser().newContext({ viewport: { width: 1200, height: 900 }, timezoneId: ZONE });
  const page = await context.newPage();
  await page.goto(`${url}/admin`);
  await page.getByLabel('Admin token').fill(ADMIN_TOKEN);
  await page.getByLabel('Admin token').press('Enter');

  const start = page.getByLabel('Start', { exact: true });
  const stock = page.getByLabel('Stock (units in all)');
  await start.waitFor({ timeout: 10_000 });
  expect(await start.inputValue()).toBe(kolkataInput(startsAt));
  // Chromium's ICU names the zone by its older canonical name, Asia/Calcutta.
  await expect(page.getByText(/Times are on your clock/).textContent()).resolves.toMatch(/\(Asia\/(Kolkata|Calcutta)\)/);

  const later = startsAt + 30 * MINUTE;
  await start.fill(kolkataInput(later));
  await stock.fill('75');
  await page.getByRole('button', { name: 'Save schedule' }).click();
  await page.getByText(/^Saved\./).waitFor({ timeout: 5_000 });
  let sale = await saleNow(url);
  expect({ startsAt: Date.parse(sale.startsAt), endsAt: Date.parse(sale.endsAt), total: sale.stock.total }).toEqual({
    startsAt: later,
    endsAt,
    total: 75,
  });

  // A start a few seconds ahead, to the second: the sale begins, and the console locks its start and stock.
  const soon = Math.ceil((Date.now() + 4_000) / 1000) * 1000;
  await start.fill(kolkataInput(soon));
  await page.getByRole('button', { name: 'Save schedule' }).click();
  await page.getByTestId('schedule-locked').waitFor({ timeout: 15_000 });
  expect(await start.isDisabled()).toBe(true);
  expect(await stock.isDisabled()).toBe(true);
  expect(await page.getByLabel('End', { exact: true }).isEnabled()).toBe(true);
  sale = await saleNow(url);
  expect(sale.status).toBe('active');
  expect(Date.parse(sale.startsAt)).toBe(soon);
  await context.close();
}, 60_000);
