import type { Express, Request, RequestHandler } from 'express';
import { HttpError, type ChallengeAnswer, type QueueStore } from '@flashsale/common';
import { queueReply, refusalError, type QueueReply } from '../domain/queue-answer';
import type { QueueTokens } from '../domain/queue-token';
import type { JoinChallenges } from '../guards/join-challenge';
import type { JoinResult } from '../journeys/join';
import type { Standing, WhereIStand } from '../journeys/where-i-stand';

export interface QueueRouteDeps {
  store: QueueStore;
  whereIStand: WhereIStand;
  join: (body: unknown, address: string) => Promise<JoinResult>;
  challenges: JoinChallenges;
  /** The challenge's cost now (0: off), as the operator last set it. */
  challengeMaxNumber: () => Promise<number>;
  clock: () => number;
  queueTokens: QueueTokens;
  etaSeconds: (position: number | null) => number;
  /** The instance's live copy of the window: the queue's opening, and the start, when a random pre-queue is drawn. */
  window: { queueOpensAt: number; startsAt: number };
  rateLimit: RequestHandler;
  onJoin: () => void;
}

const BEARER = /^Bearer +(\S+)\s*$/i;

export function mountQueueRoutes(app: Express, deps: QueueRouteDeps): void {
  const { store, queueTokens } = deps;

  function answer(userId: string, standing: Standing): QueueReply {
    return queueReply(standing, {
      userId,
      queueToken: queueTokens.sign(userId),
      etaSeconds: deps.etaSeconds,
      queueOpensAt: deps.window.queueOpensAt,
      drawAt: deps.window.startsAt,
    });
  }

  function shopperOf(req: Request): string {
    const token = BEARER.exec(req.headers.authorization ?? '')?.[1];
    const userId = token === undefined ? null : queueTokens.verify(token);
    if (userId === null) throw new HttpError(401, 'invalid_token', 'The queue token is missing or invalid; join the queue again.');
    return userId;
  }

  app.get('/api/queue/challenge', async (_req, res) => {
    const maxNumber = await deps.challengeMaxNumber();
    const challenge: ChallengeAnswer = maxNumber > 0 ? deps.challenges.issue(maxNumber, deps.clock()) : { required: false };
    res.set('cache-control', 'no-store').json(challenge);
  });

  app.post('/api/queue', deps.rateLimit, async (req, res) => {
    const joined = await deps.join(req.body, req.ip ?? '');
    if ('refused' in joined) throw refusalError(joined.refused);
    const reply = answer(joined.userId, joined.standing);
    deps.onJoin();
    res.status(reply.status).json(reply.body);
  });

  app.get('/api/queue/me', async (req, res) => {
    const userId = shopperOf(req);
    const reply = answer(userId, await deps.whereIStand(userId, 'peek'));
    res.status(reply.status).json(reply.body);
  });

  app.delete('/api/queue/me', async (req, res) => {
    await store.leave(shopperOf(req));
    res.status(204).end();
  });
}
