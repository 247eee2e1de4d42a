import { createPublicKey, randomUUID, type KeyObject } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { io as connectSocket } from 'socket.io-client';
import { createAdmissionTokenSigner, saleKeys, type QueueAdmittedEvent } from '@flashsale/common';
import {
  activeSale,
  auditSale,
  checkInvariants,
  eventually,
  formatAudit,
  generateKey,
  inPool,
  join,
  purchase,
  saleProcessEnv,
  startAllInOne,
  usePostgresCluster,
  useRedisServer,
  type AuditInput,
  type AuditReport,
  type RunningProcess,
  type ShopperLog,
  type ShopperSocket,
} from '../kit';

/**
 * The whole flow under load, then an audit of the SPEC's six invariants from the outside.
 *
 * Two all-in-one processes share one Redis (append-only file, fsync always) and one PostgreSQL
 * ledger. 3,000 shoppers join at once, spread over both, each keeping a socket on the other
 * instance; they are admitted at 500 a second and buy the moment they are told. The first 200
 * admitted fire 10 purchases in parallel each (the duplicate storm). After the sell-out, 200
 * more arrive: they are refused at the queue, and 50 holding valid admission tokens are refused
 * at checkout. Then the audit reads Redis and the ledger, and its negative controls break one
 * invariant at a time to show that each check can fail.
 */
const redisServer = useRedisServer({ appendfsync: 'always' });
const cluster = usePostgresCluster();

const SHOPPERS = 3_000;
const STOCK = 300;
const STORMERS = 200;
const STORM = 10;
const LATE = 200;
/** Requests in flight at once from this process: thousands of shoppers, paced like many browsers. */
const CONCURRENCY = 200;
/** Under this load an answer may take a while: each request has 20 s before it fails the run. */
const PATIENT = { timeoutMs: 20_000 };

const privateKey: KeyObject = generateKey('rsa');
const processes: RunningProcess[] = [];
const sockets: ShopperSocket[] = [];
afterAll(async () => {
  for (const socket of sockets.splice(0)) socket.close();
  await Promise.all(processes.splice(0).map((running) => running.stop()));
});

interface Shopper extends ShopperLog {
  queueToken?: string;
  bought: Promise<void> | null;
}

let report: AuditReport;
let auditInput: AuditInput;

test('3,000 shoppers through the whole flow, a duplicate storm and a late crowd: the audit finds all six invariants hold', async () => {
  const sale = activeSale({ stock: STOCK });
  const env = saleProcessEnv(sale, redisServer().url, privateKey, {
    DATABASE_URL: cluster().url,
    ADMISSION_RATE_PER_MINUTE: '30000',
  });
  processes.push(await startAllInOne(env), await startAllInOne(env));
  const urls = processes.map((running) => running.url);
  const urlFor = (i: number) => urls[i % urls.length] as string;

  const shoppers: Shopper[] = Array.from({ length: SHOPPERS }, (_, i) => ({
    userId: `stress-${i}`,
    admissions: [],
    purchases: [],
    bought: null,
  }));
  let admittedSoFar = 0;

  function buy(shopper: Shopper, index: number, admission: QueueAdmittedEvent): void {
    if (shopper.bought) return;
    shopper.admissions.push(admission);
    const copies = admittedSoFar++ < STORMERS ? STORM : 1;
    const checkoutUrl = urlFor(index + 1);
    shopper.bought = Promise.all(
      Array.from({ length: copies }, async () => {
        const answer = await purchase(checkoutUrl, admission.admissionToken, PATIENT);
        const orderId = (answer.body.orderId ?? (answer.body.error as { orderId?: string } | undefined)?.orderId) as string | undefined;
        shopper.purchases.push({ status: answer.status, ...(orderId && { orderId }) });
      }),
    ).then(() => undefined);
  }

  // Everyone joins at once (200 in flight), then holds a socket on the other instance.
  const started = Date.now();
  await inPool(
    shoppers.map((shopper, index) => ({ shopper, index })),
    CONCURRENCY,
    async ({ shopper, index }) => {
      shopper.joinSentAt = performance.now();
      const joined = await join(urlFor(index), shopper.userId, PATIENT);
      shopper.joinAnsweredAt = performance.now();
      if (joined.status === 410) return;
      shopper.queueToken = joined.body.queueToken as string;
      if (joined.body.state === 'admitted') {
        buy(shopper, index, { admissionToken: joined.body.admissionToken as string, expiresAt: joined.body.expiresAt as number });
        return;
      }
      const socket: ShopperSocket = connectSocket(urlFor(index + 1), {
        auth: { queueToken: shopper.queueToken },
        transports: ['websocket'],
        forceNew: true,
      });
      socket.on('queue:admitted', (admission) => buy(shopper, index, admission));
      sockets.push(socket);
    },
  );
  const joinedIn = Date.now() - started;

  const ordersKey = saleKeys(sale.saleId).orders;
  const redis = redisServer().client();
  try {
    await eventually(async () => (await redis.hlen(ordersKey)) === STOCK, 45_000, 'the sell-out');
  } finally {
    redis.disconnect();
  }
  await Promise.all(shoppers.flatMap((shopper) => (shopper.bought ? [shopper.bought] : [])));
  const soldOutIn = Date.now() - started;

  // The late crowd: refused at the queue, and at checkout even with valid admission tokens.
  const signer = createAdmissionTokenSigner(privateKey, sale.saleId, 120);
  const late: Shopper[] = Array.from({ length: LATE }, (_, i) => ({ userId: `late-${i}`, admissions: [], purchases: [], bought: null }));
  const lateJoins: number[] = [];
  await inPool(late, 50, async (shopper) => {
    lateJoins.push((await join(urlFor(0), shopper.userId, PATIENT)).status);
  });
  await inPool(late.slice(0, 50), 50, async (shopper) => {
    const { token, expiresAt } = signer.sign(shopper.userId, Date.now());
    shopper.admissions.push({ admissionToken: token, expiresAt });
    const answer = await purchase(urlFor(1), token, PATIENT);
    shopper.purchases.push({ status: answer.status });
  });
  expect(new Set(lateJoins)).toEqual(new Set([410]));
  expect(new Set(late.slice(0, 50).flatMap((s) => s.purchases.map((p) => p.status)))).toEqual(new Set([410]));

  // What the shoppers were told: exactly STOCK sales, and the storm's copies all 409 with one order id.
  const statuses = shoppers.flatMap((s) => s.purchases.map((p) => p.status));
  expect(statuses.filter((status) => status === 201)).toHaveLength(STOCK);
  const stormed = shoppers.filter((s) => s.purchases.length === STORM);
  expect(stormed).toHaveLength(STORMERS);
  for (const shopper of stormed) {
    expect(shopper.purchases.filter((p) => p.status === 201)).toHaveLength(1);
    expect(shopper.purchases.filter((p) => p.status === 409)).toHaveLength(STORM - 1);
    expect(new Set(shopper.purchases.map((p) => p.orderId)).size).toBe(1);
  }

  auditInput = {
    redisUrl: redisServer().url,
    saleId: sale.saleId,
    databaseUrl: cluster().url,
    publicKeys: [createPublicKey(privateKey)],
    shoppers: [...shoppers, ...late],
    fairness: true,
  };
  report = await auditSale(auditInput);
  console.log(
    `stress: ${SHOPPERS} joined in ${joinedIn} ms, sold out (${STOCK}) in ${soldOutIn} ms, ` +
      `${statuses.length} purchase requests\n${formatAudit(report)}`,
  );
  expect(report.checks.map((check) => [check.invariant, check.ok])).toEqual([1, 2, 3, 4, 5, 6].map((n) => [n, true]));
  expect(report.figures).toMatchObject({ stock: STOCK, remaining: 0, orders: STOCK, answered201: STOCK, ledgerRows: STOCK });
}, 90_000);

describe('negative controls: each check fails when its invariant is broken', () => {
  const failing = (audit: AuditReport) => audit.checks.filter((check) => !check.ok).map((check) => check.invariant);

  test('an order slipped into Redis without stock, window or admission fails invariants 1, 3 and 4', async () => {
    const redis = redisServer().client();
    const keys = saleKeys(auditInput.saleId);
    try {
      // As an unsafe purchase would: an order written without the script's checks.
      await redis.hset(keys.orders, 'intruder', `${randomUUID()}|${Date.parse('2001-01-01T00:00:00Z')}`);
      expect(failing(await auditSale(auditInput))).toEqual([1, 3, 4]);
    } finally {
      await redis.hdel(keys.orders, 'intruder');
      redis.disconnect();
    }
  });

  test('a 201 missing from the ledger fails invariant 5', async () => {
    const client = new Client({ connectionString: cluster().url });
    await client.connect();
    try {
      const { rows } = await client.query<{ order_id: string }>(
        'delete from orders where order_id = (select min(order_id) from orders) returning order_id',
      );
      expect(rows).toHaveLength(1);
      expect(failing(await auditSale({ ...auditInput, ledgerWaitMs: 0 }))).toEqual([5]);
    } finally {
      await client.end();
    }
  });

  test('two orders told to one shopper fail invariant 2, and an admission out of join order fails invariant 6', async () => {
    const facts = { stock: STOCK, remaining: 0, startsAt: 0, endsAt: Date.parse('2100-01-01T00:00:00Z'), orders: [], ledger: null };
    const first = auditInput.shoppers.find((s) => s.admissions.length > 0 && s.joinAnsweredAt !== undefined) as ShopperLog;
    const last = [...auditInput.shoppers].reverse().find((s) => s.admissions.length > 0 && s.joinSentAt !== undefined) as ShopperLog;
    const twiceTold: ShopperLog = {
      ...first,
      purchases: [
        { status: 201, orderId: 'a' },
        { status: 201, orderId: 'b' },
      ],
    };
    const jumped: ShopperLog = { ...last, admissions: [{ admissionToken: '', expiresAt: 0 }] };
    const shoppers = auditInput.shoppers.map((s) => (s === first ? twiceTold : s === last ? jumped : s));
    const audit = checkInvariants({ ...facts, input: { ...auditInput, shoppers } });
    expect(audit.checks.find((check) => check.invariant === 2)?.ok).toBe(false);
    expect(audit.checks.find((check) => check.invariant === 6)?.ok).toBe(false);
  });
});
