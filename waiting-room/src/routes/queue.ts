import type { Express, Request, RequestHandler } from 'express';
import { HttpError, INVALID_USER_ID_MESSAGE, normalizeUserId, type QueueStore, type SaleStore } from '@flashsale/common';
import { queueReply, type QueueReply } from '../domain/queue-answer';
import type { QueueTokens } from '../domain/queue-token';
import type { AdmissionTokenIssuer } from '../admission/admission-tokens';

export interface QueueRouteDeps {
  store: SaleStore & QueueStore;
  queueTokens: QueueTokens;
  admissionTokens: AdmissionTokenIssuer;
  etaSeconds: (position: number | null) => number;
  queueOpensAt: number;
  /** The start, when a random pre-queue is drawn. */
  startsAt: number;
  rateLimit: RequestHandler;
  onJoin: () => void;
}

const BEARER = /^Bearer +(\S+)\s*$/i;

export function mountQueueRoutes(app: Express, deps: QueueRouteDeps): void {
  const { store, queueTokens } = deps;

  async function answer(userId: string, mode: 'join' | 'peek', retried = false): Promise<QueueReply> {
    const state = await store.queueState(userId, mode);
    let lapsed = false;
    const reply = await queueReply(state, {
      userId,
      queueToken: queueTokens.sign(userId),
      etaSeconds: deps.etaSeconds,
      queueOpensAt: deps.queueOpensAt,
      drawAt: deps.startsAt,
      admissionToken: async (expiresAt, kept) => {
        if (kept !== null) return kept;
        // The instance that admitted them stopped before keeping a token: sign one now.
        const token = await deps.admissionTokens.issue(userId, expiresAt);
        lapsed = token === null;
        return token ?? '';
      },
    });
    // The admission ended (a purchase, a leave) between the two steps: say where they stand now.
    return lapsed && !retried ? answer(userId, 'peek', true) : reply;
  }

  function shopperOf(req: Request): string {
    const token = BEARER.exec(req.headers.authorization ?? '')?.[1];
    const userId = token === undefined ? null : queueTokens.verify(token);
    if (userId === null) throw new HttpError(401, 'invalid_token', 'The queue token is missing or invalid; join the queue again.');
    return userId;
  }

  app.post('/api/queue', deps.rateLimit, async (req, res) => {
    const body: unknown = req.body;
    const raw = typeof body === 'object' && body !== null ? (body as { userId?: unknown }).userId : undefined;
    const userId = normalizeUserId(raw);
    if (userId === null) throw new HttpError(400, 'invalid_user_id', INVALID_USER_ID_MESSAGE);
    const reply = await answer(userId, 'join');
    deps.onJoin();
    res.status(reply.status).json(reply.body);
  });

  app.get('/api/queue/me', async (req, res) => {
    const reply = await answer(shopperOf(req), 'peek');
    res.status(reply.status).json(reply.body);
  });

  app.delete('/api/queue/me', async (req, res) => {
    await store.leave(shopperOf(req));
    res.status(204).end();
  });
}
