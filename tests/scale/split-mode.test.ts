import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AdminStateAnswer, SaleDefinition } from '@flashsale/common';
import {
  activeSale,
  admin,
  CHECKOUT_ENTRY,
  checkoutProcessEnv,
  eventually,
  generateKey,
  inPool,
  join,
  openSocket,
  purchase,
  saleProcessEnv,
  send,
  startLoadBalancer,
  startService,
  useRedisServer,
  WAITING_ROOM_ENTRY,
  type Answer,
  type LoadBalancer,
  type RunningProcess,
  type ShopperSocket,
} from '../kit';

/**
 * Split mode as it is deployed: two waiting-room and two checkout processes (the built entry
 * points of `npm run start:waiting-room` and `npm run start:checkout`) on one Redis, behind a
 * load balancer that sends `/api/purchase*` to checkout and the rest to the waiting room. Each
 * shopper comes from an address of their own (127.0.0.0/8 is all loopback), which the balancer
 * forwards and the instances trust (TRUST_PROXY=1), as in compose.
 */
const redisServer = useRedisServer();
const signingKey = generateKey('rsa');

const SHOPPERS = 60;
const STOCK = 40;
const RATE_LIMIT_PER_MINUTE = 30;

const processes: RunningProcess[] = [];
const sockets: ShopperSocket[] = [];
let lb: LoadBalancer | undefined;
afterAll(async () => {
  for (const socket of sockets) socket.close();
  await lb?.close();
  await Promise.all(processes.map((running) => running.stop()));
});

const adminState = async (url: string) => (await admin(url, 'GET', 'state')).body as unknown as AdminStateAnswer;

/** How long until `read` returns true, polled every 10 ms; fails past 5 s. */
async function timeUntil(read: () => Promise<boolean>): Promise<number> {
  const started = performance.now();
  await eventually(read, 5_000, 'the change to reach the other instance');
  return performance.now() - started;
}

interface Shopper {
  userId: string;
  address: string;
  queueToken: string;
  joinedOn: string;
  socketOn?: string;
  positions: Array<number | null>;
  admissionToken?: string;
  result?: Answer;
  duplicate?: Answer;
  soldOut: boolean;
}

test('two waiting rooms and two checkouts behind a load balancer behave as one sale', async () => {
  const sale: SaleDefinition = activeSale({ stock: STOCK });
  const common: Record<string, string> = {
    ...saleProcessEnv(sale, redisServer().url, signingKey),
    TRUST_PROXY: '1',
    RATE_LIMIT_PER_MINUTE: String(RATE_LIMIT_PER_MINUTE),
  };
  // Nobody is admitted until the operator sets a rate.
  const waitingRoomEnv = { ...common, ADMISSION_RATE_PER_MINUTE: '0' };
  // Checkout verifies only: it gets the public key and never the private one (its start refuses it).
  const checkoutEnv = checkoutProcessEnv(common, signingKey);

  const [wrA, wrB, coA, coB] = await Promise.all([
    startService(WAITING_ROOM_ENTRY, waitingRoomEnv),
    startService(WAITING_ROOM_ENTRY, waitingRoomEnv),
    startService(CHECKOUT_ENTRY, checkoutEnv),
    startService(CHECKOUT_ENTRY, checkoutEnv),
  ]);
  processes.push(wrA, wrB, coA, coB);
  lb = await startLoadBalancer({ waitingRoom: [wrA.url, wrB.url], checkout: [coA.url, coB.url] });
  const entry = lb.url;

  // Shoppers join through the balancer, each from their own address, and hold a socket through it.
  const shoppers: Shopper[] = Array.from({ length: SHOPPERS }, (_, i) => ({
    userId: `shopper-${i}`,
    address: `127.0.0.${10 + i}`,
    queueToken: '',
    joinedOn: '',
    positions: [],
    soldOut: false,
  }));
  for (const shopper of shoppers) {
    const answer = await join(entry, shopper.userId, { from: shopper.address });
    expect(answer.status).toBe(202);
    shopper.queueToken = answer.body.queueToken as string;
    shopper.joinedOn = answer.servedBy;
  }
  // Round-robin: the joins alternate between the two waiting rooms.
  expect(shoppers.map((shopper) => shopper.joinedOn)).toEqual(shoppers.map((_, i) => (i % 2 === 0 ? wrA.url : wrB.url)));

  const buy = async (shopper: Shopper) => {
    const token = shopper.admissionToken as string;
    // The shopper taps twice: round-robin sends the taps to both checkouts, in parallel.
    const answers = await Promise.all([
      purchase(entry, token, { from: shopper.address }),
      purchase(entry, token, { from: shopper.address }),
    ]);
    [shopper.result, shopper.duplicate] = answers.sort((a, b) => a.status - b.status);
  };
  // One more request to the waiting rooms first, so that round-robin puts each socket on the
  // instance that did not take its shopper's join.
  expect((await send(`${entry}/api/sale`)).status).toBe(200);
  const purchases: Array<Promise<void>> = [];
  await inPool(shoppers, 10, async (shopper) => {
    const socket = await openSocket(`${entry}?user=${shopper.userId}`, shopper.queueToken, (s) => {
      s.on('queue:position', (event) => shopper.positions.push(event.position));
      s.on('queue:admitted', (event) => {
        shopper.admissionToken = event.admissionToken;
        purchases.push(buy(shopper));
      });
      s.on('sale:sold_out', () => (shopper.soldOut = true));
    });
    sockets.push(socket);
    shopper.socketOn = lb?.routed.findLast((entry) => entry.user === shopper.userId)?.backend;
  });

  // Pushes cross instances: shoppers hold their socket on the instance that did not take their
  // join (nearly all: the sockets connect ten at a time), and every shopper hears their position.
  const crossed = shoppers.filter((shopper) => shopper.socketOn !== shopper.joinedOn);
  expect(crossed.length).toBeGreaterThanOrEqual(SHOPPERS / 2);
  await eventually(() => shoppers.every((shopper, i) => shopper.positions.at(-1) === i + 1), 5_000, 'every position');

  // An operator change made on one instance is in force on the other within a second.
  expect((await admin(wrA.url, 'PATCH', 'admission', { ratePerMinute: 300, paused: true })).status).toBe(200);
  const rateSeen = await timeUntil(async () => (await adminState(wrB.url)).settings.ratePerMinute === 300);
  expect(rateSeen).toBeLessThan(1_000);
  expect((await admin(wrB.url, 'PATCH', 'admission', { paused: false })).status).toBe(200);
  const resumeSeen = await timeUntil(async () => (await adminState(wrA.url)).settings.paused === false);
  expect(resumeSeen).toBeLessThan(1_000);

  // The rate is global: 300/min is 5 a second for the sale, not for each of the two instances. A
  // bucket per instance would admit about 40 in these 4 s; the shared one 20, plus at most a
  // second's worth saved up.
  await sleep(1_000);
  const before = (await adminState(entry)).counters.admittedTotal;
  await sleep(4_000);
  const admitted = (await adminState(entry)).counters.admittedTotal - before;
  expect(admitted).toBeGreaterThanOrEqual(14);
  expect(admitted).toBeLessThanOrEqual(26);

  // Faster now, until the stock is gone.
  expect((await admin(entry, 'PATCH', 'admission', { ratePerMinute: 6_000 })).status).toBe(200);
  await eventually(() => shoppers.filter((shopper) => shopper.result?.status === 201).length === STOCK, 15_000, 'the sell-out');
  await Promise.all(purchases);

  // Sold out reaches every shopper still waiting, whichever instance holds their socket.
  const unserved = shoppers.filter((shopper) => shopper.admissionToken === undefined);
  expect(unserved.length).toBe(SHOPPERS - STOCK);
  expect(new Set(unserved.map((shopper) => shopper.socketOn))).toEqual(new Set([wrA.url, wrB.url]));
  await eventually(() => unserved.every((shopper) => shopper.soldOut), 5_000, 'sale:sold_out on every waiting socket');

  // Every buyer got one unit from one checkout, and the other checkout answered the other tap with that order.
  const buyers = shoppers.filter((shopper) => shopper.result !== undefined);
  expect(buyers).toHaveLength(STOCK);
  for (const buyer of buyers) {
    expect(buyer.result?.status).toBe(201);
    expect(buyer.duplicate?.status).toBe(409);
    expect(buyer.duplicate?.body.orderId).toBe(buyer.result?.body.orderId);
    expect(new Set([buyer.result?.servedBy, buyer.duplicate?.servedBy])).toEqual(new Set([coA.url, coB.url]));
  }
  const saleNow = await send(`${entry}/api/sale`);
  expect(saleNow.body).toMatchObject({ status: 'sold_out', stock: { total: STOCK, remaining: 0 } });

  // The balancer's routing: purchases only ever reached checkout, and nothing else did.
  const routed = lb.routed;
  const checkouts = new Set([coA.url, coB.url]);
  for (const entryRouted of routed) expect(checkouts.has(entryRouted.backend)).toBe(entryRouted.path.startsWith('/api/purchase'));

  // Per-IP limits see the shopper behind the balancer: one address over the limit is refused while
  // another, through the same balancer, is not.
  const flooder = '127.0.1.1';
  const floods: number[] = [];
  for (let i = 0; i <= RATE_LIMIT_PER_MINUTE; i++) floods.push((await join(entry, 'flooder', { from: flooder })).status);
  expect(floods.slice(0, RATE_LIMIT_PER_MINUTE).every((status) => status === 410)).toBe(true);
  expect(floods.at(-1)).toBe(429);
  expect((await join(entry, 'neighbour', { from: '127.0.1.2' })).status).toBe(410);
}, 90_000);
