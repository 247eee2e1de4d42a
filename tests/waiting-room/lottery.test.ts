import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { drawOrder, lotteryCommitment, verifyLottery, type LotteryAnswer, type SaleAnswer } from '@flashsale/common';
import { checkPublishedLottery } from '../../scripts/verify-lottery';
import {
  admin,
  eventually,
  join,
  lookUp,
  openSocket,
  saleDefinition,
  send,
  useRedisServer,
  useSales,
  type RunningInstance,
  useSockets,
  type StoreKind,
} from '../kit';

/**
 * The random pre-queue as shoppers and the public see it (SPEC: POST /api/queue, queue:position,
 * GET /api/sale, GET /api/sale/lottery): no number until the draw, a ticket for each place, a
 * seed committed to before anyone joins and revealed at the draw, and an order that anyone can
 * recompute from the seed and the tickets, which is the order admission then follows.
 */
const redisServer = useRedisServer();
const openSale = useSales(redisServer);

const SHOPPERS = 30;
const HEX = (length: number) => new RegExp(`^[0-9a-f]{${length}}$`);

interface Shopper {
  userId: string;
  queueToken: string;
  ticket: string;
  positions: Array<number | null>;
  admittedAt: number | null;
}

describe.each<[StoreKind, number]>([
  ['memory', 1],
  ['redis', 2],
])('a random pre-queue on the %s store with %i instance(s)', (kind, instanceCount) => {
  const sockets = useSockets();

  test('shows no number until the draw, then the drawn order, which the published lottery recomputes and admission follows', async () => {
    const sale = saleDefinition({ stock: 1000, startsAt: Date.now() + 3_000, endsAt: Date.now() + 3_600_000, queueOpensAt: 0 });
    const { instances, url } = await openSale(kind, sale, {
      instances: instanceCount,
      admission: { prequeueOrder: 'random', ratePerMinute: 600 },
    });
    const instanceUrl = (i: number) => (instances[i % instances.length] as RunningInstance).url;

    const opened = (await send(`${url}/api/sale`)).body as unknown as SaleAnswer;
    expect(opened.lottery).toEqual({ order: 'random', commitment: expect.stringMatching(HEX(64)) as unknown });
    const before = (await send(`${url}/api/sale/lottery`)).body as unknown as LotteryAnswer;
    expect(before).toMatchObject({ order: 'random', commitment: opened.lottery.commitment, seed: null, tickets: null });
    // The draw happens while admission is paused, so every drawn position can be seen whole.
    await admin(url, 'PATCH', 'admission', { paused: true });

    const shoppers: Shopper[] = [];
    for (let i = 0; i < SHOPPERS; i++) {
      const userId = `early-${String(i).padStart(2, '0')}`;
      const joined = await join(instanceUrl(i), userId);
      expect(joined.status).toBe(202);
      expect(joined.body).toMatchObject({ state: 'waiting', position: null, drawAt: new Date(sale.startsAt).toISOString() });
      expect(joined.body.ticket).toMatch(HEX(32));
      expect(joined.body.ticket).not.toContain(userId);
      shoppers.push({
        userId,
        queueToken: joined.body.queueToken as string,
        ticket: joined.body.ticket as string,
        positions: [],
        admittedAt: null,
      });
    }
    expect(new Set(shoppers.map((shopper) => shopper.ticket)).size).toBe(SHOPPERS);
    const lookedUp = await lookUp(url, (shoppers[0] as Shopper).queueToken);
    expect(lookedUp.body).toMatchObject({ position: null, ticket: (shoppers[0] as Shopper).ticket, drawAt: expect.any(String) as unknown });

    for (const [i, shopper] of shoppers.entries()) {
      sockets.push(
        await openSocket(instanceUrl(i + 1), shopper.queueToken, (socket) => {
          socket.on('queue:position', (event) => {
            shopper.positions.push(event.position);
            if (event.position === null) expect(event.waiting).toBe(SHOPPERS);
          });
          socket.on('queue:admitted', () => (shopper.admittedAt ??= Date.now()));
        }),
      );
    }
    await eventually(() => shoppers.every((shopper) => shopper.positions[0] === null), 3_000, 'the first pushes, in the draw');
    expect(Date.now()).toBeLessThan(sale.startsAt);

    // The draw: every socket hears its number, which is the recomputed order's.
    await eventually(() => shoppers.every((shopper) => typeof shopper.positions.at(-1) === 'number'), 6_000, 'the drawn positions');
    const drawn = (await send(`${url}/api/sale/lottery`)).body as unknown as LotteryAnswer;
    expect(drawn.commitment).toBe(opened.lottery.commitment);
    expect(lotteryCommitment(drawn.seed as string)).toBe(drawn.commitment);
    expect(verifyLottery(drawn)).toEqual({ ok: true, tickets: SHOPPERS });
    const owner = new Map(shoppers.map((shopper) => [shopper.ticket, shopper]));
    const recomputed = drawOrder(drawn.seed as string, [...owner.keys()]).map((ticket) => owner.get(ticket) as Shopper);
    expect(drawn.tickets).toEqual(recomputed.map((shopper) => shopper.ticket));
    for (const [i, shopper] of recomputed.entries()) expect(shopper.positions.at(-1)).toBe(i + 1);
    expect(((await send(`${url}/api/sale`)).body as unknown as SaleAnswer).lottery).toEqual({
      order: 'random',
      commitment: drawn.commitment,
      seed: drawn.seed,
    });
    const after = await lookUp(url, (recomputed[0] as Shopper).queueToken);
    expect(after.body).toMatchObject({ position: 1, ticket: (recomputed[0] as Shopper).ticket });
    expect(after.body).not.toHaveProperty('drawAt');

    // Admission follows the draw; a position once shown never rises.
    await admin(url, 'PATCH', 'admission', { paused: false });
    await eventually(() => shoppers.every((shopper) => shopper.admittedAt !== null), 10_000, 'every admission');
    // In drawn order; two admitted in one step reach their sockets in either order, so 50 ms of slack.
    const outOfOrder = recomputed.filter(
      (shopper, i) => i > 0 && (shopper.admittedAt as number) + 50 < ((recomputed[i - 1] as Shopper).admittedAt as number),
    );
    expect(outOfOrder.map((shopper) => shopper.userId)).toEqual([]);
    for (const shopper of shoppers) {
      const numbers = shopper.positions.slice(shopper.positions.findIndex((position) => position !== null));
      expect(numbers.every((position, i) => position !== null && (i === 0 || position <= (numbers[i - 1] as number)))).toBe(true);
    }
  }, 30_000);
});

describe('the lottery verifier', () => {
  const seed = 'a'.repeat(64);
  const tickets = ['0f', '1e', '2d', '3c', '4b', '5a'];
  const honest = { commitment: lotteryCommitment(seed), seed, tickets: drawOrder(seed, tickets) };

  test('agrees with an honest draw, and catches a seed that is not the committed one or a reordered ticket list', () => {
    expect(verifyLottery(honest)).toEqual({ ok: true, tickets: 6 });
    expect(verifyLottery({ ...honest, seed: 'b'.repeat(64) })).toMatchObject({ ok: false, problem: 'commitment_mismatch' });
    const [first, second, ...rest] = honest.tickets;
    expect(verifyLottery({ ...honest, tickets: [second as string, first as string, ...rest] })).toMatchObject({
      ok: false,
      problem: 'order_mismatch',
    });
    expect(verifyLottery({ ...honest, seed: null, tickets: null })).toMatchObject({ ok: false, problem: 'not_drawn' });
  });

  describe('npm run verify-lottery', () => {
    let published: LotteryAnswer;
    let server: Server;
    let url: string;
    beforeAll(async () => {
      server = createServer((_req, res) => res.setHeader('content-type', 'application/json').end(JSON.stringify(published)));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const publish = (lottery: Partial<LotteryAnswer>) => {
      published = { order: 'random', algorithm: 'as LOTTERY_ALGORITHM', ...honest, ...lottery };
    };

    test('says AGREE for an honest draw and DISAGREE for a tampered one', async () => {
      publish({});
      expect(await checkPublishedLottery(url)).toMatchObject({ agree: true });
      publish({ tickets: [...honest.tickets].reverse() });
      const reordered = await checkPublishedLottery(url);
      expect(reordered.agree).toBe(false);
      expect(reordered.lines.at(-1)).toMatch(/^DISAGREE \(order_mismatch\)/);
    });

    test('runs as the README says, with exit code 0 when the draw checks out and 1 when it does not', async () => {
      // Asynchronously: the published draw is served by this very process.
      const run = () =>
        new Promise<{ stdout: string; status: number | null }>((resolve) => {
          const child = spawn('npm', ['run', '--silent', 'verify-lottery', '--', url], { cwd: path.join(__dirname, '../..') });
          let stdout = '';
          child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
          child.on('close', (status) => resolve({ stdout, status }));
        });
      publish({});
      const agreed = await run();
      expect(agreed.stdout).toContain('AGREE');
      expect(agreed.status).toBe(0);
      publish({ seed: 'c'.repeat(64) });
      const refused = await run();
      expect(refused.stdout).toContain('DISAGREE (commitment_mismatch)');
      expect(refused.status).toBe(1);
    }, 30_000);
  });
});
