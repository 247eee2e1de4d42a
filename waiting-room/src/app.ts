import { randomUUID } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import type { Server as HttpServer } from 'node:http';
import type { Express, RequestHandler } from 'express';
import type { Registry } from 'prom-client';
import type { ServerOptions } from 'socket.io';
import type {
  AdmissionSettings,
  JoinPolicy,
  Logger,
  OrderExport,
  OrderLog,
  Product,
  QueueStore,
  SaleStore,
  SaleWindow,
  SigningKeys,
} from '@flashsale/common';
import { AdmissionLoop } from './admission/admission-loop';
import { createAdmissionTokenIssuer } from './admission/admission-tokens';
import { WaitEstimate } from './domain/eta';
import { createQueueTokens } from './domain/queue-token';
import { BlockedNetworks } from './guards/blocked-networks';
import { createIdentityCheck } from './guards/identity';
import { createJoinChallenges } from './guards/join-challenge';
import { createNetworkBar } from './journeys/bar-network';
import { createJoin } from './journeys/join';
import { createSaleReport, storeOrders } from './journeys/report';
import { createSaleAnswer } from './journeys/sale-answer';
import { createWhereIStand } from './journeys/where-i-stand';
import { createGreeting } from './live/greeting';
import { LiveTicker } from './live/live-ticker';
import { PresenceRenewal } from './live/presence-renewal';
import { shopperRoom, ShopperSockets } from './live/shopper-sockets';
import { createWaitingRoomMetrics } from './metrics';
import { mountAdminRoutes } from './routes/admin';
import { mountClient } from './routes/client';
import { mountQueueRoutes } from './routes/queue';
import { mountSaleRoutes } from './routes/sale';

export interface WaitingRoomDeps {
  store: SaleStore & QueueStore;
  saleId: string;
  window: SaleWindow & { queueOpensAt: number };
  admission: AdmissionSettings;
  /** The waiting room signs admission tokens, so it holds the private key. */
  keys: SigningKeys & { privateKey: KeyObject };
  queueTokenSecret: string;
  adminToken: string;
  /** The cap per network, and the shop's identities. */
  joinPolicy: JoinPolicy;
  /** What is on sale (GET /api/sale). */
  product: Product;
  /** The per-IP limit on joins (createRateLimit). */
  joinRateLimit: RequestHandler;
  /** The per-IP limit on failed operator logins (createFailedAttemptLimit). */
  adminAttemptLimit: RequestHandler;
  /** With several instances, the Redis adapter, so pushes reach shoppers on any instance. */
  socketAdapter?: ServerOptions['adapter'];
  registry: Registry;
  logger: Logger;
  clock?: () => number;
  /** Every order as the PostgreSQL ledger holds it, where this process can read one (orders.csv). */
  ledgerOrders?: OrderExport;
}

export interface WaitingRoom {
  /** Adds the waiting room's HTTP routes, and the built client's pages when there is a build. */
  mount(app: Express): void;
  /** Takes socket connections on the server, and starts the admission loop and the live ticker. */
  start(server: HttpServer): void;
  /** Stops the loops and disconnects every socket, so the HTTP server can close. */
  stop(): Promise<void>;
}

/**
 * The waiting room: the queue and its routes, admission, admission tokens, live pushes and the
 * operator API. The same object runs alone or beside checkout (see instance.ts).
 */
export function createWaitingRoom(deps: WaitingRoomDeps): WaitingRoom {
  const { store, logger } = deps;
  const clock = deps.clock ?? Date.now;
  const instanceId = randomUUID();
  const queueTokens = createQueueTokens(deps.queueTokenSecret, deps.saleId);
  const admissionTokens = createAdmissionTokenIssuer(store, deps.keys.privateKey, deps.saleId, deps.admission.tokenTtlSeconds, clock);
  const whereIStand = createWhereIStand(store, admissionTokens);
  // This instance's copy of the window, which the ticker keeps as the store holds it (an operator may move it).
  const window = { ...deps.window };
  const estimate = new WaitEstimate(window);
  const etaSeconds = (position: number | null) => estimate.seconds(position, clock());

  // The greeting reads the ticker's figures only once sockets connect, after start().
  const sockets: ShopperSockets = new ShopperSockets(
    queueTokens,
    createGreeting({ whereIStand, estimate, latest: () => ticker.latest, clock, logger }),
    deps.socketAdapter,
  );
  // A Redis adapter reports a lost subscription here; unheard, the error would end the process.
  sockets.io.of('/').adapter.on('error', (error: Error) => logger.warn({ err: error.message }, 'socket adapter error'));
  const ticker: LiveTicker = new LiveTicker({ store, sockets, window, estimate, instanceId, logger });
  const presence = new PresenceRenewal({ store, sockets, graceMs: deps.admission.presenceGraceSeconds * 1000, logger });
  const metrics = createWaitingRoomMetrics(deps.registry, {
    connectedSockets: () => sockets.connectedSockets,
    counters: () => ticker.latest?.counters ?? null,
  });
  const admission = new AdmissionLoop({
    store,
    tokens: admissionTokens,
    tokenTtlMs: deps.admission.tokenTtlSeconds * 1000,
    announceAdmission: (userId, admissionToken, expiresAt) => {
      metrics.admissions.inc();
      sockets.stopWaiting(userId);
      // Through the adapter: the shopper's socket may be on another instance.
      sockets.io.to(shopperRoom(userId)).emit('queue:admitted', { admissionToken, expiresAt });
    },
    announceTimeout: (userId) => {
      sockets.stopWaiting(userId);
      sockets.io.to(shopperRoom(userId)).emit('queue:left', { reason: 'idle' });
    },
    logger,
  });
  const blocked = new BlockedNetworks({ store, logger });
  const challenges = createJoinChallenges(deps.queueTokenSecret, deps.saleId);
  // The operator's cost as of the last tick (within 250 ms of a change), without a store call per join.
  const challengeMaxNumber = async () => (ticker.latest?.control ?? (await store.getAdmissionControl())).challengeMaxNumber;
  const join = createJoin({
    store,
    whereIStand,
    challenges,
    identity: deps.joinPolicy.identity && createIdentityCheck(deps.joinPolicy.identity),
    blocked,
    maxPlacesPerNetwork: deps.joinPolicy.maxPlacesPerNetwork,
    challengeMaxNumber,
    clock,
  });
  const networkBar = createNetworkBar({
    store,
    blocked,
    announceBarred: (userIds) => {
      for (const userId of userIds) {
        sockets.stopWaiting(userId);
        sockets.io.to(shopperRoom(userId)).emit('queue:left', { reason: 'network_blocked' });
      }
    },
  });
  const saleAnswer = createSaleAnswer(store, deps.saleId, deps.product);
  const saleReport = createSaleReport(store, deps.saleId);
  // Read-only, for the operator's ledger figures; opened on first use.
  const ledger: { log: OrderLog | null } = { log: null };

  return {
    mount(app) {
      // The queue first: joins are the waiting room's hot path, and Express tries routes in order.
      mountQueueRoutes(app, {
        store,
        whereIStand,
        join,
        challenges,
        challengeMaxNumber,
        clock,
        queueTokens,
        etaSeconds,
        window,
        rateLimit: deps.joinRateLimit,
        onJoin: () => metrics.joins.inc(),
      });
      mountSaleRoutes(app, { store, keys: deps.keys, saleAnswer });
      mountAdminRoutes(app, {
        store,
        attemptLimit: deps.adminAttemptLimit,
        ledgerStats: () => (ledger.log ??= store.orderLog()).stats(),
        saleAnswer,
        saleReport,
        orders: deps.ledgerOrders ?? storeOrders(store),
        saleId: deps.saleId,
        adminToken: deps.adminToken,
        networkBar,
        instance: () => ({
          id: instanceId,
          connectedSockets: sockets.connectedSockets,
          admissionRatePerMinuteMeasured: Math.round((ticker.latest?.measuredPerSecond ?? 0) * 60),
        }),
      });
      if (!mountClient(app)) logger.warn('no client build (client/dist): the API runs without its pages; run npm run build');
    },
    start(server) {
      sockets.attach(server);
      admission.start();
      ticker.start();
      presence.start();
      void blocked.start();
      void ticker.tick();
    },
    async stop() {
      await Promise.all([admission.stop(), ticker.stop(), presence.stop(), blocked.stop()]);
      // The adapter's Redis clients belong to the caller, who closes them after this.
      sockets.close();
      await ledger.log?.close();
    },
  };
}
