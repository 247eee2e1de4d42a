/** The shopper's place, kept in localStorage so a reload (or a new tab) keeps it. */
export interface StoredPlace {
  queueToken: string;
  userId: string;
  /** Epoch ms (server clock) of the last admission this browser was given. */
  admissionExpiresAt?: number;
  /** The join answered that this shopper had bought before (from another browser). */
  alreadyPurchased?: boolean;
  /** The lottery ticket of a place in a random pre-queue, shown again after a reload. */
  ticket?: string;
}

const KEY = 'flashsale.place';

export function loadPlace(storage: Storage = window.localStorage): StoredPlace | null {
  try {
    const raw = storage.getItem(KEY);
    if (raw === null) return null;
    const value = JSON.parse(raw) as Partial<StoredPlace>;
    if (typeof value.queueToken !== 'string' || typeof value.userId !== 'string') return null;
    const place: StoredPlace = { queueToken: value.queueToken, userId: value.userId };
    if (typeof value.admissionExpiresAt === 'number') place.admissionExpiresAt = value.admissionExpiresAt;
    if (value.alreadyPurchased === true) place.alreadyPurchased = true;
    if (typeof value.ticket === 'string') place.ticket = value.ticket;
    return place;
  } catch {
    return null;
  }
}

// Storage can be full or switched off (private modes): the page still works, a reload just forgets.
export function savePlace(place: StoredPlace, storage: Storage = window.localStorage): void {
  try {
    storage.setItem(KEY, JSON.stringify(place));
  } catch {
    /* not kept */
  }
}

export function forgetPlace(storage: Storage = window.localStorage): void {
  try {
    storage.removeItem(KEY);
  } catch {
    /* nothing kept */
  }
}
