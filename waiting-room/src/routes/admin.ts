import { createHash, timingSafeEqual } from 'node:crypto';
import { once } from 'node:events';
import { stringify } from 'csv-stringify';
import { stringify as stringifyRows } from 'csv-stringify/sync';
import type { Express, RequestHandler, Response } from 'express';
import { z } from 'zod';
import {
  HttpError,
  isoInstant,
  StoreUnavailableError,
  MAX_CHALLENGE_NUMBER,
  type AdminStateAnswer,
  type BlockedNetworksAnswer,
  type LedgerStats,
  type OrderExport,
  type QueueStore,
  type SaleAnswer,
  type SaleReportAnswer,
  type SaleStore,
} from '@flashsale/common';
import { ORDERS_CSV_COLUMNS, REPORT_CSV_COLUMNS } from '../domain/sale-report';
import { normalizeCidr } from '../guards/networks';
import type { NetworkBar } from '../journeys/bar-network';
import { TOP_NETWORKS } from '../journeys/report';

export interface AdminRouteDeps {
  store: SaleStore & QueueStore;
  /** Counts failed logins per IP and refuses guessers (createFailedAttemptLimit). */
  attemptLimit: RequestHandler;
  /** The ledger's figures, or null where there is no ledger. */
  ledgerStats: () => Promise<LedgerStats | null>;
  adminToken: string;
  instance: () => AdminStateAnswer['instance'];
  networkBar: NetworkBar;
  /** GET /api/sale's answer, which PATCH /api/admin/sale answers with. */
  saleAnswer: () => Promise<SaleAnswer>;
  /** GET /api/admin/report's answer. */
  saleReport: () => Promise<SaleReportAnswer>;
  /** Every order for orders.csv: the ledger's where there is one, else the store's. */
  orders: OrderExport;
  saleId: string;
}

/** POST /api/admin/blocked-networks: one CIDR, nothing else. */
const networkToBar = z.object({ network: z.string() }).strict();

/** PATCH /api/admin/admission: only these fields, each within sane bounds, or nothing changes. */
const admissionChange = z
  .object({
    ratePerMinute: z.number().int().min(0).max(1_000_000),
    paused: z.boolean(),
    maxActive: z.number().int().min(0).max(10_000_000).nullable(),
    overbook: z.number().min(1).max(100),
    challengeMaxNumber: z.number().int().min(0).max(MAX_CHALLENGE_NUMBER),
  })
  .partial()
  .strict();

/** PATCH /api/admin/sale: ISO-8601 instants and a whole stock, only these fields. */
const saleChange = z
  .object({ startsAt: isoInstant, endsAt: isoInstant, stock: z.number().int().min(0).max(1_000_000_000) })
  .partial()
  .strict();

export function mountAdminRoutes(app: Express, deps: AdminRouteDeps): void {
  const { store } = deps;
  const requireOperator = operatorAuth(deps.adminToken);
  const { attemptLimit } = deps;

  app.get('/api/admin/state', attemptLimit, requireOperator, async (_req, res) => {
    const [control, counters, ledger, topNetworks, blocked] = await Promise.all([
      store.getAdmissionControl(),
      store.saleCounters(),
      deps.ledgerStats(),
      store.topNetworks(TOP_NETWORKS),
      store.blockedNetworks(),
    ]);
    const answer: AdminStateAnswer = {
      settings: control,
      counters: {
        waiting: counters.waiting,
        activeAdmissions: counters.activeAdmissions,
        admittedTotal: counters.admittedTotal,
        expiredAdmissions: counters.expiredAdmissions,
        sold: counters.stock - counters.remaining,
        remaining: counters.remaining,
        outcomes: counters.outcomes,
        connectedSockets: counters.connectedSockets,
        present: counters.present,
        absent: counters.absent,
        passedOver: counters.passedOver,
        timedOut: counters.timedOut,
        challengesFailed: counters.challengesFailed,
        placesRefused: counters.placesRefused,
      },
      abuse: { topNetworks, blocked },
      instance: deps.instance(),
      serverTime: new Date(counters.now).toISOString(),
      ...(ledger && {
        ledger: { ...ledger, lastWriteAt: ledger.lastWriteAt === null ? null : new Date(ledger.lastWriteAt).toISOString() },
      }),
    };
    res.json(answer);
  });

  app.get('/api/admin/report', attemptLimit, requireOperator, async (_req, res) => {
    res.json(await deps.saleReport());
  });

  app.get('/api/admin/report.csv', attemptLimit, requireOperator, async (_req, res) => {
    const { minutes } = await deps.saleReport();
    sendCsvHeaders(res, `report-${deps.saleId}.csv`);
    res.send(stringifyRows(minutes, { header: true, columns: [...REPORT_CSV_COLUMNS] }));
  });

  app.get('/api/admin/orders.csv', attemptLimit, requireOperator, async (_req, res) => {
    await sendOrdersCsv(res, deps.orders, deps.saleId);
  });

  app.patch('/api/admin/admission', attemptLimit, requireOperator, async (req, res) => {
    const change = admissionChange.safeParse(req.body);
    if (!change.success) {
      const issue = change.error.issues[0];
      const field = issue?.path.join('.') || 'body';
      throw new HttpError(400, 'bad_request', `Invalid admission settings: ${field}: ${issue?.message ?? 'invalid'}. Nothing was changed.`);
    }
    res.json({ settings: await store.updateAdmissionControl(change.data) });
  });

  app.patch('/api/admin/sale', attemptLimit, requireOperator, async (req, res) => {
    const change = saleChange.safeParse(req.body);
    if (!change.success) {
      const issue = change.error.issues[0];
      const field = issue?.path.join('.') || 'body';
      throw new HttpError(400, 'bad_request', `Invalid change to the sale: ${field}: ${issue?.message ?? 'invalid'}. Nothing was changed.`);
    }
    const result = await store.changeSale(change.data);
    if (!result.ok) {
      const { code, message } = result.refusal;
      throw new HttpError(code === 'sale_started' ? 409 : 400, code, `${message} Nothing was changed.`);
    }
    res.json(await deps.saleAnswer());
  });

  app.post('/api/admin/blocked-networks', attemptLimit, requireOperator, async (req, res) => {
    const body = networkToBar.safeParse(req.body);
    const cidr = body.success ? normalizeCidr(body.data.network) : null;
    if (cidr === null)
      throw new HttpError(400, 'bad_request', 'Give { "network": "<CIDR>" }, such as 203.0.113.0/24. Nothing was changed.');
    const answer: BlockedNetworksAnswer = { blocked: await deps.networkBar.bar(cidr) };
    res.json(answer);
  });

  app.delete('/api/admin/blocked-networks/:cidr', attemptLimit, requireOperator, async (req, res) => {
    const cidr = normalizeCidr(req.params.cidr);
    if (cidr === null) throw new HttpError(400, 'bad_request', 'The path must end in a URL-encoded CIDR, such as 203.0.113.0%2F24.');
    const answer: BlockedNetworksAnswer = { blocked: await deps.networkBar.lift(cidr) };
    res.json(answer);
  });
}

/**
 * Every order as CSV, a page at a time with back-pressure. The first page is read before the
 * answer starts, so a ledger that cannot be read gets a clean 503; a failure after that cuts the
 * download short, so it cannot pass for a whole one.
 */
async function sendOrdersCsv(res: Response, orders: OrderExport, saleId: string): Promise<void> {
  const pages = orders()[Symbol.asyncIterator]();
  let page = await pages.next().catch((error: unknown) => {
    if (error instanceof StoreUnavailableError) throw error;
    throw new HttpError(503, 'unavailable', 'The order ledger cannot be read right now. Please try again in a moment.');
  });
  sendCsvHeaders(res, `orders-${saleId}.csv`);
  const csv = stringify({ header: true, columns: [...ORDERS_CSV_COLUMNS] });
  csv.pipe(res);
  try {
    for (; !page.done; page = await pages.next()) {
      for (const order of page.value) {
        if (!csv.write([order.orderId, saleId, order.userId, new Date(order.purchasedAt).toISOString()])) await once(csv, 'drain');
      }
    }
    csv.end();
  } catch (error) {
    await pages.return?.();
    res.destroy(error as Error);
  }
}

/** A CSV download: text/csv, saved under its own name, never cached (it holds the sale's orders). */
function sendCsvHeaders(res: Response, filename: string): void {
  res.status(200);
  res.type('text/csv; charset=utf-8');
  res.attachment(filename);
  res.set('Cache-Control', 'no-store');
}

/** Bearer ADMIN_TOKEN, compared in constant time (over digests, so the length leaks nothing either). */
function operatorAuth(adminToken: string): RequestHandler {
  const expected = createHash('sha256').update(adminToken).digest();
  return (req, _res, next) => {
    const given = /^Bearer +(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1] ?? '';
    const digest = createHash('sha256').update(given).digest();
    if (given === '' || !timingSafeEqual(digest, expected)) {
      return next(new HttpError(401, 'unauthorized', 'The operator API needs Authorization: Bearer <ADMIN_TOKEN>.'));
    }
    next();
  };
}
