import type { Logger } from '@flashsale/common';
import type { WaitEstimate } from '../domain/eta';
import type { WhereIStand } from '../journeys/where-i-stand';
import type { LiveFigures } from './live-ticker';
import type { Greeting } from './shopper-sockets';

export interface GreetingDeps {
  whereIStand: WhereIStand;
  estimate: WaitEstimate;
  /** The sale's figures as of the last tick, or null before the first. */
  latest: () => LiveFigures | null;
  clock: () => number;
  logger: Logger;
}

/**
 * At connect, the shopper hears at once what the routes would answer: the sale's status, then
 * where they stand (their place, their admission, or why the line is over for them).
 */
export function createGreeting(deps: GreetingDeps): Greeting {
  return async (socket) => {
    const { userId } = socket.data;
    const figures = deps.latest();
    if (figures) socket.emit('sale:status', figures.statusEvent);
    try {
      const standing = await deps.whereIStand(userId, 'peek');
      if (standing.kind === 'waiting') {
        const { position, waiting } = standing;
        socket.emit('queue:position', { position, etaSeconds: deps.estimate.seconds(position, deps.clock()), waiting });
        return position;
      }
      if (standing.kind === 'admitted') {
        socket.emit('queue:admitted', { admissionToken: standing.admissionToken, expiresAt: standing.expiresAt });
      } else if (standing.kind === 'sold_out') {
        socket.emit('sale:sold_out');
      } else if (standing.kind === 'sale_ended') {
        socket.emit('sale:ended');
      } else if (standing.kind === 'not_queued') {
        socket.emit('queue:left', { reason: 'not_queued' });
      }
      return 0;
    } catch (error) {
      // The shopper's page falls back to GET /api/queue/me; the next tick pushes positions anyway.
      deps.logger.warn({ err: (error as Error).message }, 'could not greet a socket');
      return undefined;
    }
  };
}
