import { INVALID_USER_ID_MESSAGE, normalizeUserId, type ErrorCode, type JoinTerms, type QueueStore } from '@flashsale/common';
import type { BlockedNetworks } from '../guards/blocked-networks';
import type { IdentityCheck } from '../guards/identity';
import type { JoinChallenges } from '../guards/join-challenge';
import { networkOf } from '../guards/networks';
import type { Standing, WhereIStand } from './where-i-stand';

/** A join refused before the store is asked: nothing was taken. */
export interface JoinRefusal {
  code: Extract<
    ErrorCode,
    'invalid_user_id' | 'identity_required' | 'invalid_identity' | 'network_blocked' | 'challenge_required' | 'challenge_failed'
  >;
  message: string;
}

export type JoinResult = { userId: string; standing: Standing } | { refused: JoinRefusal };

export interface JoinDeps {
  store: QueueStore;
  whereIStand: WhereIStand;
  challenges: JoinChallenges;
  /** The shop's identity check; null where shoppers name themselves. */
  identity: ((token: unknown) => IdentityCheck) | null;
  blocked: BlockedNetworks;
  maxPlacesPerNetwork: number;
  /** The challenge's cost now (0: off), as the operator last set it. */
  challengeMaxNumber: () => Promise<number>;
  clock: () => number;
}

const MESSAGES: Record<JoinRefusal['code'], string> = {
  invalid_user_id: INVALID_USER_ID_MESSAGE,
  identity_required: 'This shop asks you to sign in first: join from the shop, signed in.',
  invalid_identity: 'Your sign-in could not be confirmed (expired or not for this shop): sign in at the shop again.',
  network_blocked: 'Joins from your network are barred from this sale.',
  challenge_required: 'A join must carry the solved challenge (GET /api/queue/challenge).',
  challenge_failed: 'The challenge was not solved, has expired, or was used already: fetch a new one.',
};

/**
 * The journey "take a place": who the shopper is (the shop's identity token, or the name they
 * typed), whether their network is barred, whether the join paid its proof of work, then the
 * place itself, where the store spends the challenge and counts the network's places atomically.
 */
export function createJoin(deps: JoinDeps): (body: unknown, address: string) => Promise<JoinResult> {
  const refuse = (code: JoinRefusal['code']): JoinResult => ({ refused: { code, message: MESSAGES[code] } });
  return async (body, address) => {
    const fields = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
    let userId: string | null;
    if (deps.identity) {
      const identity = deps.identity(fields.identityToken);
      if ('refused' in identity) return refuse(identity.refused);
      userId = identity.userId;
    } else {
      userId = normalizeUserId(fields.userId);
      if (userId === null) return refuse('invalid_user_id');
    }

    if (deps.blocked.holding(address) !== null) {
      await deps.store.countRefusals({ placesRefused: 1 });
      return refuse('network_blocked');
    }

    let challenge: JoinTerms['challenge'] = null;
    if ((await deps.challengeMaxNumber()) > 0) {
      if (fields.proof === undefined || fields.proof === null || fields.proof === '') return refuse('challenge_required');
      challenge = deps.challenges.check(fields.proof, deps.clock());
      if (challenge === null) {
        await deps.store.countRefusals({ challengesFailed: 1 });
        return refuse('challenge_failed');
      }
    }

    const terms: JoinTerms = { address, network: networkOf(address), maxPlaces: deps.maxPlacesPerNetwork, challenge };
    return { userId, standing: await deps.whereIStand(userId, 'join', terms) };
  };
}
