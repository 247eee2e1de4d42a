import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import { ConfigError } from '../config';
import { StartupDependencyError } from '../errors';
import type { Logger } from '../logger';

/** Longest a SIGTERM may take before the process exits anyway. */
const SHUTDOWN_DEADLINE_MS = 10_000;
/**
 * How long readiness reads false before the listener closes, so a load balancer that polls
 * /readyz sends new connections elsewhere rather than have them refused.
 */
const DRAIN_NOTICE_MS = 1_000;
/** While closing, connections are closed as soon as their last answer is out, this often. */
const IDLE_SWEEP_MS = 50;
/**
 * Connections the kernel may hold for accept(). Node's default of 511 overflowed in the first
 * second of a surge: dropped SYNs retry after 1, 3, 7, 15 and 31 s, so shoppers waited on their
 * retry while the process idled (`npm run bench -- --only surge`). Linux caps it at somaxconn.
 */
const LISTEN_BACKLOG = 4_096;

export interface ServeOptions {
  port: number;
  host: string;
  logger: Logger;
  /** Before the server closes: ends what would keep it open (live sockets, loops). */
  beforeClose?: () => Promise<void>;
  /** Closes what the process opened (store, ledger), after the server stops taking requests. */
  onShutdown: () => Promise<void>;
  /** How long readiness reads false before the listener closes; tests that stop instances use 0. */
  drainNoticeMs?: number;
}

export interface RunningServer {
  server: Server;
  url: string;
  shutdown: (reason: string) => Promise<void>;
}

/**
 * Listens, and shuts down gracefully when asked: readiness turns false, live work stops
 * (beforeClose), no new connections, in-flight requests finish, the store and ledger close
 * (onShutdown). A deadline guards against anything stuck. A process entry calls
 * stopOnSignals() to shut down on SIGTERM or SIGINT.
 */
export async function serve(app: Express, options: ServeOptions): Promise<RunningServer> {
  const server = createServer(app);
  // Above a typical load balancer's idle timeout, so the balancer closes idle connections first.
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: options.port, host: options.host, backlog: LISTEN_BACKLOG }, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;

  let stopping: Promise<void> | null = null;
  const shutdown = (reason: string): Promise<void> => {
    stopping ??= (async () => {
      options.logger.info({ reason }, 'shutting down');
      const deadline = setTimeout(() => {
        options.logger.error('shutdown deadline passed; exiting');
        process.exit(1);
      }, SHUTDOWN_DEADLINE_MS);
      deadline.unref();
      // From here every answer says Connection: close (http-app), and /readyz says 503.
      app.locals.draining = true;
      await new Promise((resolve) => setTimeout(resolve, options.drainNoticeMs ?? DRAIN_NOTICE_MS));
      await options.beforeClose?.();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // close() only ends the connections idle at that instant; a keep-alive connection busy then
      // would hold the server open until the client lets go. Sweep until every one is closed.
      const sweep = setInterval(() => server.closeIdleConnections(), IDLE_SWEEP_MS);
      server.closeIdleConnections();
      await closed;
      clearInterval(sweep);
      await options.onShutdown();
      clearTimeout(deadline);
    })();
    return stopping;
  };
  return { server, url, shutdown };
}

/** SIGTERM or SIGINT shuts the server down gracefully, then the process exits. */
export function stopOnSignals(running: RunningServer): void {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => void running.shutdown(signal).then(() => process.exit(0)));
  }
}

/**
 * Runs a process entry point: a configuration error or an unreachable dependency prints its one
 * message; anything else, its stack.
 */
export function runMain(main: () => Promise<void>): void {
  Promise.resolve()
    .then(main)
    .catch((error: unknown) => {
      if (error instanceof ConfigError || error instanceof StartupDependencyError) {
        process.stderr.write(`${error.message}\n`);
      } else {
        process.stderr.write(`Fatal: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      }
      process.exit(1);
    });
}
