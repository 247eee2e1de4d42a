import { once } from 'node:events';
import { request, type IncomingMessage } from 'node:http';

export interface Answer {
  status: number;
  /** The backend a load balancer sent the request to (tests/helpers/load-balancer.ts), if any. */
  servedBy: string;
  body: Record<string, unknown>;
}

export interface SendOptions {
  method?: string;
  body?: unknown;
  /** Sent as `Authorization: Bearer`. */
  token?: string;
  /** The source address: 127.0.0.0/8 is all loopback, so each shopper can have an IP of their own. */
  from?: string;
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
    signal: AbortSignal.timeout(10_000),
  });
  req.end(payload);
  const [res] = (await once(req, 'response')) as [IncomingMessage];
  let text = '';
  for await (const chunk of res) text += String(chunk);
  return {
    status: res.statusCode ?? 0,
    servedBy: String(res.headers['x-served-by'] ?? ''),
    body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
  };
}
