import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createPublicKey, type KeyObject } from 'node:crypto';
import path from 'node:path';
import type { SaleDefinition } from '@flashsale/common';
import { ADMIN_TOKEN, QUEUE_TOKEN_SECRET } from './keys';

export const ALL_IN_ONE_ENTRY = path.join(__dirname, '../../all-in-one/dist/main.js');
export const CHECKOUT_ENTRY = path.join(__dirname, '../../checkout/dist/server.js');
export const WAITING_ROOM_ENTRY = path.join(__dirname, '../../waiting-room/dist/server.js');

export interface RunningProcess {
  child: ChildProcessWithoutNullStreams;
  url: string;
  output: () => string;
  /** SIGTERM, and the exit code once it has exited. */
  stop: () => Promise<number | null>;
}

/** Starts the built all-in-one process as `npm start` does, on a free port, with only `env` set. */
export function startAllInOne(env: Record<string, string>): Promise<RunningProcess> {
  return startService(ALL_IN_ONE_ENTRY, env);
}

/** Starts a built service entry point on a free port, with only `env` set; resolves once it listens. */
export function startService(entry: string, env: Record<string, string>): Promise<RunningProcess> {
  const child = spawn(process.execPath, [entry], { env: { PATH: process.env.PATH ?? '', PORT: '0', ...env } });
  let output = '';
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      process.removeListener('exit', killOnExit);
      resolve(code);
    }),
  );
  const stop = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    return exited;
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no listening line within 10 s:\n${output}`)), 10_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /"url":"(http:\/\/[^"]+)"/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve({ child, url: match[1], output: () => output, stop });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code}:\n${output}`));
    });
  });
}

/**
 * The environment of a real process for `sale`, as an operator would set it: the sale, its
 * Redis, the signing key, the tests' secrets, join order kept (fifo) and no rate limit.
 */
export function saleProcessEnv(
  sale: SaleDefinition,
  redisUrl: string,
  privateKey: KeyObject,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    REDIS_URL: redisUrl,
    QUEUE_TOKEN_SECRET,
    ADMIN_TOKEN,
    JWT_PRIVATE_KEY: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    SALE_ID: sale.saleId,
    SALE_STOCK: String(sale.stock),
    SALE_STARTS_AT: new Date(sale.startsAt).toISOString(),
    SALE_ENDS_AT: new Date(sale.endsAt).toISOString(),
    QUEUE_OPENS_AT: new Date(sale.queueOpensAt).toISOString(),
    PREQUEUE_ORDER: 'fifo',
    RATE_LIMIT_PER_MINUTE: '0',
    // Tests join from a few loopback addresses, and pay no proof of work, but where they are about it.
    MAX_PLACES_PER_NETWORK: '0',
    JOIN_CHALLENGE_MAX_NUMBER: '0',
    // The process names its URL in its listening line, logged at info.
    LOG_LEVEL: 'info',
    ...extra,
  };
}

/**
 * A checkout instance's environment from a sale's process environment: as in production, the
 * public key only (its start refuses the private key), and none of the waiting room's secrets.
 */
export function checkoutProcessEnv(env: Record<string, string>, privateKey: KeyObject): Record<string, string> {
  const { JWT_PRIVATE_KEY: _signing, QUEUE_TOKEN_SECRET: _queue, ADMIN_TOKEN: _admin, ...shared } = env;
  return { ...shared, JWT_PUBLIC_KEY: createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString() };
}
