import { setTimeout as sleep } from 'node:timers/promises';
import type { KeyObject } from 'node:crypto';
import type { AdminStateAnswer, SaleDefinition } from '@flashsale/common';
import {
  admin,
  eventually,
  join,
  lookUp,
  openSocket,
  purchase,
  saleDefinition,
  saleProcessEnv,
  startService,
  testKeys,
  useRedisServer,
  useSales,
  WAITING_ROOM_ENTRY,
  type RunningProcess,
  type ShopperSocket,
  type StoreKind,
} from '../kit';

/**
 * Presence-aware admission with real sockets on the real clock: sockets keep their shoppers
 * present (on any instance), absent places are passed over and kept, and idle ones lapse. The
 * step-by-step rules, on both stores, are in tests/contract/presence.contract.test.ts.
 */
const redisServer = useRedisServer();
const openSale = useSales(redisServer);

const sockets: ShopperSocket[] = [];
const processes: RunningProcess[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.close();
  await Promise.all(processes.splice(0).map((running) => running.stop()));
});

/** A short grace, so absence shows within a test; renewals then run every 250 ms. */
const GRACE_SECONDS = 1;

const activeSale = (overrides: Partial<SaleDefinition> = {}) =>
  saleDefinition({ startsAt: Date.now() - 1000, endsAt: Date.now() + 3_600_000, queueOpensAt: 0, ...overrides });

const counters = async (url: string) => ((await admin(url, 'GET', 'state')).body as unknown as AdminStateAnswer).counters;

/** Joins over HTTP; with `socket`, the shopper also keeps a socket open and records what it hears. */
async function arrive(url: string, userId: string, socket: boolean) {
  const joined = await join(url, userId);
  const queueToken = joined.body.queueToken as string;
  const heard = { admittedAt: null as number | null, positions: [] as Array<number | null>, left: [] as string[] };
  if (socket) {
    sockets.push(
      await openSocket(url, queueToken, (live) => {
        live.on('queue:admitted', () => (heard.admittedAt ??= Date.now()));
        live.on('queue:position', (event) => heard.positions.push(event.position));
        live.on('queue:left', (event) => heard.left.push(event.reason));
      }),
    );
  }
  return { userId, queueToken, heard };
}

describe.each<[StoreKind, number]>([
  ['memory', 1],
  ['redis', 2],
])('on the %s store with %i instance(s)', (kind, instanceCount) => {
  const settings = { presenceGraceSeconds: GRACE_SECONDS, idleTimeoutSeconds: 600 };

  test('10 absent shoppers at the head and 5 units: the 5 go to present shoppers within a second, not a token lifetime', async () => {
    const { instances, url } = await openSale(kind, activeSale({ stock: 5 }), {
      instances: instanceCount,
      admission: { ratePerMinute: 6000 },
      settings,
    });
    await admin(url, 'PATCH', 'admission', { paused: true });
    // Ten join and close the tab; ten stay, their sockets on the last instance (the join was on the first).
    for (let i = 0; i < 10; i++) await arrive(url, `gone-${i}`, false);
    const lastUrl = (instances.at(-1) as { url: string }).url;
    const present: Array<Awaited<ReturnType<typeof arrive>>> = [];
    for (let i = 0; i < 10; i++) present.push(await arrive(lastUrl, `here-${i}`, true));
    await sleep(GRACE_SECONDS * 1000 + 300);
    expect(await counters(url)).toMatchObject({ waiting: 20, present: 10, absent: 10 });

    const resumedAt = Date.now();
    await admin(url, 'PATCH', 'admission', { paused: false });
    await eventually(() => present.slice(0, 5).every((shopper) => shopper.heard.admittedAt !== null), 2_000, '5 admissions');
    expect(Math.max(...present.slice(0, 5).map((shopper) => shopper.heard.admittedAt as number)) - resumedAt).toBeLessThan(1_000);
    expect(present.slice(5).every((shopper) => shopper.heard.admittedAt === null)).toBe(true);
    expect(await counters(url)).toMatchObject({ waiting: 15, present: 5, absent: 10, passedOver: 10, activeAdmissions: 5 });
    // They kept their places: the first absent one is still first in line.
    const first = await join(url, 'gone-0');
    expect(first.body).toMatchObject({ state: 'waiting', position: 1 });
  }, 20_000);

  test('an absent shopper who reconnects is admitted before the present shoppers who stood behind them', async () => {
    const { url } = await openSale(kind, activeSale({ stock: 1 }), {
      instances: instanceCount,
      admission: { ratePerMinute: 6000 },
      settings,
    });
    await admin(url, 'PATCH', 'admission', { paused: true });
    const away = await arrive(url, 'away', false);
    const behind = [await arrive(url, 'behind-0', true), await arrive(url, 'behind-1', true)];
    await sleep(GRACE_SECONDS * 1000 + 300);
    expect(await counters(url)).toMatchObject({ present: 2, absent: 1 });

    // Back on the page: the socket's connect renews the lease.
    const back = { admittedAt: null as number | null };
    sockets.push(await openSocket(url, away.queueToken, (live) => live.on('queue:admitted', () => (back.admittedAt = Date.now()))));
    await admin(url, 'PATCH', 'admission', { paused: false });
    await eventually(() => back.admittedAt !== null, 2_000, 'the returning shopper admitted');
    await sleep(300);
    expect(behind.map((shopper) => shopper.heard.admittedAt)).toEqual([null, null]);
  }, 20_000);

  test('after the idle timeout the place is gone: those behind move up, the socket is told, and a re-join goes to the back', async () => {
    const { url } = await openSale(kind, activeSale(), {
      instances: instanceCount,
      settings: { presenceGraceSeconds: GRACE_SECONDS, idleTimeoutSeconds: 1 },
    });
    await admin(url, 'PATCH', 'admission', { paused: true });
    const idle = await arrive(url, 'idle', false);
    const staying = await arrive(url, 'staying', true);
    await eventually(() => staying.heard.positions.includes(2), 2_000, 'the first position');
    await eventually(() => staying.heard.positions.at(-1) === 1, 5_000, 'moving up after the timeout');
    expect(await counters(url)).toMatchObject({ waiting: 1, timedOut: 1 });
    expect((await lookUp(url, idle.queueToken)).status).toBe(404);

    const told: string[] = [];
    sockets.push(await openSocket(url, idle.queueToken, (live) => live.on('queue:left', (event) => told.push(event.reason))));
    await eventually(() => told.length > 0, 2_000, 'queue:left');
    expect(told).toEqual(['not_queued']);
    expect((await join(url, 'idle')).body).toMatchObject({ state: 'waiting', position: 2 });
    expect(staying.heard.positions.every((position, i, all) => i === 0 || (position as number) <= (all[i - 1] as number))).toBe(true);
  }, 20_000);
});

test('a sale whose line is half abandoned sells out as fast as one without', async () => {
  /** Seconds from the start of admissions to the last unit sold, with `abandoned` absent shoppers in between. */
  async function sellOut(abandoned: boolean): Promise<number> {
    const { instances, url } = await openSale('redis', activeSale({ stock: 20 }), {
      instances: 2,
      admission: { ratePerMinute: 1200 },
      settings: { presenceGraceSeconds: GRACE_SECONDS, idleTimeoutSeconds: 600 },
    });
    await admin(url, 'PATCH', 'admission', { paused: true });
    const buyerUrl = (instances.at(-1) as { url: string }).url;
    let sold = 0;
    for (let i = 0; i < 30; i++) {
      if (abandoned) await join(url, `gone-${i}`);
      const joined = await join(url, `buyer-${i}`);
      // Each buyer buys the moment they are admitted, as the shopper page does.
      const socket = await openSocket(buyerUrl, joined.body.queueToken as string, (live) =>
        live.on('queue:admitted', ({ admissionToken }) => {
          void purchase(buyerUrl, admissionToken).then((answer) => (sold += answer.status === 201 ? 1 : 0));
        }),
      );
      sockets.push(socket);
    }
    await sleep(GRACE_SECONDS * 1000 + 300);
    const started = Date.now();
    await admin(url, 'PATCH', 'admission', { paused: false });
    await eventually(() => sold === 20, 10_000, 'the sell-out');
    return (Date.now() - started) / 1000;
  }
  const withoutAbandoned = await sellOut(false);
  const halfAbandoned = await sellOut(true);
  // 20 units at 20 a second: about a second either way; a token lifetime (120 s) would show.
  expect(halfAbandoned).toBeLessThan(withoutAbandoned * 1.3 + 0.3);
}, 40_000);

test('a shopper whose instance is SIGKILLed and who does not reconnect stops counting as present within the grace', async () => {
  const sale = activeSale();
  const env = saleProcessEnv({ ...sale, stock: 10 }, redisServer().url, testKeys().privateKey as KeyObject, {
    PRESENCE_GRACE_SECONDS: '2',
  });
  const doomed = await startService(WAITING_ROOM_ENTRY, env);
  const survivor = await startService(WAITING_ROOM_ENTRY, env);
  processes.push(doomed, survivor);
  await admin(survivor.url, 'PATCH', 'admission', { paused: true });

  // Both joined on the survivor; one keeps a socket on the doomed instance, one on the survivor.
  const stranded = await arrive(survivor.url, 'stranded', false);
  sockets.push(await openSocket(doomed.url, stranded.queueToken));
  const safe = await arrive(survivor.url, 'safe', true);
  // Well past the join's own grace: only the doomed instance's renewals keep 'stranded' present.
  await sleep(3_000);
  expect(await counters(survivor.url)).toMatchObject({ waiting: 2, present: 2, absent: 0 });

  doomed.child.kill('SIGKILL');
  const killedAt = Date.now();
  await eventually(async () => (await counters(survivor.url)).absent === 1, 4_000, 'stranded counted absent');
  expect(Date.now() - killedAt).toBeLessThanOrEqual(2_000 + 250);

  await admin(survivor.url, 'PATCH', 'admission', { paused: false });
  await eventually(() => safe.heard.admittedAt !== null, 3_000, 'the present shopper behind admitted');
  expect(await counters(survivor.url)).toMatchObject({ waiting: 1, absent: 1, passedOver: 1 });
}, 30_000);
