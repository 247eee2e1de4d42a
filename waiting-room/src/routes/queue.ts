import type { Express, Request, RequestHandler } from 'express';
import { HttpError, INVALID_USER_ID_MESSAGE, normalizeUserId, type QueueStore } from '@flashsale/common';
import { queueReply, type QueueReply } from '../domain/queue-answer';
import type { QueueTokens } from '../domain/queue-token';
import type { WhereIStand } from '../journeys/where-i-stand';

export interface QueueRouteDeps {
  store: QueueStore;
  whereIStand: WhereIStand;
  queueTokens: QueueTokens;
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

  async function answer(userId: string, mode: 'join' | 'peek'): Promise<QueueReply> {
    return queueReply(await deps.whereIStand(userId, mode), {
      userId,
      queueToken: queueTokens.sign(userId),
      etaSeconds: deps.etaSeconds,
      queueOpensAt: deps.queueOpensAt,
      drawAt: deps.startsAt,
    });
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
