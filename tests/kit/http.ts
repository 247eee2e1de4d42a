import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { request, type IncomingMessage } from 'node:http';
import { ADMIN_TOKEN } from './keys';

/** What one request got back. */
export interface Answer {
  status: number;
  /** Read as fetch's are: `answer.headers.get('retry-after')`. */
  headers: Headers;
  /** The backend a load balancer sent the request to (load-balancer.ts), if any. */
  servedBy: string;
  /** The JSON body; {} when the answer has none. */
  body: Record<string, unknown>;
}

export interface SendOptions {
  method?: string;
  /** Sent as JSON. */
  body?: unknown;
  /** Sent as `Authorization: Bearer`. */
  token?: string;
  /** The source address: 127.0.0.0/8 is all loopback, so each shopper can have an IP of their own. */
  from?: string;
  /** How long the request may take before it fails (and its test with it); 10 s unless said. */
  timeoutMs?: number;
}

/** One JSON request from a chosen loopback address, with a timeout, so a lost answer fails its test. */
export async function send(url: string, options: SendOptions = {}): Promise<Answer> {
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  const req = request(url, {
    method: options.method ?? 'GET',
    localAddress: options.from ?? '127.0.0.1',
    headers: {
      ...(payload !== undefined && { 'content-type': 'application/json' }),
      ...(options.token !== undefined && { authorization: `Bearer ${options.token}` }),
    },
    signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
  });
  req.end(payload);
  const [res] = (await once(req, 'response')) as [IncomingMessage];
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  const headers = new Headers();
  for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) headers.append(res.rawHeaders[i] as string, res.rawHeaders[i + 1] as string);
  return {
    status: res.statusCode ?? 0,
    headers,
    servedBy: headers.get('x-served-by') ?? '',
    body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
  };
}

/** What the named calls below let a caller choose: where the shopper comes from, and the timeout. */
export type CallOptions = Pick<SendOptions, 'from' | 'timeoutMs'>;

/** What a join may carry beside the name: the solved challenge, the shop's identity token. */
export interface JoinOptions extends CallOptions {
  proof?: string;
  identityToken?: string;
}

/** POST /api/queue: `userId` joins the line. */
export const join = (url: string, userId: string, { proof, identityToken, ...options }: JoinOptions = {}) =>
  send(`${url}/api/queue`, {
    ...options,
    method: 'POST',
    body: { userId, ...(proof !== undefined && { proof }), ...(identityToken !== undefined && { identityToken }) },
  });

/** An ALTCHA v1 challenge as GET /api/queue/challenge gives it. */
export interface Challenge {
  algorithm: string;
  challenge: string;
  salt: string;
  maxnumber: number;
  signature: string;
}

/**
 * The proof a bot would send: the challenge solved by brute force with node:crypto (as fast as a
 * script can), as base64 JSON. `number` overrides the solution, for a wrong answer.
 */
export function solveChallenge(challenge: Challenge, number?: number): string {
  let solution = number ?? -1;
  for (let n = 0; solution < 0 && n <= challenge.maxnumber; n++) {
    if (createHash('sha256').update(`${challenge.salt}${n}`).digest('hex') === challenge.challenge) solution = n;
  }
  if (solution < 0) throw new Error('the challenge has no solution within maxnumber');
  const { algorithm, salt, signature } = challenge;
  return Buffer.from(JSON.stringify({ algorithm, challenge: challenge.challenge, number: solution, salt, signature })).toString('base64');
}

/** GET /api/queue/challenge, solved: the proof the next join pays with, or undefined while the challenge is off. */
export async function payChallenge(url: string, options: CallOptions = {}): Promise<string | undefined> {
  const answer = await send(`${url}/api/queue/challenge`, options);
  return answer.body.required === true ? solveChallenge(answer.body as unknown as Challenge) : undefined;
}

/** GET /api/queue/me: the place a queue token holds. */
export const lookUp = (url: string, queueToken: string) => send(`${url}/api/queue/me`, { token: queueToken });

/** DELETE /api/queue/me: the shopper leaves the line. */
export const leave = (url: string, queueToken: string) => send(`${url}/api/queue/me`, { method: 'DELETE', token: queueToken });

/** The operator API (`/api/admin/<path>`) with the kit's ADMIN_TOKEN. */
export const admin = (url: string, method: 'GET' | 'PATCH', path: string, body?: unknown) =>
  send(`${url}/api/admin/${path}`, { method, body, token: ADMIN_TOKEN });

/** POST /api/purchase with an admission token, or with no Authorization header at all (null). */
export const purchase = (url: string, admissionToken: string | null, options: CallOptions = {}) =>
  send(`${url}/api/purchase`, { ...options, method: 'POST', ...(admissionToken !== null && { token: admissionToken }) });

/** The `error.code` of an answer in the SPEC's error shape. */
export function errorCode(answer: Answer): unknown {
  return (answer.body.error as { code?: unknown } | undefined)?.code;
}
