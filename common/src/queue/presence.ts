/**
 * Presence (SPEC, admission rules): a waiting shopper counts as present while a socket of theirs
 * is connected, and for a grace period after the last one goes or after their last join or look-up.
 * Each of those renews a lease, "present until"; admission passes over a shopper whose lease has
 * run out, and one absent for the idle timeout leaves the queue.
 */
export interface PresencePolicy {
  /** How long a lease lasts from its last renewal (PRESENCE_GRACE_SECONDS). */
  graceMs: number;
  /** How long after a lease runs out the shopper leaves the queue (QUEUE_IDLE_TIMEOUT_SECONDS). */
  idleTimeoutMs: number;
}

export const DEFAULT_PRESENCE: PresencePolicy = { graceMs: 30_000, idleTimeoutMs: 600_000 };

/**
 * How often an instance renews the leases of the shoppers whose sockets it holds: well inside the
 * grace, so a connected shopper never lapses, and never so often that it costs much (one batched
 * store call per interval, whatever the number of sockets).
 */
export function leaseRenewalIntervalMs(graceMs: number): number {
  return Math.min(5_000, Math.max(250, Math.floor(graceMs / 4)));
}

/** Absent shoppers one admission step may pass over at most, so one step stays a few ms of Redis. */
export const MAX_PASSED_OVER_PER_STEP = 1_000;
/** Shoppers one admission step may time out at most, for the same reason. */
export const MAX_IDLE_PER_STEP = 1_000;
