import type { KeyObject } from 'node:crypto';
import { createAdmissionTokenSigner, type QueueStore } from '@flashsale/common';

export interface AdmissionTokenIssuer {
  /**
   * Signs the token of a standing admission (expiring with it) and keeps it in the store, so a
   * shopper who missed the push finds it on their next look. Null when the admission no longer
   * stands (bought or left meanwhile).
   */
  issue(userId: string, expiresAt: number): Promise<string | null>;
}

export function createAdmissionTokenIssuer(
  store: QueueStore,
  privateKey: KeyObject,
  saleId: string,
  ttlSeconds: number,
  clock: () => number = Date.now,
): AdmissionTokenIssuer {
  const signer = createAdmissionTokenSigner(privateKey, saleId, ttlSeconds);
  return {
    async issue(userId, expiresAt) {
      const { token } = signer.sign(userId, clock(), expiresAt);
      return (await store.recordAdmissionToken(userId, token)) ? token : null;
    },
  };
}
