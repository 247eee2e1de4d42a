import { createHash, createHmac, generateKeyPairSync } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { SaleDefinition } from '@flashsale/common';
import { createJoinChallenges } from '@flashsale/waiting-room';
import {
  admin,
  ADMIN_TOKEN,
  errorCode,
  eventually,
  inPool,
  join,
  leave,
  lookUp,
  openSocket,
  payChallenge,
  QUEUE_TOKEN_SECRET,
  saleDefinition,
  send,
  solveChallenge,
  useRedisServer,
  useSales,
  useSockets,
  type Challenge,
  type StoreKind,
} from '../kit';

/**
 * One place per person: the proof of work a join pays, the cap per network, the operator's bar on
 * a network, and the shop's signed identity; on both stores, and on Redis with two instances,
 * where each rule must hold across instances. Shoppers come from their own loopback addresses
 * (127.0.0.0/8 is all loopback), so a "network" is a real /24 of source addresses.
 */
const redisServer = useRedisServer();
const openSale = useSales(redisServer);
const sockets = useSockets();

/** A sale that starts in an hour: places are taken, nobody is admitted. */
const later = (): SaleDefinition =>
  saleDefinition({ startsAt: Date.now() + 3_600_000, endsAt: Date.now() + 7_200_000, queueOpensAt: Date.now() - 1000 });

/** The n-th address of a /24 in 127.0.0.0/8: `net` names the network. */
const address = (net: number, host: number) => `127.0.${net}.${host}`;

/** A JWT signed HS256 with `secret`: the old trick of using the public key as an HMAC secret. */
function hmacToken(claims: object, secret: string | Buffer): string {
  const head = `${Buffer.from('{"alg":"HS256","typ":"JWT"}').toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  return `${head}.${createHmac('sha256', secret).update(head).digest('base64url')}`;
}

const CAP = 50;
const CHEAP = 2_000;

describe.each<[StoreKind, number]>([
  ['memory', 1],
  ['redis', 1],
  ['redis', 2],
])('on the %s store with %i instance(s)', (kind, instanceCount) => {
  const open = (options: { cap?: number; challenge?: number } = {}) =>
    openSale(kind, later(), {
      instances: instanceCount,
      admission: { challengeMaxNumber: options.challenge ?? 0 },
      join: { maxPlacesPerNetwork: options.cap ?? CAP },
    });

  test(`a bot with 300 invented ids from one /24 takes exactly ${CAP} places; shoppers from other networks are not slowed`, async () => {
    const { instances } = await open();
    const urls = instances.map((instance) => instance.url);
    const botAnswers: number[] = [];
    const shopperAnswers: number[] = [];
    await Promise.all([
      inPool(
        Array.from({ length: 300 }, (_, i) => i),
        30,
        async (i) => {
          const answer = await join(urls[i % urls.length] as string, `bot-${i}@mail.test`, { from: address(5, 1 + (i % 250)) });
          botAnswers.push(answer.status === 429 ? 429 : answer.status);
          if (answer.status === 429) expect(errorCode(answer)).toBe('too_many_places');
        },
      ),
      inPool(
        Array.from({ length: 60 }, (_, i) => i),
        10,
        async (i) => {
          const answer = await join(urls[i % urls.length] as string, `shopper-${i}`, { from: address(6 + (i % 3), 1 + i) });
          shopperAnswers.push(answer.status);
        },
      ),
    ]);
    expect(botAnswers.filter((status) => status === 202)).toHaveLength(CAP);
    expect(botAnswers.filter((status) => status === 429)).toHaveLength(300 - CAP);
    expect(shopperAnswers).toEqual(Array(60).fill(202));

    const state = await admin(urls[0] as string, 'GET', 'state');
    expect(state.body).toMatchObject({
      counters: { waiting: CAP + 60, placesRefused: 300 - CAP },
      abuse: { topNetworks: expect.arrayContaining([{ network: '127.0.5.0/24', places: CAP }]) as unknown },
    });
    expect((state.body.abuse as { topNetworks: unknown[] }).topNetworks[0]).toEqual({ network: '127.0.5.0/24', places: CAP });
  });

  test('a place held re-joins freely; a place given up still counts, so a network cannot cycle places', async () => {
    const { url } = await open({ cap: 2 });
    const ann = await join(url, 'ann', { from: address(11, 1) });
    await join(url, 'bob', { from: address(11, 2) });
    expect((await join(url, 'ann', { from: address(11, 3) })).body).toMatchObject({ state: 'waiting', position: 1 });
    await leave(url, ann.body.queueToken as string);
    const cycled = await join(url, 'cat', { from: address(11, 4) });
    expect([cycled.status, errorCode(cycled)]).toEqual([429, 'too_many_places']);
    expect((await join(url, 'ann', { from: address(11, 1) })).status).toBe(429);
  });

  test('a join pays a proof of work: none, a wrong number, a forged signature, garbage, another sale or a late one is refused and takes nothing', async () => {
    const { url } = await open({ challenge: CHEAP });
    const challengeOf = async () => (await send(`${url}/api/queue/challenge`)).body as unknown as Challenge;
    const fresh = await challengeOf();
    expect(fresh).toMatchObject({ required: true, algorithm: 'SHA-256', maxnumber: CHEAP });

    const right = solveChallenge(fresh);
    const number = (JSON.parse(Buffer.from(right, 'base64').toString()) as { number: number }).number;
    const forged = solveChallenge({ ...(await challengeOf()), signature: createHash('sha256').update('forged').digest('hex') });
    const otherSale = createJoinChallenges(QUEUE_TOKEN_SECRET, 'another-sale').issue(CHEAP, Date.now());
    const saleId = (await send(`${url}/api/sale`)).body.saleId as string;
    const late = createJoinChallenges(QUEUE_TOKEN_SECRET, saleId).issue(CHEAP, Date.now() - 11 * 60_000);
    const refusals: Array<[string | undefined, string]> = [
      [undefined, 'challenge_required'],
      [solveChallenge(fresh, (number + 1) % (CHEAP + 1)), 'challenge_failed'],
      [forged, 'challenge_failed'],
      ['%%% not base64 %%%', 'challenge_failed'],
      [Buffer.from('{"not": "a proof"}').toString('base64'), 'challenge_failed'],
      [Buffer.from('not json').toString('base64'), 'challenge_failed'],
      [solveChallenge(otherSale), 'challenge_failed'],
      [solveChallenge(late), 'challenge_failed'],
    ];
    for (const [proof, code] of refusals) {
      const answer = await join(url, 'mallory', { ...(proof !== undefined && { proof }) });
      expect([answer.status, errorCode(answer)]).toEqual([400, code]);
    }
    const state = await admin(url, 'GET', 'state');
    expect(state.body).toMatchObject({ counters: { waiting: 0, challengesFailed: refusals.length - 1 } });

    expect((await join(url, 'ann', { proof: right })).status).toBe(202);
    const replayed = await join(url, 'bob', { proof: right });
    expect([replayed.status, errorCode(replayed)]).toEqual([400, 'challenge_failed']);
  });

  test('one proof sent to every instance at once takes one place', async () => {
    const { instances } = await open({ challenge: CHEAP });
    const proof = await payChallenge(instances[0]?.url as string);
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, i) => join(instances[i % instances.length]?.url as string, `replay-${i}`, { ...(proof && { proof }) })),
    );
    expect(answers.filter((answer) => answer.status === 202)).toHaveLength(1);
    expect(answers.filter((answer) => errorCode(answer) === 'challenge_failed')).toHaveLength(7);
  });

  test('the operator changes the cost live and can turn the challenge off, on every instance within 1 s', async () => {
    const { instances } = await open({ challenge: CHEAP });
    const urls = instances.map((instance) => instance.url);
    expect((await admin(urls[0] as string, 'PATCH', 'admission', { challengeMaxNumber: 0 })).body).toMatchObject({
      settings: { challengeMaxNumber: 0 },
    });
    for (const [i, url] of urls.entries()) {
      await eventually(async () => (await send(`${url}/api/queue/challenge`)).body.required === false, 1_000, 'the challenge off');
      expect((await join(url, `free-${i}`)).status).toBe(202);
    }
    await admin(urls[0] as string, 'PATCH', 'admission', { challengeMaxNumber: 5_000 });
    for (const [i, url] of urls.entries()) {
      await eventually(async () => (await send(`${url}/api/queue/challenge`)).body.maxnumber === 5_000, 1_000, 'the new cost');
      expect(errorCode(await join(url, `unpaid-${i}`))).toBe('challenge_required');
    }
  });

  test('a barred network: its waiting places leave and its pages are told, its joins get 403 on every instance, also past its cap', async () => {
    const { instances } = await open({ cap: 3 });
    const urls = instances.map((instance) => instance.url);
    const barred = await Promise.all(
      [1, 2, 3].map((host) => join(urls[host % urls.length] as string, `barred-${host}`, { from: address(9, host) })),
    );
    const neighbour = await join(urls[0] as string, 'neighbour', { from: address(10, 1) });
    const told: unknown[] = [];
    sockets.push(
      await openSocket(urls[urls.length - 1] as string, barred[0]?.body.queueToken as string, (socket) =>
        socket.on('queue:left', (event) => told.push(event)),
      ),
    );

    const bar = await send(`${urls[0] as string}/api/admin/blocked-networks`, {
      method: 'POST',
      body: { network: '127.0.9.77/24' },
      token: ADMIN_TOKEN,
    });
    expect(bar.body).toEqual({ blocked: ['127.0.9.0/24'] });
    for (const answer of barred) expect(errorCode(await lookUp(urls[0] as string, answer.body.queueToken as string))).toBe('not_found');
    expect((await lookUp(urls[0] as string, neighbour.body.queueToken as string)).status).toBe(202);
    await eventually(() => told.length === 1, 2_000, 'the barred page told');
    expect(told).toEqual([{ reason: 'network_blocked' }]);

    for (const [i, url] of urls.entries()) {
      await eventually(
        async () => errorCode(await join(url, `again-${i}`, { from: address(9, 50) })) === 'network_blocked',
        1_000,
        'the bar',
      );
    }
    const state = await admin(urls[0] as string, 'GET', 'state');
    expect(state.body).toMatchObject({ counters: { waiting: 1 }, abuse: { blocked: ['127.0.9.0/24'] } });
    expect((state.body.counters as { placesRefused: number }).placesRefused).toBeGreaterThanOrEqual(urls.length);

    const lifted = await send(`${urls[0] as string}/api/admin/blocked-networks/${encodeURIComponent('127.0.9.0/24')}`, {
      method: 'DELETE',
      token: ADMIN_TOKEN,
    });
    expect(lifted.body).toEqual({ blocked: [] });
    // Lifted, the network is back under its cap, which its three places filled.
    await eventually(
      async () => errorCode(await join(urls[0] as string, 'after-lift', { from: address(9, 60) })) === 'too_many_places',
      1_000,
      'the lift',
    );
  });
});

describe('bad input to the operator bar changes nothing', () => {
  test.each([['not a cidr'], ['10.0.0.1'], ['10.0.0.0/33'], ['::ffff:10.0.0.0/120'], [42], [null]])(
    'refuses %j with 400',
    async (network) => {
      const { url } = await openSale('memory', later());
      const answer = await send(`${url}/api/admin/blocked-networks`, { method: 'POST', body: { network }, token: ADMIN_TOKEN });
      expect([answer.status, errorCode(answer)]).toEqual([400, 'bad_request']);
      expect(((await admin(url, 'GET', 'state')).body.abuse as { blocked: unknown }).blocked).toEqual([]);
    },
  );

  test('refuses an extra field, and a bad CIDR in the lift path', async () => {
    const { url } = await openSale('memory', later());
    const extra = await send(`${url}/api/admin/blocked-networks`, {
      method: 'POST',
      body: { network: '10.0.0.0/8', why: 1 },
      token: ADMIN_TOKEN,
    });
    expect(extra.status).toBe(400);
    const lift = await send(`${url}/api/admin/blocked-networks/nonsense`, { method: 'DELETE', token: ADMIN_TOKEN });
    expect([lift.status, errorCode(lift)]).toEqual([400, 'bad_request']);
    expect(((await admin(url, 'GET', 'state')).body.abuse as { blocked: unknown }).blocked).toEqual([]);
  });
});

describe('shop-signed identity', () => {
  const shop = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const stranger = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const ISSUER = 'https://shop.example';
  const sign = (sub: string, options: jwt.SignOptions = {}, key: jwt.Secret = shop.privateKey.export({ type: 'pkcs8', format: 'pem' })) =>
    jwt.sign({ sub }, key, { algorithm: 'ES256', audience: 'waiting-room', issuer: ISSUER, expiresIn: 600, ...options });

  const open = () =>
    openSale('redis', later(), { instances: 2, join: { maxPlacesPerNetwork: 0, identity: { key: shop.publicKey, issuer: ISSUER } } });

  test('a join without a token, or with a forged, expired, misaddressed, unsigned or HMAC one, fails and takes nothing', async () => {
    const { url } = await open();
    const publicPem = shop.publicKey.export({ type: 'spki', format: 'pem' });
    const unsigned = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(
      JSON.stringify({ sub: 'ann', aud: 'waiting-room', iss: ISSUER, exp: Math.floor(Date.now() / 1000) + 600 }),
    ).toString('base64url')}.`;
    const cases: Array<[string | undefined, string]> = [
      [undefined, 'identity_required'],
      [sign('ann', {}, stranger.privateKey.export({ type: 'pkcs8', format: 'pem' })), 'invalid_identity'],
      [sign('ann', { expiresIn: -10 }), 'invalid_identity'],
      [sign('ann', { audience: 'checkout' }), 'invalid_identity'],
      [sign('ann', { issuer: 'https://evil.example' }), 'invalid_identity'],
      [
        jwt.sign({ sub: 'ann', aud: 'waiting-room', iss: ISSUER }, shop.privateKey.export({ type: 'pkcs8', format: 'pem' }), {
          algorithm: 'ES256',
        }),
        'invalid_identity',
      ],
      [unsigned, 'invalid_identity'],
      [
        hmacToken({ sub: 'ann', aud: 'waiting-room', iss: ISSUER, exp: Math.floor(Date.now() / 1000) + 600 }, publicPem),
        'invalid_identity',
      ],
      [sign('not a valid id!'), 'invalid_identity'],
    ];
    for (const [identityToken, code] of cases) {
      const answer = await join(url, 'ann', { ...(identityToken !== undefined && { identityToken }) });
      expect([answer.status, errorCode(answer)]).toEqual([401, code]);
    }
    expect((await admin(url, 'GET', 'state')).body.counters).toMatchObject({ waiting: 0 });
  });

  test("a token for one customer with another's name gets its own place, never the other's; the real customer keeps theirs", async () => {
    const { instances } = await open();
    const [first, second] = instances.map((instance) => instance.url) as [string, string];
    const bob = await join(first, 'bob', { identityToken: sign('Bob@Shop.test') });
    expect(bob.body).toMatchObject({ state: 'waiting', userId: 'bob@shop.test', position: 1 });

    const mallory = await join(second, 'bob@shop.test', { identityToken: sign('mallory@shop.test') });
    expect(mallory.body).toMatchObject({ state: 'waiting', userId: 'mallory@shop.test', position: 2 });
    expect((await lookUp(second, mallory.body.queueToken as string)).body).toMatchObject({ userId: 'mallory@shop.test' });
    await leave(second, mallory.body.queueToken as string);

    const stillBob = await lookUp(first, bob.body.queueToken as string);
    expect(stillBob.body).toMatchObject({ state: 'waiting', userId: 'bob@shop.test', position: 1 });
    expect((await join(second, 'whatever', { identityToken: sign('bob@shop.test') })).body).toMatchObject({
      userId: 'bob@shop.test',
      position: 1,
    });
  });
});
