import type { JoinTerms, QueueState, QueueStore } from '@flashsale/common';
import type { AdmissionTokenIssuer } from '../admission/admission-tokens';

/** Where a shopper stands, with the admission token in hand when they are admitted. */
export type Standing = Exclude<QueueState, { kind: 'admitted' }> | { kind: 'admitted'; expiresAt: number; admissionToken: string };

export type WhereIStand = (userId: string, mode: 'join' | 'peek', terms?: JoinTerms) => Promise<Standing>;

/**
 * The journey "where do I stand", which the join, the look-up and a socket's greeting all take:
 * the store's answer (a join puts them in the line), and for an admission whose token was never
 * kept (the instance that admitted them stopped first), a token signed now.
 */
export function createWhereIStand(store: QueueStore, admissionTokens: AdmissionTokenIssuer): WhereIStand {
  return async function whereIStand(userId, mode, terms, retried = false): Promise<Standing> {
    const state = await store.queueState(userId, mode, terms);
    if (state.kind !== 'admitted') return state;
    const admissionToken = state.admissionToken ?? (await admissionTokens.issue(userId, state.expiresAt));
    if (admissionToken !== null) return { ...state, admissionToken };
    // The admission ended (a purchase, a leave) between the two steps: say where they stand now.
    return retried ? { kind: 'not_queued' } : whereIStand(userId, 'peek', undefined, true);
  };
}
