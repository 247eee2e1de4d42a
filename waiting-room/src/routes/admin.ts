import { createHash, timingSafeEqual } from 'node:crypto';
import type { Express, RequestHandler } from 'express';
import { z } from 'zod';
import { HttpError, type AdminStateAnswer, type LedgerStats, type QueueStore } from '@flashsale/common';

export interface AdminRouteDeps {
  store: QueueStore;
  /** Counts failed logins per IP and refuses guessers (createFailedAttemptLimit). */
  attemptLimit: RequestHandler;
  /** The ledger's figures, or null where there is no ledger. */
  ledgerStats: () => Promise<LedgerStats | null>;
  adminToken: string;
  instance: () => AdminStateAnswer['instance'];
}

/** PATCH /api/admin/admission: only these fields, each within sane bounds, or nothing changes. */
const admissionChange = z
  .object({
    ratePerMinute: z.number().int().min(0).max(1_000_000),
    paused: z.boolean(),
    maxActive: z.number().int().min(0).max(10_000_000).nullable(),
    overbook: z.number().min(1).max(100),
  })
  .partial()
  .strict();

export function mountAdminRoutes(app: Express, deps: AdminRouteDeps): void {
  const { store } = deps;
  const requireOperator = operatorAuth(deps.adminToken);
  const { attemptLimit } = deps;

  app.get('/api/admin/state', attemptLimit, requireOperator, async (_req, res) => {
    const [control, counters, ledger] = await Promise.all([store.getAdmissionControl(), store.saleCounters(), deps.ledgerStats()]);
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
      },
      instance: deps.instance(),
      serverTime: new Date(counters.now).toISOString(),
      ...(ledger && {
        ledger: { ...ledger, lastWriteAt: ledger.lastWriteAt === null ? null : new Date(ledger.lastWriteAt).toISOString() },
      }),
    };
    res.json(answer);
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
