/**
 * Every Redis key of a sale, from one place. They all share the hash tag `{sale:<id>}`, so one
 * sale lives on one Redis Cluster slot and its scripts may touch all of them atomically.
 */
export function saleKeys(saleId: string) {
  const tag = `{sale:${saleId}}`;
  return {
    /** Hash: the sale's definition (stock, window) and its `remaining` counter. */
    sale: `${tag}:sale`,
    /** Hash: userId → "orderId|purchasedAt". The one-per-user record and the orders of truth. */
    orders: `${tag}:orders`,
    /** Stream: one entry per order, read by the order ledger. */
    orderLog: `${tag}:order-log`,
    /** Sorted set: userId by purchasedAt (epoch ms), so reconciliation reads only the orders since its last pass. */
    orderTimes: `${tag}:order-times`,
    /** Sorted set: waiting shoppers by queue order (pre-queue band first, then join order). */
    queue: `${tag}:queue`,
    /**
     * Sorted set: waiting shoppers last seen present, by queue score. Admission takes from its head
     * and drops whoever it finds absent, so an absent shopper is looked at once, not every step.
     */
    present: `${tag}:present`,
    /** Sorted set: every waiting shopper's presence lease, "present until" (epoch ms). */
    presence: `${tag}:presence`,
    /** Sorted set: admitted shoppers who have not bought yet, by admission expiry (epoch ms). */
    active: `${tag}:active`,
    /** Hash: the operator's settings, the shared admission bucket, and admission counters. */
    admission: `${tag}:admission`,
    /** Hash: the pre-queue lottery: order, seed (secret until the draw), commitment, drawnAt. */
    lottery: `${tag}:lottery`,
    /** Hash: "u:<userId>" → the shopper's lottery ticket, and "t:<ticket>" → its userId. */
    tickets: `${tag}:tickets`,
    /** List: every pre-queue ticket in the order drawn, written once at the draw. */
    lotteryDraw: `${tag}:lottery-draw`,
    /** Hash: userId → the admission token signed for their current admission. */
    admissionTokens: `${tag}:admission-tokens`,
    /** Sorted set: network (IPv4 /24, IPv6 /64) → places it has taken in the sale, for the cap. */
    networks: `${tag}:networks`,
    /** Hash: userId → the client address their place was taken from, to find a barred network's places. */
    placeAddresses: `${tag}:place-addresses`,
    /** Sorted set: join challenges already paid for (their signature) → when they expire anyway. */
    spentChallenges: `${tag}:spent-challenges`,
    /** Set: the networks the operator barred, as CIDRs. */
    blockedNetworks: `${tag}:blocked-networks`,
    /** Hash: the ledger writers' figures (written, lastWriteAt). */
    ledger: `${tag}:ledger`,
    /** Hash: "<figure>:<minute>" → count, the report's per-minute figures (sale/sale-record.ts). */
    report: `${tag}:report`,
    /** Hash: userId → when the waiting shopper took their place (epoch ms), for their time in queue. */
    joinedAt: `${tag}:joined-at`,
    /** Sorted set: userId → ms from join to their latest admission, for the report's percentiles. */
    queueTimes: `${tag}:queue-times`,
    /** Hash: waiting-room instanceId → "sockets|reportedAt", for the sale-wide socket count. */
    instances: `${tag}:instances`,
  };
}

export type SaleKeys = ReturnType<typeof saleKeys>;
