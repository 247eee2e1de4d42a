import { createHmac, createPublicKey, type KeyObject } from 'node:crypto';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import jwt from 'jsonwebtoken';
import { io as connectSocket } from 'socket.io-client';
import { keyId, type ErrorCode, type QueueStore, type SaleDefinition, type SaleStore } from '@flashsale/common';
import {
  admin,
  ADMIN_TOKEN,
  createSaleStore,
  eventually,
  generateKey,
  join,
  lookUp,
  purchase,
  QUEUE_TOKEN_SECRET,
  saleDefinition,
  send,
  signAdmission,
  startInstance,
  testKeys,
  useRedisServer,
  useSales,
  type RunningInstance,
} from '../kit';

/**
 * Hostile and malformed input on every route and on the socket handshake, against a Redis store
 * holding a live sale. Each case must be refused with its exact SPEC status and code, in the
 * SPEC's error shape, without leaking internals, and without changing anything in the store.
 */
const redisServer = useRedisServer();

/** An active sale: opened a minute ago, started a second ago, running for an hour. */
const activeSale = (): SaleDefinition =>
  saleDefinition({ stock: 10, startsAt: Date.now() - 1000, endsAt: Date.now() + 3_600_000, queueOpensAt: Date.now() - 60_000 });

const sale = activeSale();
const EVIL_ORIGIN = 'https://evil.example';
/** Longer than any run of this file, so no presence lease runs out and nobody times out mid-table. */
const PRESENCE = { presenceGraceSeconds: 3_600, idleTimeoutSeconds: 7_200 };

// The shoppers the table works around: ann bought, bob holds an unused admission, cat and dan
// wait. zed never joined: several cases carry zed in an otherwise well-formed body, so an input
// that slipped through would show up as a new shopper.
const SHOPPERS = ['ann', 'bob', 'cat', 'dan', 'zed'];

/** Tokens only the running sale can issue; filled in once the shoppers are set up. */
interface Issued {
  bobAdmission: string;
  bobQueue: string;
  catQueue: string;
}
type FromIssued = (issued: Issued) => string;

// --- Forged and misused tokens ---------------------------------------------------------------

const privateKey = testKeys().privateKey as KeyObject;
const kid = keyId(privateKey);
const publicKeyPem = createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString();
const nowSeconds = Math.floor(Date.now() / 1000);
const encodePart = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Claims checkout would accept for bob, had a real admission signed them. */
const bobClaims = {
  iss: 'waiting-room',
  aud: 'checkout',
  sub: 'bob',
  sale: sale.saleId,
  jti: 'bad-input',
  iat: nowSeconds,
  exp: nowSeconds + 600,
};
const rs256 = (claims: object, key: KeyObject, keyid: string) => jwt.sign(claims, key, { algorithm: 'RS256', keyid });

/** The classic key-confusion attack: an HMAC keyed with the (public) RSA key's PEM. */
function hs256WithPublicKeyPem(): string {
  const signed = `${encodePart({ alg: 'HS256', typ: 'JWT', kid })}.${encodePart(bobClaims)}`;
  return `${signed}.${createHmac('sha256', publicKeyPem).update(signed).digest('base64url')}`;
}

const queueClaims = (userId: string, saleId = sale.saleId) => ({ sub: userId, sale: saleId });
const signQueue = (claims: object, secret: string) =>
  jwt.sign(claims, secret, { algorithm: 'HS256', issuer: 'waiting-room/queue', noTimestamp: true });

/** A genuine token whose payload now names someone else, signature kept. */
function swapPayload(token: string, payload: object): string {
  const [header, , signature] = token.split('.');
  return `${header}.${encodePart(payload)}.${signature}`;
}

const forged = {
  admissionByOtherKey: rs256(bobClaims, generateKey('rsa'), kid),
  admissionExpired: signAdmission('bob', sale.saleId, { now: Date.now() - 600_000, ttlSeconds: 120 }),
  admissionOversized: rs256({ ...bobClaims, padding: 'x'.repeat(5_000) }, privateKey, kid),
  admissionAlgNone: `${encodePart({ alg: 'none', typ: 'JWT' })}.${encodePart(bobClaims)}.`,
  admissionHs256PublicKey: hs256WithPublicKeyPem(),
  admissionUnknownKid: rs256(bobClaims, privateKey, 'no-such-key'),
  admissionOtherSale: signAdmission('bob', 'another-sale', { now: Date.now() }),
  queueWrongSecret: signQueue(queueClaims('cat'), 'not-the-queue-secret'),
  queueOtherSale: signQueue(queueClaims('cat', 'another-sale'), QUEUE_TOKEN_SECRET),
  queueAlgNone: `${encodePart({ alg: 'none', typ: 'JWT' })}.${encodePart({ ...queueClaims('cat'), iss: 'waiting-room/queue' })}.`,
};
const truncatedCatQueue: FromIssued = ({ catQueue }) => catQueue.slice(0, -6);
const oversizedCatQueue: FromIssued = ({ catQueue }) => `${catQueue}${'A'.repeat(2_000)}`;
const catQueueNamingDan: FromIssued = ({ catQueue }) => swapPayload(catQueue, { ...queueClaims('dan'), iss: 'waiting-room/queue' });

// --- The HTTP table --------------------------------------------------------------------------

/** The SPEC's status for each refusal this file expects. */
const SPEC_STATUS = {
  bad_request: 400,
  invalid_user_id: 400,
  missing_token: 401,
  invalid_token: 401,
  token_expired: 401,
  unauthorized: 401,
  forbidden: 403,
  payload_too_large: 413,
} as const satisfies Partial<Record<ErrorCode, number>>;
type Refusal = keyof typeof SPEC_STATUS;

/** A request exactly as it goes on the wire. */
interface RawRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  path: string;
  /** The whole Authorization header, or one built from a token issued during set-up. */
  authorization?: string | FromIssued;
  contentType?: string;
  body?: string;
  /** Send the body chunked, with no Content-Length to reject it up front. */
  chunked?: boolean;
  origin?: string;
}

interface HttpCase extends RawRequest {
  route: string;
  name: string;
  status: number;
  code: Refusal;
}

const refused = (route: string, name: string, code: Refusal, request: RawRequest): HttpCase => ({
  route,
  name,
  status: SPEC_STATUS[code],
  code,
  ...request,
});

const bearer =
  (token: FromIssued): FromIssued =>
  (issued) =>
    `Bearer ${token(issued)}`;
const bobAdmission = bearer(({ bobAdmission }) => bobAdmission);
const bobQueue = bearer(({ bobQueue }) => bobQueue);
const catQueue = bearer(({ catQueue }) => catQueue);

const JSON_TYPE = 'application/json';
const json = (value: unknown) => JSON.stringify(value);
/** A JSON body of exactly `bytes` bytes (past the 10 KB limit by default) naming zed. */
const oversizedJson = (bytes = 11 * 1024) => {
  const skeleton = json({ userId: 'zed', padding: '' });
  return json({ userId: 'zed', padding: 'x'.repeat(bytes - skeleton.length) });
};
const JOIN_ZED = json({ userId: 'zed' });

const joinCase = (name: string, body: string, code: Refusal, request: Partial<RawRequest> = {}) =>
  refused('POST /api/queue', name, code, { method: 'POST', path: '/api/queue', contentType: JSON_TYPE, body, ...request });
const badUserId = (name: string, userId: unknown) => joinCase(name, json({ userId }), 'invalid_user_id');

const queueJoinCases: HttpCase[] = [
  joinCase('truncated JSON', '{"userId":', 'bad_request'),
  joinCase('single-quoted JSON', "{'userId':'zed'}", 'bad_request'),
  joinCase('JSON with a trailing comma', '{"userId":"zed",}', 'bad_request'),
  // Well-formed JSON that is not an object: there is no userId in it.
  joinCase('an empty array', '[]', 'invalid_user_id'),
  joinCase('a bare JSON string naming zed', '"zed"', 'invalid_user_id'),
  joinCase('JSON null', 'null', 'invalid_user_id'),
  joinCase('a bare number', '1', 'invalid_user_id'),
  joinCase('an array wrapping a valid body', `[${JOIN_ZED}]`, 'invalid_user_id'),
  joinCase('a userId hidden under __proto__', '{"__proto__":{"userId":"zed"}}', 'invalid_user_id'),
  joinCase('a JSON body sent as text/plain', JOIN_ZED, 'bad_request', { contentType: 'text/plain' }),
  joinCase('a form-encoded body', 'userId=zed', 'bad_request', { contentType: 'application/x-www-form-urlencoded' }),
  joinCase('a JSON body with no Content-Type', JOIN_ZED, 'bad_request', { contentType: undefined }),
  joinCase('an 11 KB body', oversizedJson(), 'payload_too_large'),
  joinCase('a body one byte over 10 KB', oversizedJson(10 * 1024 + 1), 'payload_too_large'),
  joinCase('an 11 KB chunked body without Content-Length', oversizedJson(), 'payload_too_large', { chunked: true }),
  joinCase('an 11 KB text/plain body', oversizedJson(), 'payload_too_large', { contentType: 'text/plain' }),
  badUserId('a number as userId', 5),
  badUserId('an object as userId', {}),
  badUserId('an array as userId', []),
  badUserId('an array holding a valid id', ['zed']),
  badUserId('a query operator as userId', { $ne: null }),
  badUserId('a boolean as userId', true),
  badUserId('a null userId', null),
  joinCase('no userId at all', json({}), 'invalid_user_id'),
  badUserId('an empty userId', ''),
  badUserId('a whitespace-only userId', ' \t  '),
  badUserId('a 65-character userId', 'a'.repeat(65)),
  badUserId('a 1000-character userId', 'a'.repeat(1_000)),
  badUserId('a Cyrillic "а" look-alike', '\u0430lice'),
  badUserId('fullwidth letters', '\uff41\uff4c\uff49\uff43\uff45'),
  badUserId('one fullwidth letter (ａlice)', '\uff41lice'),
  badUserId('the Kelvin sign, which lower-cases to k', '\u212aim'),
  badUserId('a zero-width space', 'zed\u200b'),
  badUserId('a NUL character inside', 'ze\u0000d'),
  badUserId('a newline inside', 'ze\nd'),
  badUserId('SQL injection', "' OR 1=1 --"),
  badUserId('a script tag', '<script>alert(1)</script>'),
  badUserId('path traversal', '../../etc/passwd'),
  badUserId("a Redis key of this sale's hash slot", `{sale:${sale.saleId}}:orders`),
  badUserId('a Mongo operator', '$where'),
  joinCase('a cross-origin join', JOIN_ZED, 'forbidden', { origin: EVIL_ORIGIN }),
  joinCase('a join from an opaque origin (Origin: null)', JOIN_ZED, 'forbidden', { origin: 'null' }),
  joinCase('a join from a host that only starts like ours', JOIN_ZED, 'forbidden', { origin: 'http://127.0.0.1.evil.example' }),
];

const lookUpCase = (name: string, authorization?: string | FromIssued) =>
  refused('GET /api/queue/me', name, 'invalid_token', { method: 'GET', path: '/api/queue/me', authorization });

const queueLookUpCases: HttpCase[] = [
  lookUpCase('no Authorization header'),
  lookUpCase('a Basic credential', 'Basic Y2F0OmNhdA=='),
  lookUpCase('an admission token used as a queue token', bobAdmission),
  lookUpCase('a queue token signed with another secret', `Bearer ${forged.queueWrongSecret}`),
  lookUpCase('a queue token of another sale, signed with the real secret', `Bearer ${forged.queueOtherSale}`),
  lookUpCase('an unsigned queue token (alg none)', `Bearer ${forged.queueAlgNone}`),
  lookUpCase('a truncated queue token', bearer(truncatedCatQueue)),
  lookUpCase('an oversized queue token', bearer(oversizedCatQueue)),
  lookUpCase("cat's signature over a payload naming dan", bearer(catQueueNamingDan)),
];

const leaveCase = (name: string, authorization?: string | FromIssued, code: Refusal = 'invalid_token', origin?: string) =>
  refused('DELETE /api/queue/me', name, code, { method: 'DELETE', path: '/api/queue/me', authorization, origin });

// cat is waiting: a leave that got through would take cat out of the queue.
const queueLeaveCases: HttpCase[] = [
  leaveCase('no Authorization header'),
  leaveCase('an admission token used as a queue token', bobAdmission),
  leaveCase('a queue token signed with another secret', `Bearer ${forged.queueWrongSecret}`),
  leaveCase('a queue token of another sale, signed with the real secret', `Bearer ${forged.queueOtherSale}`),
  leaveCase("cat's signature over a payload naming dan", bearer(catQueueNamingDan)),
  leaveCase("cat's valid token, cross-origin", catQueue, 'forbidden', EVIL_ORIGIN),
  leaveCase("cat's valid token, from an opaque origin", catQueue, 'forbidden', 'null'),
];

const purchaseCase = (name: string, authorization: string | FromIssued | undefined, code: Refusal, request: Partial<RawRequest> = {}) =>
  refused('POST /api/purchase', name, code, { method: 'POST', path: '/api/purchase', authorization, ...request });

const purchaseCases: HttpCase[] = [
  purchaseCase('no Authorization header', undefined, 'missing_token'),
  purchaseCase('"Bearer" and nothing else', 'Bearer', 'missing_token'),
  purchaseCase('a token signed by another RSA key under our kid', `Bearer ${forged.admissionByOtherKey}`, 'invalid_token'),
  purchaseCase('an expired genuine token', `Bearer ${forged.admissionExpired}`, 'token_expired'),
  purchaseCase(
    "bob's real token, truncated",
    bearer(({ bobAdmission }) => bobAdmission.slice(0, -10)),
    'invalid_token',
  ),
  purchaseCase('an oversized genuinely signed token', `Bearer ${forged.admissionOversized}`, 'invalid_token'),
  purchaseCase('alg none', `Bearer ${forged.admissionAlgNone}`, 'invalid_token'),
  purchaseCase('HS256 keyed with the public key PEM', `Bearer ${forged.admissionHs256PublicKey}`, 'invalid_token'),
  purchaseCase('a kid that points nowhere', `Bearer ${forged.admissionUnknownKid}`, 'invalid_token'),
  purchaseCase('a queue token used as an admission token', bobQueue, 'invalid_token'),
  purchaseCase('a genuine token of another sale', `Bearer ${forged.admissionOtherSale}`, 'invalid_token'),
  purchaseCase(
    "bob's real signature over a payload naming dan",
    bearer(({ bobAdmission }) => swapPayload(bobAdmission, { ...bobClaims, sub: 'dan' })),
    'invalid_token',
  ),
  // bob's token is genuine and unused: only the bad request around it may stop the purchase.
  purchaseCase("bob's valid token with malformed JSON", bobAdmission, 'bad_request', { contentType: JSON_TYPE, body: '{"x":' }),
  purchaseCase("bob's valid token with a text/plain body", bobAdmission, 'bad_request', { contentType: 'text/plain', body: 'buy' }),
  purchaseCase("bob's valid token with an 11 KB body", bobAdmission, 'payload_too_large', {
    contentType: JSON_TYPE,
    body: oversizedJson(),
  }),
  purchaseCase("bob's valid token, cross-origin", bobAdmission, 'forbidden', { origin: EVIL_ORIGIN }),
];

/** A bad id in the path, URL-encoded as a browser would send it. */
const orderLookUpCase = (name: string, rawId: string, encodedId = encodeURIComponent(rawId)) =>
  refused('GET /api/purchase/:userId', name, 'invalid_user_id', { method: 'GET', path: `/api/purchase/${encodedId}` });

const orderLookUpCases: HttpCase[] = [
  orderLookUpCase('a whitespace-only id', '   '),
  orderLookUpCase('a 65-character id', 'a'.repeat(65)),
  orderLookUpCase('a 300-character id', 'a'.repeat(300)),
  orderLookUpCase('a Cyrillic "а" look-alike', '\u0430nn'),
  orderLookUpCase('one fullwidth letter (ａnn)', '\uff41nn'),
  orderLookUpCase('the Kelvin sign', '\u212aim'),
  orderLookUpCase('a NUL character inside', 'an\u0000n'),
  orderLookUpCase('a newline inside', 'an\nn'),
  orderLookUpCase('SQL injection', "' OR 1=1 --"),
  orderLookUpCase('a script tag', '<script>alert(1)</script>'),
  orderLookUpCase('path traversal', '../../etc/passwd'),
  orderLookUpCase("a Redis key of this sale's hash slot", `{sale:${sale.saleId}}:orders`),
  orderLookUpCase('a Mongo operator', '$where'),
  orderLookUpCase('an object as id', '{"$ne":null}'),
  // Not decodable at all: still a bad id, which the SPEC answers with invalid_user_id.
  orderLookUpCase('a malformed percent-escape', '', 'ann%E0%A4%A'),
];

/** The admin token with one character changed. */
const NEAR_MISS_ADMIN_TOKEN = `${ADMIN_TOKEN.slice(0, 5)}${ADMIN_TOKEN[5] === 'x' ? 'y' : 'x'}${ADMIN_TOKEN.slice(6)}`;

// Eight failed logins in all (six here, two on PATCH below): under the ten an IP may fail per
// sale before it is locked out for 15 minutes, which would turn later cases into 429s.
const adminStateCase = (name: string, authorization?: string) =>
  refused('GET /api/admin/state', name, 'unauthorized', { method: 'GET', path: '/api/admin/state', authorization });

const adminStateCases: HttpCase[] = [
  adminStateCase('no token'),
  adminStateCase('a wrong token', 'Bearer letmein'),
  adminStateCase('the right token with one character changed', `Bearer ${NEAR_MISS_ADMIN_TOKEN}`),
  adminStateCase('the right token plus a trailing character', `Bearer ${ADMIN_TOKEN}x`),
  adminStateCase('the right token without its last character', `Bearer ${ADMIN_TOKEN.slice(0, -1)}`),
  adminStateCase('the right token under the Basic scheme', `Basic ${ADMIN_TOKEN}`),
];

const admissionCase = (name: string, body: string, code: Refusal, request: Partial<RawRequest> = {}) =>
  refused('PATCH /api/admin/admission', name, code, {
    method: 'PATCH',
    path: '/api/admin/admission',
    authorization: `Bearer ${ADMIN_TOKEN}`,
    contentType: JSON_TYPE,
    body,
    ...request,
  });
const RESUME = json({ paused: false });

// The sale is paused, and each bad change carries `paused: false` where it can: applied even in
// part, it would restart admission, and the store would show it.
const adminAdmissionCases: HttpCase[] = [
  admissionCase('no token', RESUME, 'unauthorized', { authorization: undefined }),
  admissionCase('the right token with one character changed', RESUME, 'unauthorized', { authorization: `Bearer ${NEAR_MISS_ADMIN_TOKEN}` }),
  admissionCase('an unknown field', json({ paused: false, surprise: 1 }), 'bad_request'),
  admissionCase('a negative rate', json({ paused: false, ratePerMinute: -1 }), 'bad_request'),
  admissionCase('NaN as a rate', '{"paused":false,"ratePerMinute":NaN}', 'bad_request'),
  admissionCase('an infinite rate (1e400)', '{"paused":false,"ratePerMinute":1e400}', 'bad_request'),
  admissionCase('a rate as a string', json({ paused: false, ratePerMinute: '600' }), 'bad_request'),
  admissionCase('a negative maxActive', json({ paused: false, maxActive: -5 }), 'bad_request'),
  admissionCase('a negative overbook', json({ paused: false, overbook: -1 }), 'bad_request'),
  admissionCase('paused as a string', json({ paused: 'false' }), 'bad_request'),
  admissionCase('a change hidden under __proto__', '{"__proto__":{"paused":false}}', 'bad_request'),
  admissionCase('an array body', '[]', 'bad_request'),
  admissionCase('a null body', 'null', 'bad_request'),
  admissionCase('a text/plain body', RESUME, 'bad_request', { contentType: 'text/plain' }),
  admissionCase('an 11 KB body', oversizedJson(), 'payload_too_large'),
  admissionCase('the right token, cross-origin', RESUME, 'forbidden', { origin: EVIL_ORIGIN }),
];

// The public reads take no input but a body: the size limit holds for them too.
const readCases: HttpCase[] = ['/api/sale', '/.well-known/jwks.json'].map((path) =>
  refused(`GET ${path}`, 'an 11 KB body', 'payload_too_large', { method: 'GET', path, contentType: JSON_TYPE, body: oversizedJson() }),
);

const httpCases: HttpCase[] = [
  ...queueJoinCases,
  ...queueLookUpCases,
  ...queueLeaveCases,
  ...purchaseCases,
  ...orderLookUpCases,
  ...adminStateCases,
  ...adminAdmissionCases,
  ...readCases,
];

// --- The socket table ------------------------------------------------------------------------

interface SocketCase {
  name: string;
  /** The handshake's auth payload. */
  auth: Record<string, unknown> | ((issued: Issued) => Record<string, unknown>);
  origin?: string;
  /** The shopper page starts on long-polling and upgrades; both must check the origin. */
  transport?: 'websocket' | 'polling';
  /** invalid_token: refused by the auth check; origin: refused before Socket.IO reads the auth. */
  refusal: 'invalid_token' | 'origin';
}

const catAuth = ({ catQueue }: Issued) => ({ queueToken: catQueue });

const socketCases: SocketCase[] = [
  { name: 'no auth at all', auth: {}, refusal: 'invalid_token' },
  { name: 'a number as the queue token', auth: { queueToken: 42 }, refusal: 'invalid_token' },
  { name: 'an object as the queue token', auth: { queueToken: { sub: 'cat' } }, refusal: 'invalid_token' },
  { name: 'a queue token signed with another secret', auth: { queueToken: forged.queueWrongSecret }, refusal: 'invalid_token' },
  { name: 'a queue token of another sale', auth: { queueToken: forged.queueOtherSale }, refusal: 'invalid_token' },
  { name: 'an unsigned queue token (alg none)', auth: { queueToken: forged.queueAlgNone }, refusal: 'invalid_token' },
  {
    name: 'an admission token used as a queue token',
    auth: ({ bobAdmission }) => ({ queueToken: bobAdmission }),
    refusal: 'invalid_token',
  },
  { name: 'a truncated queue token', auth: (issued) => ({ queueToken: truncatedCatQueue(issued) }), refusal: 'invalid_token' },
  { name: 'an oversized queue token', auth: (issued) => ({ queueToken: oversizedCatQueue(issued) }), refusal: 'invalid_token' },
  { name: "cat's valid token, cross-origin, over WebSocket", auth: catAuth, origin: EVIL_ORIGIN, refusal: 'origin' },
  {
    name: "cat's valid token, cross-origin, over long-polling",
    auth: catAuth,
    origin: EVIL_ORIGIN,
    transport: 'polling',
    refusal: 'origin',
  },
  { name: "cat's valid token, from an opaque origin", auth: catAuth, origin: 'null', transport: 'polling', refusal: 'origin' },
];

// --- Helpers ---------------------------------------------------------------------------------

interface RawAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

/** One request exactly as given (no header or body added), with a timeout so a hang fails the case. */
function sendRaw(url: string, request: RawRequest, issued: Issued): Promise<RawAnswer> {
  const headers: Record<string, string> = {};
  const authorization = typeof request.authorization === 'function' ? request.authorization(issued) : request.authorization;
  if (authorization !== undefined) headers.authorization = authorization;
  if (request.contentType !== undefined) headers['content-type'] = request.contentType;
  if (request.origin !== undefined) headers.origin = request.origin;
  const body = request.body === undefined ? undefined : Buffer.from(request.body, 'utf8');
  if (body !== undefined && !request.chunked) headers['content-length'] = String(body.length);
  if (body !== undefined && request.chunked) headers['transfer-encoding'] = 'chunked';

  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(`${url}${request.path}`, { method: request.method, headers, timeout: 10_000 }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, headers: response.headers, text: Buffer.concat(chunks).toString('utf8') }),
      );
      response.on('error', reject);
    });
    outgoing.on('timeout', () => outgoing.destroy(new Error(`no answer to ${request.method} ${request.path}`)));
    outgoing.on('error', reject);
    if (body !== undefined && request.chunked) {
      // Several chunks, none of them announcing the total.
      for (let offset = 0; offset < body.length; offset += 1024) outgoing.write(body.subarray(offset, offset + 1024));
    } else if (body !== undefined) {
      outgoing.write(body);
    }
    outgoing.end();
  });
}

type Store = SaleStore & QueueStore;

/** Everything a bad input could have moved: counters, stock, settings, every shopper's place and order. */
async function snapshot(store: Store) {
  const [counters, saleNow, control, positions, orders] = await Promise.all([
    store.saleCounters(),
    store.getSale(),
    store.getAdmissionControl(),
    store.queuePositions(SHOPPERS),
    Promise.all(SHOPPERS.map((userId) => store.getOrder(userId))),
  ]);
  // The store's clock moves on its own; nothing else may.
  const { now: _counterClock, ...counterValues } = counters;
  const { now: _saleClock, ...saleValues } = saleNow;
  return {
    counters: counterValues,
    sale: saleValues,
    control,
    positions: Object.fromEntries(SHOPPERS.map((userId, i) => [userId, positions[i]])),
    orders: Object.fromEntries(SHOPPERS.map((userId, i) => [userId, orders[i]?.orderId ?? null])),
  };
}

/** The answer's body as JSON; a body that is not JSON fails the case with the body in view. */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`the answer is not JSON: ${text.slice(0, 300)}`);
  }
}

/** Fragments of a stack trace or a server path: none may reach a client. */
const LEAK_MARKERS = ['/work/', 'node_modules', '    at ', '.ts:'];

/** What socket.io-client reports when a handshake fails. */
type ConnectError = Error & { data?: unknown; type?: string; description?: unknown };
type Handshake = { accepted: true } | { accepted: false; error: ConnectError };

/** One handshake, closed at once whatever its outcome. */
function handshake(url: string, auth: Record<string, unknown>, options: Pick<SocketCase, 'origin' | 'transport'> = {}): Promise<Handshake> {
  const socket = connectSocket(url, {
    auth,
    transports: [options.transport ?? 'websocket'],
    reconnection: false,
    forceNew: true,
    timeout: 5_000,
    ...(options.origin !== undefined && { extraHeaders: { origin: options.origin } }),
  });
  return new Promise((resolve) => {
    socket.once('connect', () => {
      socket.close();
      resolve({ accepted: true });
    });
    socket.once('connect_error', (error: ConnectError) => {
      socket.close();
      resolve({ accepted: false, error });
    });
  });
}

// --- The tests -------------------------------------------------------------------------------

describe('bad input on every route, against a live sale on Redis', () => {
  // One sale for the whole table (useSales closes its sales after each test, so it cannot hold
  // one across a table): no case may change it, and each case checks that.
  let instance: RunningInstance;
  let store: Store;
  let url: string;
  const issued: Issued = { bobAdmission: '', bobQueue: '', catQueue: '' };

  beforeAll(async () => {
    store = await createSaleStore('redis', sale, {
      redis: redisServer(),
      presence: { graceMs: PRESENCE.presenceGraceSeconds * 1000, idleTimeoutMs: PRESENCE.idleTimeoutSeconds * 1000 },
    });
    instance = await startInstance(store, sale, { redis: redisServer(), settings: PRESENCE });
    ({ url } = instance);

    // ann and bob are admitted; ann buys. Then admission pauses, so cat and dan keep waiting and
    // bob keeps an unused admission for as long as the table runs.
    const ann = await join(url, 'ann');
    const bob = await join(url, 'bob');
    const admissions = new Map<string, string>();
    await eventually(
      async () => {
        for (const shopper of [ann, bob]) {
          const answer = await lookUp(url, shopper.body.queueToken as string);
          if (answer.status === 200) admissions.set(shopper.body.userId as string, answer.body.admissionToken as string);
        }
        return admissions.size === 2;
      },
      5_000,
      'the admission of ann and bob',
    );
    expect((await purchase(url, admissions.get('ann') ?? null)).status).toBe(201);
    await store.updateAdmissionControl({ paused: true });
    const cat = await join(url, 'cat');
    expect((await join(url, 'dan')).status).toBe(202);

    issued.bobAdmission = admissions.get('bob') ?? '';
    issued.bobQueue = bob.body.queueToken as string;
    issued.catQueue = cat.body.queueToken as string;
    expect(await snapshot(store)).toMatchObject({
      counters: { waiting: 2, activeAdmissions: 1, remaining: 9, outcomes: { purchased: 1 } },
      positions: { ann: 0, bob: 0, cat: 1, dan: 2, zed: 0 },
      orders: { ann: expect.any(String), bob: null },
    });
  });

  afterAll(async () => {
    await instance.close();
    await store.close();
  });

  test.each(httpCases)('$route, $name: $status $code', async (badRequest) => {
    const before = await snapshot(store);
    const answer = await sendRaw(url, badRequest, issued);

    const body = parseJson(answer.text);
    expect({ status: answer.status, code: (body as { error?: { code?: unknown } } | null)?.error?.code }).toEqual({
      status: badRequest.status,
      code: badRequest.code,
    });
    expect(body).toEqual({ error: { code: badRequest.code, message: expect.stringMatching(/\S/) } });
    for (const marker of LEAK_MARKERS) expect(answer.text).not.toContain(marker);
    // helmet's headers are on error answers too.
    expect(answer.headers['x-content-type-options']).toBe('nosniff');
    expect(answer.headers['content-security-policy']).toEqual(expect.any(String));
    expect(answer.headers['x-powered-by']).toBeUndefined();

    expect(await snapshot(store)).toEqual(before);
  });

  test.each(socketCases)('socket handshake, $name: refused ($refusal)', async ({ auth, origin, transport, refusal }) => {
    const before = await snapshot(store);
    const answer = await handshake(url, typeof auth === 'function' ? auth(issued) : auth, { origin, transport });
    if (answer.accepted) throw new Error('the handshake was accepted');
    if (refusal === 'invalid_token') {
      expect({ message: answer.error.message, data: answer.error.data }).toEqual({
        message: 'invalid_token',
        data: { code: 'invalid_token' },
      });
    } else if (transport === 'polling') {
      // Refused by the transport (HTTP 403) before Socket.IO reads the auth, so no code is sent.
      expect({ type: answer.error.type, status: answer.error.description }).toEqual({ type: 'TransportError', status: 403 });
    } else {
      // The WebSocket upgrade is refused; the client sees a transport error, not a connection.
      expect({ type: answer.error.type, message: answer.error.message }).toEqual({ type: 'TransportError', message: 'websocket error' });
    }
    expect(await snapshot(store)).toEqual(before);
  });

  test('after all that, genuine input still works: the refusals were about the input, not a broken set-up', async () => {
    expect((await lookUp(url, issued.catQueue)).body).toMatchObject({ state: 'waiting', userId: 'cat', position: 1 });
    expect((await admin(url, 'GET', 'state')).status).toBe(200);
    // Our own origin passes, on HTTP and on both socket transports.
    const sameOriginJoin = await sendRaw(
      url,
      { method: 'POST', path: '/api/queue', contentType: JSON_TYPE, body: JOIN_ZED, origin: url },
      issued,
    );
    expect(sameOriginJoin.status).toBe(202);
    for (const transport of ['websocket', 'polling'] as const) {
      expect(await handshake(url, catAuth(issued), { origin: url, transport })).toEqual({ accepted: true });
    }
    const bought = await purchase(url, issued.bobAdmission);
    expect(bought.status).toBe(201);
    expect((await store.getSale()).remaining).toBe(8);
  });
});

describe('failed operator logins', () => {
  const openSale = useSales(redisServer);

  test('the 11th failure in the window gets 429 rate_limited; successes are never counted', async () => {
    const { url } = await openSale('redis', activeSale());
    const state = (token: string) => send(`${url}/api/admin/state`, { token });
    const statuses = async (token: string, times: number) => {
      const seen: number[] = [];
      for (let i = 0; i < times; i++) seen.push((await state(token)).status);
      return seen;
    };

    // More successes than the limit allows failures: had they counted, the failures below would hit 429 early.
    expect(await statuses(ADMIN_TOKEN, 11)).toEqual(Array<number>(11).fill(200));
    expect(await statuses(NEAR_MISS_ADMIN_TOKEN, 9)).toEqual(Array<number>(9).fill(401));
    expect((await state(ADMIN_TOKEN)).status).toBe(200);
    expect((await state(NEAR_MISS_ADMIN_TOKEN)).status).toBe(401);

    const eleventh = await state(NEAR_MISS_ADMIN_TOKEN);
    expect(eleventh.status).toBe(429);
    expect(eleventh.body).toEqual({ error: { code: 'rate_limited', message: expect.stringMatching(/\S/) } });
  });
});
