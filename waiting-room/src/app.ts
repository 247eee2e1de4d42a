import { randomUUID } from 'node:crypto';
import type { Server as HttpServer } from 'node:http';
import type { Express, RequestHandler } from 'express';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { ServerOptions } from 'socket.io';
import type { AdmissionSettings, Logger, OrderLog, QueueStore, SaleCounters, SaleStore, SaleWindow, SigningKeys } from '@flashsale/common';
import { AdmissionLoop } from './admission/admission-loop';
import { createAdmissionTokenIssuer } from './admission/admission-tokens';
import { createQueueTokens } from './domain/queue-token';
import { LiveTicker } from './live/live-ticker';
import { PresenceRenewal } from './live/presence-renewal';
import { shopperRoom, ShopperSockets, type ShopperSocket } from './live/shopper-sockets';
import { mountAdminRoutes } from './routes/admin';
import { mountClient } from './routes/client';
import { mountQueueRoutes } from './routes/queue';
import { mountSaleRoutes } from './routes/sale';

export interface WaitingRoomDeps {
  store: SaleStore & QueueStore;
  saleId: string;
  window: SaleWindow & { queueOpensAt: number };
  admission: AdmissionSettings;
  /** Must hold the private key: the waiting room signs admission tokens. */
  keys: SigningKeys;
  queueTokenSecret: string;
  adminToken: string;
  /** The per-IP limit on joins (createRateLimit). */
  joinRateLimit: RequestHandler;
  /** The per-IP limit on failed operator logins (createFailedAttemptLimit). */
  adminAttemptLimit: RequestHandler;
  registry: Registry;
  logger: Logger;
  clock?: () => number;
}

export interface WaitingRoom {
  /** Adds the waiting room's HTTP routes, and the built client's pages when there is a build. */
  mount(app: Express): void;
  /**
   * Attaches Socket.IO to the server and starts the admission loop and the live ticker. With
   * several instances, pass the Redis adapter so pushes reach shoppers on any instance.
   */
  start(server: HttpServer, adapter?: ServerOptions['adapter']): void;
  /** Stops the loops and disconnects every socket, so the HTTP server can close. */
  stop(): Promise<void>;
}

/**
 * The waiting room: the queue and its routes, admission, admission tokens, live pushes and the
 * operator API. The same object runs alone (server.ts) or beside checkout (all-in-one.ts).
 */
export function createWaitingRoom(deps: WaitingRoomDeps): WaitingRoom {
  const { store, logger } = deps;
  const clock = deps.clock ?? Date.now;
  const instanceId = randomUUID();
  if (!deps.keys.privateKey) throw new Error('the waiting room needs the private key to sign admission tokens');
  const queueTokens = createQueueTokens(deps.queueTokenSecret, deps.saleId);
  const admissionTokens = createAdmissionTokenIssuer(store, deps.keys.privateKey, deps.saleId, deps.admission.tokenTtlSeconds, clock);
  const metrics = createWaitingRoomMetrics(deps.registry, {
    connectedSockets: () => sockets?.connectedSockets ?? 0,
    counters: () => ticker?.latest?.counters ?? null,
  });

  let sockets: ShopperSockets | null = null;
  let ticker: LiveTicker | null = null;
  let presence: PresenceRenewal | null = null;
  // Read-only, for the operator's ledger figures; opened on first use.
  let ledgerLog: OrderLog | null = null;

  const admission = new AdmissionLoop({
    store,
    tokens: admissionTokens,
    tokenTtlMs: deps.admission.tokenTtlSeconds * 1000,
    announceAdmission: (userId, admissionToken, expiresAt) => {
      metrics.admissions.inc();
      sockets?.stopWaiting(userId);
      // Through the adapter: the shopper's socket may be on another instance.
      sockets?.io.to(shopperRoom(userId)).emit('queue:admitted', { admissionToken, expiresAt });
    },
    announceTimeout: (userId) => {
      sockets?.stopWaiting(userId);
      sockets?.io.to(shopperRoom(userId)).emit('queue:left', { reason: 'idle' });
    },
    logger,
  });

  const etaSeconds = (position: number | null) => ticker?.etaSeconds(position, clock()) ?? 0;

  /** At connect: where the shopper stands now, pushed at once. */
  async function greet(socket: ShopperSocket): Promise<void> {
    const { userId } = socket.data;
    const figures = ticker?.latest;
    if (figures) socket.emit('sale:status', { status: figures.status, remaining: figures.counters.remaining });
    try {
      const state = await store.queueState(userId, 'peek');
      if (state.kind === 'waiting') {
        sockets?.notePosition(userId, state.position);
        socket.emit('queue:position', { position: state.position, etaSeconds: etaSeconds(state.position), waiting: state.waiting });
        return;
      }
      sockets?.stopWaiting(userId);
      if (state.kind === 'admitted') {
        const admissionToken = state.admissionToken ?? (await admissionTokens.issue(userId, state.expiresAt));
        if (admissionToken !== null) socket.emit('queue:admitted', { admissionToken, expiresAt: state.expiresAt });
      } else if (state.kind === 'sold_out') {
        socket.emit('sale:sold_out');
      } else if (state.kind === 'sale_ended') {
        socket.emit('sale:ended');
      } else if (state.kind === 'not_queued') {
        socket.emit('queue:left', { reason: 'not_queued' });
      }
    } catch (error) {
      // The shopper's page falls back to GET /api/queue/me; the next tick pushes positions anyway.
      logger.warn({ err: (error as Error).message }, 'could not greet a socket');
    }
  }

  return {
    mount(app) {
      // The queue first: joins are the waiting room's hot path, and Express tries routes in order.
      mountQueueRoutes(app, {
        store,
        queueTokens,
        admissionTokens,
        etaSeconds,
        queueOpensAt: deps.window.queueOpensAt,
        startsAt: deps.window.startsAt,
        rateLimit: deps.joinRateLimit,
        onJoin: () => metrics.joins.inc(),
      });
      mountSaleRoutes(app, { store, keys: deps.keys });
      mountAdminRoutes(app, {
        store,
        attemptLimit: deps.adminAttemptLimit,
        ledgerStats: () => (ledgerLog ??= store.orderLog()).stats(),
        adminToken: deps.adminToken,
        instance: () => ({
          id: instanceId,
          connectedSockets: sockets?.connectedSockets ?? 0,
          admissionRatePerMinuteMeasured: Math.round((ticker?.latest?.measuredPerSecond ?? 0) * 60),
        }),
      });
      if (!mountClient(app)) logger.warn('no client build (client/dist): the API runs without its pages; run npm run build');
    },
    start(server, adapter) {
      sockets = new ShopperSockets(server, queueTokens, greet);
      if (adapter) sockets.io.adapter(adapter);
      // A Redis adapter reports a lost subscription here; unheard, the error would end the process.
      sockets.io.of('/').adapter.on('error', (error: Error) => logger.warn({ err: error.message }, 'socket adapter error'));
      ticker = new LiveTicker({ store, sockets, window: deps.window, instanceId, logger });
      presence = new PresenceRenewal({ store, sockets, graceMs: deps.admission.presenceGraceSeconds * 1000, logger });
      admission.start();
      ticker.start();
      presence.start();
      void ticker.tick();
    },
    async stop() {
      await Promise.all([admission.stop(), ticker?.stop(), presence?.stop()]);
      // The adapter's Redis clients belong to the caller, who closes them after this.
      sockets?.close();
      await ledgerLog?.close();
    },
  };
}

function createWaitingRoomMetrics(registry: Registry, read: { connectedSockets: () => number; counters: () => SaleCounters | null }) {
  new Gauge({
    name: 'flashsale_connected_sockets',
    help: 'Shopper sockets connected to this instance.',
    registers: [registry],
    collect() {
      this.set(read.connectedSockets());
    },
  });
  // Sale-wide figures, as of this instance's last tick (every instance reports the same).
  const saleWide: Array<[string, string, (counters: SaleCounters) => number]> = [
    ['flashsale_queue_present', 'Waiting shoppers counted present (sale-wide).', (c) => c.present],
    ['flashsale_queue_absent', 'Waiting shoppers absent: passed over until they return (sale-wide).', (c) => c.absent],
    ['flashsale_queue_passed_over', 'Times admission passed over an absent shopper (sale-wide, cumulative).', (c) => c.passedOver],
    ['flashsale_queue_timed_out', 'Shoppers who lost their place by the idle timeout (sale-wide, cumulative).', (c) => c.timedOut],
  ];
  for (const [name, help, pick] of saleWide) {
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        const counters = read.counters();
        if (counters) this.set(pick(counters));
      },
    });
  }
  return {
    joins: new Counter({ name: 'flashsale_queue_joins_total', help: 'Successful POST /api/queue answers.', registers: [registry] }),
    admissions: new Counter({
      name: 'flashsale_admissions_total',
      help: 'Shoppers this instance admitted and signed a token for.',
      registers: [registry],
    }),
  };
}
