import type { SaleDefinition } from '../../config';
import { planAdmission, refillBucket, spendAllowance, type AdmissionBucket, type AdmissionControl } from '../../queue/admission';
import { drawLotterySeed, drawOrder, newLotteryTicket, type LotteryState } from '../../queue/lottery';
import { DEFAULT_PRESENCE, MAX_IDLE_PER_STEP, MAX_PASSED_OVER_PER_STEP, type PresencePolicy } from '../../queue/presence';
import {
  newPlace,
  PREQUEUE_BAND,
  SOCKET_REPORT_MAX_AGE_MS,
  standingOutsideLine,
  waitingState,
  type AdmissionBatch,
  type QueueState,
  type SaleCounters,
} from '../../queue/queue-state';
import { decidePurchase, type Order, type PurchaseOutcome, type PurchaseRequest } from '../../sale/purchase';
import { decideSaleChange, type SaleChange, type SaleChangeRefusal } from '../../sale/sale-change';
import { departureCounts, minuteCountKey, minutesFromCounts, type ReportFigure, type SaleRecord } from '../../sale/sale-record';
import type { OrderLog } from '../order-log';
import { MemoryOrderLog, OrderStream } from './memory-order-log';
import type { InitialAdmission, JoinTerms, PrequeueSettlement, QueueStore } from '../queue-store';
import type { Clock, SaleSnapshot, SaleStore } from '../sale-store';

interface MemorySale {
  definition: SaleDefinition;
  remaining: number;
  orders: Map<string, Order>;
  /** userId → queue score, and the waiting shoppers sorted by score (kept sorted: joins append). */
  scores: Map<string, number>;
  line: string[];
  /** Presence leases of the waiting (present until, epoch ms). */
  leases: Map<string, number>;
  /** Waiting shoppers last seen present, sorted by score as `line` is: where admission looks. */
  presentLine: string[];
  presentSet: Set<string>;
  /** No lease can have been idle long enough before this instant, so the sweep may skip. */
  nextIdleSweepAt: number;
  joinSeq: number;
  /** userId → admission expiry (epoch ms). */
  active: Map<string, number>;
  admissionTokens: Map<string, string>;
  control: AdmissionControl;
  /** Whether a waiting room has set the admission settings yet (a checkout starting first does not). */
  admissionSet: boolean;
  bucket: AdmissionBucket;
  prequeueSettled: boolean;
  /** The seed stays secret until the draw; `drawn` is the tickets in the order drawn. */
  lottery: { order: 'random' | 'fifo'; seed: string | null; commitment: string | null; drawn: string[] | null };
  /** userId → lottery ticket of each random pre-queue join, and ticket → userId. */
  tickets: Map<string, string>;
  ticketOwners: Map<string, string>;
  admittedTotal: number;
  expiredTotal: number;
  departures: number;
  passedOverTotal: number;
  timedOutTotal: number;
  outcomes: Map<string, number>;
  /** instanceId → sockets and when they were reported. */
  socketReports: Map<string, { sockets: number; at: number }>;
  /** network → places taken, and userId → the address each place was taken from. */
  networkPlaces: Map<string, number>;
  placeAddresses: Map<string, string>;
  /** Join challenges paid for already → when they expire anyway. */
  spentChallenges: Map<string, number>;
  blockedNetworks: Set<string>;
  challengesFailed: number;
  placesRefused: number;
  stream: OrderStream;
  /** For the report: '<figure>:<minute>' → count (purchases are read from the orders). */
  minuteCounts: Map<string, number>;
  /** userId → when the waiting shopper took their place; and each admitted shopper's time in queue, ms. */
  joinedAt: Map<string, number>;
  queueTimes: Map<string, number>;
}

/**
 * The embedded store: the whole sale in this process's memory, so `npm start` needs nothing but
 * Node.js. Single-process by design: two processes with a MemoryStore are two different sales.
 * Each method runs to completion without awaiting in between, which makes it as atomic as a Lua
 * script. Nothing survives a restart; durable sales use RedisStore.
 */
export class MemoryStore implements SaleStore, QueueStore {
  private sale: MemorySale | null = null;

  constructor(
    private readonly saleId: string,
    private readonly clock: Clock = Date.now,
    private readonly presence: PresencePolicy = DEFAULT_PRESENCE,
  ) {}

  async initSale(definition: SaleDefinition, admission: InitialAdmission | null): Promise<SaleSnapshot> {
    if (definition.saleId !== this.saleId) throw new Error(`this store holds sale ${this.saleId}, not ${definition.saleId}`);
    this.sale ??= {
      definition: { ...definition },
      remaining: definition.stock,
      orders: new Map(),
      scores: new Map(),
      line: [],
      leases: new Map(),
      presentLine: [],
      presentSet: new Set(),
      nextIdleSweepAt: 0,
      joinSeq: 0,
      active: new Map(),
      admissionTokens: new Map(),
      control: { ratePerMinute: 0, paused: false, maxActive: null, overbook: 1, challengeMaxNumber: 0 },
      admissionSet: false,
      bucket: { allowance: 0, updatedAt: this.clock() },
      prequeueSettled: false,
      lottery: { order: 'fifo', seed: null, commitment: null, drawn: null },
      tickets: new Map(),
      ticketOwners: new Map(),
      admittedTotal: 0,
      expiredTotal: 0,
      departures: 0,
      passedOverTotal: 0,
      timedOutTotal: 0,
      outcomes: new Map(),
      socketReports: new Map(),
      networkPlaces: new Map(),
      placeAddresses: new Map(),
      spentChallenges: new Map(),
      blockedNetworks: new Set(),
      challengesFailed: 0,
      placesRefused: 0,
      stream: new OrderStream(),
      minuteCounts: new Map(),
      joinedAt: new Map(),
      queueTimes: new Map(),
    };
    // As the Redis store's HSETNX: the first waiting room to start sets them, and only once.
    if (admission && !this.sale.admissionSet) {
      const { ratePerMinute, maxActive, overbook, prequeueOrder, challengeMaxNumber } = admission;
      this.sale.control = { ratePerMinute, paused: false, maxActive, overbook, challengeMaxNumber };
      this.sale.admissionSet = true;
      this.sale.bucket = { allowance: 0, updatedAt: this.clock() };
      this.sale.prequeueSettled = prequeueOrder === 'fifo';
      this.sale.lottery = prequeueOrder === 'random' ? { order: 'random', ...drawLotterySeed(), drawn: null } : this.sale.lottery;
    }
    return this.getSale();
  }

  async getSale(): Promise<SaleSnapshot> {
    const { definition, remaining } = this.requireSale();
    return { ...definition, remaining, now: this.clock() };
  }

  async changeSale(change: SaleChange): Promise<{ ok: true; sale: SaleSnapshot } | { ok: false; refusal: SaleChangeRefusal }> {
    const sale = this.requireSale();
    const verdict = decideSaleChange({ ...sale.definition, remaining: sale.remaining }, change, this.clock());
    if (!verdict.ok) return verdict;
    const { startsAt, endsAt, queueOpensAt, stock, remaining } = verdict.sale;
    Object.assign(sale.definition, { startsAt, endsAt, queueOpensAt, stock });
    sale.remaining = remaining;
    return { ok: true, sale: await this.getSale() };
  }

  async purchase(request: PurchaseRequest): Promise<PurchaseOutcome> {
    const sale = this.requireSale();
    const outcome = decidePurchase(
      { window: sale.definition, remaining: sale.remaining, existingOrder: sale.orders.get(request.userId) ?? null },
      request,
      this.clock(),
    );
    sale.outcomes.set(outcome.kind, (sale.outcomes.get(outcome.kind) ?? 0) + 1);
    if (outcome.kind === 'purchased') {
      sale.remaining -= 1;
      sale.orders.set(outcome.order.userId, outcome.order);
      sale.stream.append(outcome.order);
      sale.active.delete(request.userId);
      sale.admissionTokens.delete(request.userId);
    }
    return outcome;
  }

  async getOrder(userId: string): Promise<Order | null> {
    return this.requireSale().orders.get(userId) ?? null;
  }

  async queueState(userId: string, mode: 'join' | 'peek', terms?: JoinTerms): Promise<QueueState> {
    const sale = this.requireSale();
    const now = this.clock();
    if (terms?.challenge && !this.spendChallenge(sale, terms.challenge, now)) {
      sale.challengesFailed += 1;
      return { kind: 'challenge_spent' };
    }
    const expiresAt = sale.active.get(userId);
    const standing = standingOutsideLine(
      {
        order: sale.orders.get(userId) ?? null,
        remaining: sale.remaining,
        endsAt: sale.definition.endsAt,
        admission: expiresAt === undefined ? null : { expiresAt, admissionToken: sale.admissionTokens.get(userId) ?? null },
      },
      now,
    );
    if (standing.kind !== 'in_line') return standing;
    if (standing.admissionExpired) this.expire(sale, [userId], now);
    if (!sale.scores.has(userId)) {
      if (mode !== 'join') return { kind: 'not_queued' };
      const network = terms ? { taken: sale.networkPlaces.get(terms.network) ?? 0, max: terms.maxPlaces } : null;
      const place = newPlace(sale.joinSeq + 1, now, sale.definition, sale.prequeueSettled, network);
      if (place.kind === 'too_many_places') sale.placesRefused += 1;
      if (place.kind !== 'joined') return place;
      if (terms) {
        sale.networkPlaces.set(terms.network, (network?.taken ?? 0) + 1);
        sale.placeAddresses.set(userId, terms.address);
      }
      sale.joinSeq += 1;
      sale.joinedAt.set(userId, now);
      this.count(sale, 'joined', now);
      sale.scores.set(userId, place.score);
      sale.line.push(userId);
      if (place.ticketed) this.giveTicket(sale, userId, newLotteryTicket());
    }
    this.renewLease(sale, userId, now + this.presence.graceMs);
    return waitingState(this.rank(sale, sale.line, userId) + 1, sale.line.length, this.inDraw(sale), sale.tickets.get(userId) ?? null);
  }

  async renewPresence(userIds: string[]): Promise<number> {
    const sale = this.requireSale();
    const until = this.clock() + this.presence.graceMs;
    return userIds.filter((userId) => this.renewLease(sale, userId, until)).length;
  }

  async leave(userId: string): Promise<boolean> {
    const sale = this.requireSale();
    const waited = this.leaveLine(sale, userId);
    if (waited) {
      sale.departures += 1;
      this.countDepartures(sale, 1);
    }
    const held = sale.active.delete(userId);
    sale.admissionTokens.delete(userId);
    return waited || held;
  }

  async admit(tokenTtlMs: number, maxBatch: number): Promise<AdmissionBatch> {
    const sale = this.requireSale();
    const now = this.clock();
    const expired = [...sale.active].filter(([, expiresAt]) => expiresAt <= now).map(([userId]) => userId);
    this.expire(sale, expired, now);
    const timedOut = this.sweepIdle(sale, now);
    const result = (admitted: AdmissionBatch['admitted'] = [], awaitingDraw = false, passedOver = 0): AdmissionBatch => ({
      admitted,
      expired,
      timedOut,
      passedOver,
      awaitingDraw,
    });

    const plan = planAdmission(
      {
        window: sale.definition,
        remaining: sale.remaining,
        prequeueSettled: sale.prequeueSettled,
        control: sale.control,
        bucket: sale.bucket,
        activeAdmissions: sale.active.size,
      },
      now,
      maxBatch,
    );
    if (plan.kind === 'closed') return result();
    if (plan.kind === 'awaiting_draw') return result([], true);
    sale.bucket = plan.bucket;
    if (plan.kind === 'paused') return result();

    const { room, grant } = plan;
    // As admit-10.lua: present shoppers from the head, passing over (and forgetting) absent ones.
    const admitted: AdmissionBatch['admitted'] = [];
    let passedOver = 0;
    let lineRanOut = false;
    while (admitted.length < grant && passedOver < MAX_PASSED_OVER_PER_STEP) {
      if (sale.presentLine.length === 0) {
        lineRanOut = true;
        break;
      }
      const userId = sale.presentLine.shift() as string;
      sale.presentSet.delete(userId);
      const lease = sale.leases.get(userId);
      if (lease === undefined) continue;
      if (lease <= now) {
        passedOver += 1;
        continue;
      }
      sale.queueTimes.set(userId, now - (sale.joinedAt.get(userId) ?? now));
      this.leaveLine(sale, userId);
      sale.active.set(userId, now + tokenTtlMs);
      admitted.push({ userId, expiresAt: now + tokenTtlMs });
    }
    sale.bucket = {
      allowance: spendAllowance({ allowance: sale.bucket.allowance, admitted: admitted.length, room, lineRanOut }),
      updatedAt: now,
    };
    sale.admittedTotal += admitted.length;
    sale.departures += admitted.length;
    this.count(sale, 'admitted', now, admitted.length);
    sale.passedOverTotal += passedOver;
    return result(admitted, false, passedOver);
  }

  async drawPrequeue(): Promise<PrequeueSettlement> {
    const sale = this.requireSale();
    if (sale.prequeueSettled) return 'already_settled';
    if (this.clock() < sale.definition.startsAt) return 'not_started';
    const members = sale.line.filter((userId) => (sale.scores.get(userId) ?? PREQUEUE_BAND) < PREQUEUE_BAND);
    const tickets = members.flatMap((userId) => sale.tickets.get(userId) ?? []);
    const drawn = drawOrder(sale.lottery.seed ?? '', tickets);
    drawn.forEach((ticket, index) => sale.scores.set(sale.ticketOwners.get(ticket) as string, index + 1));
    const byScore = (a: string, b: string) => (sale.scores.get(a) ?? 0) - (sale.scores.get(b) ?? 0);
    sale.line.sort(byScore);
    sale.presentLine.sort(byScore);
    sale.prequeueSettled = true;
    sale.lottery.drawn = drawn;
    sale.departures += 1;
    return 'settled';
  }

  async lottery(): Promise<LotteryState> {
    const { order, seed, commitment, drawn } = this.requireSale().lottery;
    return { order, commitment, seed: drawn && seed, tickets: drawn && [...drawn] };
  }

  async recordAdmissionToken(userId: string, token: string): Promise<boolean> {
    const sale = this.requireSale();
    if (!sale.active.has(userId)) return false;
    sale.admissionTokens.set(userId, token);
    return true;
  }

  async getAdmissionControl(): Promise<AdmissionControl> {
    return { ...this.requireSale().control };
  }

  async updateAdmissionControl(change: Partial<AdmissionControl>): Promise<AdmissionControl> {
    const sale = this.requireSale();
    // Settle the bucket under the old settings first, as updateAdmission-2.lua does.
    sale.bucket = refillBucket(sale.bucket, sale.control, this.clock(), sale.definition.startsAt);
    sale.control = { ...sale.control, ...change };
    return { ...sale.control };
  }

  async saleCounters(): Promise<SaleCounters> {
    const sale = this.requireSale();
    const now = this.clock();
    let connectedSockets = 0;
    for (const report of sale.socketReports.values()) {
      if (report.at >= now - SOCKET_REPORT_MAX_AGE_MS) connectedSockets += report.sockets;
    }
    let present = 0;
    for (const lease of sale.leases.values()) if (lease > now) present += 1;
    return {
      now,
      waiting: sale.line.length,
      inDraw: this.inDraw(sale),
      present,
      absent: sale.line.length - present,
      passedOver: sale.passedOverTotal,
      timedOut: sale.timedOutTotal,
      activeAdmissions: sale.active.size,
      admittedTotal: sale.admittedTotal,
      expiredAdmissions: sale.expiredTotal,
      departures: sale.departures,
      connectedSockets,
      stock: sale.definition.stock,
      remaining: sale.remaining,
      window: { startsAt: sale.definition.startsAt, endsAt: sale.definition.endsAt, queueOpensAt: sale.definition.queueOpensAt },
      outcomes: Object.fromEntries(sale.outcomes),
      challengesFailed: sale.challengesFailed,
      placesRefused: sale.placesRefused,
    };
  }

  async queuePositions(userIds: string[]): Promise<number[]> {
    const sale = this.requireSale();
    return userIds.map((userId) => (sale.scores.has(userId) ? this.rank(sale, sale.line, userId) + 1 : 0));
  }

  async reportSockets(instanceId: string, sockets: number): Promise<void> {
    this.requireSale().socketReports.set(instanceId, { sockets, at: this.clock() });
  }

  async countRefusals(refusals: { challengesFailed?: number; placesRefused?: number }): Promise<void> {
    const sale = this.requireSale();
    sale.challengesFailed += refusals.challengesFailed ?? 0;
    sale.placesRefused += refusals.placesRefused ?? 0;
  }

  async topNetworks(count: number): Promise<Array<{ network: string; places: number }>> {
    // As ZREVRANGE: most places first, ties in reverse order of the network's name.
    return [...this.requireSale().networkPlaces]
      .sort(([a, placesA], [b, placesB]) => placesB - placesA || (a < b ? 1 : -1))
      .slice(0, count)
      .map(([network, places]) => ({ network, places }));
  }

  async blockedNetworks(): Promise<string[]> {
    return [...this.requireSale().blockedNetworks].sort();
  }

  async blockNetwork(cidr: string): Promise<string[]> {
    this.requireSale().blockedNetworks.add(cidr);
    return this.blockedNetworks();
  }

  async unblockNetwork(cidr: string): Promise<string[]> {
    this.requireSale().blockedNetworks.delete(cidr);
    return this.blockedNetworks();
  }

  /** One page holds everything: the embedded sale is small. */
  async placeAddresses(): Promise<{ cursor: string; places: Array<{ userId: string; address: string }> }> {
    return { cursor: '0', places: [...this.requireSale().placeAddresses].map(([userId, address]) => ({ userId, address })) };
  }

  async removeFromLine(userIds: string[]): Promise<string[]> {
    const sale = this.requireSale();
    const removed = userIds.filter((userId) => this.leaveLine(sale, userId));
    sale.departures += removed.length;
    this.countDepartures(sale, removed.length);
    return removed;
  }

  async saleRecord(): Promise<SaleRecord> {
    const sale = this.requireSale();
    const counts = new Map(sale.minuteCounts);
    let lastPurchaseAt: number | null = null;
    for (const { purchasedAt } of sale.orders.values()) {
      const key = minuteCountKey('purchased', purchasedAt);
      counts.set(key, (counts.get(key) ?? 0) + 1);
      lastPurchaseAt = Math.max(lastPurchaseAt ?? purchasedAt, purchasedAt);
    }
    return { now: this.clock(), minutes: minutesFromCounts(counts), queueTimes: sale.queueTimes.size, lastPurchaseAt };
  }

  async queueTimesAt(ranks: number[]): Promise<number[]> {
    const sorted = [...this.requireSale().queueTimes.values()].sort((a, b) => a - b);
    return ranks.map((rank) => sorted[rank] ?? 0);
  }

  /** The embedded twin of the Redis order stream, for a ledger beside the embedded store. */
  orderLog(): OrderLog {
    return new MemoryOrderLog(() => this.requireSale().stream, this.clock);
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {}

  private expire(sale: MemorySale, userIds: string[], now: number): void {
    for (const userId of userIds) {
      sale.active.delete(userId);
      sale.admissionTokens.delete(userId);
    }
    sale.expiredTotal += userIds.length;
    this.count(sale, 'expired', now, userIds.length);
  }

  /** Counts an event for the report, in the minute of `at`. */
  private count(sale: MemorySale, figure: ReportFigure, at: number, n = 1): void {
    if (n === 0) return;
    const key = minuteCountKey(figure, at);
    sale.minuteCounts.set(key, (sale.minuteCounts.get(key) ?? 0) + n);
  }

  /** Shoppers who left the line, now: counted as left while the sale could still sell to them. */
  private countDepartures(sale: MemorySale, n: number): void {
    const now = this.clock();
    if (departureCounts({ remaining: sale.remaining, endsAt: sale.definition.endsAt }, now)) this.count(sale, 'left', now, n);
  }

  /** Spends a join challenge once, as queueState-14.lua's ZADD NX; false when it was spent before. */
  private spendChallenge(sale: MemorySale, challenge: { id: string; expiresAt: number }, now: number): boolean {
    // Spent in about the order they expire: forget from the oldest until one still counts.
    for (const [id, expiresAt] of sale.spentChallenges) {
      if (expiresAt > now) break;
      sale.spentChallenges.delete(id);
    }
    if (sale.spentChallenges.has(challenge.id)) return false;
    sale.spentChallenges.set(challenge.id, challenge.expiresAt);
    return true;
  }

  private giveTicket(sale: MemorySale, userId: string, ticket: string): void {
    sale.tickets.set(userId, ticket);
    sale.ticketOwners.set(ticket, userId);
  }

  /** Pre-queue shoppers awaiting the draw: they score below the band, so they stand first. */
  private inDraw(sale: MemorySale): number {
    return sale.prequeueSettled ? 0 : this.countBelow(sale.line, sale.scores, PREQUEUE_BAND);
  }

  /** Renews a waiting shopper's lease and puts them back among the present, in their place. */
  private renewLease(sale: MemorySale, userId: string, until: number): boolean {
    if (!sale.scores.has(userId)) return false;
    sale.leases.set(userId, until);
    sale.nextIdleSweepAt = Math.min(sale.nextIdleSweepAt, until + this.presence.idleTimeoutMs);
    if (!sale.presentSet.has(userId)) {
      sale.presentLine.splice(this.rank(sale, sale.presentLine, userId), 0, userId);
      sale.presentSet.add(userId);
    }
    return true;
  }

  /** Out of the line: queue, present and lease together. True if they were waiting. */
  private leaveLine(sale: MemorySale, userId: string): boolean {
    if (!sale.scores.has(userId)) return false;
    sale.line.splice(this.rank(sale, sale.line, userId), 1);
    if (sale.presentSet.delete(userId)) sale.presentLine.splice(this.rank(sale, sale.presentLine, userId), 1);
    sale.scores.delete(userId);
    sale.leases.delete(userId);
    sale.joinedAt.delete(userId);
    return true;
  }

  /** Times out shoppers whose lease ran out an idle timeout ago, oldest first, as admit-10.lua does. */
  private sweepIdle(sale: MemorySale, now: number): string[] {
    if (now < sale.nextIdleSweepAt) return [];
    const idleBefore = now - this.presence.idleTimeoutMs;
    const idle = [...sale.leases]
      .filter(([, lease]) => lease <= idleBefore)
      .sort(([a, leaseA], [b, leaseB]) => leaseA - leaseB || (a < b ? -1 : 1))
      .slice(0, MAX_IDLE_PER_STEP)
      .map(([userId]) => userId);
    for (const userId of idle) this.leaveLine(sale, userId);
    sale.timedOutTotal += idle.length;
    sale.departures += idle.length;
    this.countDepartures(sale, idle.length);
    // A lease only moves later once set (renewLease lowers this for new ones), so the oldest left
    // says when the next sweep can find anyone.
    let oldest = Infinity;
    for (const lease of sale.leases.values()) oldest = Math.min(oldest, lease);
    sale.nextIdleSweepAt = idle.length === MAX_IDLE_PER_STEP ? now : oldest + this.presence.idleTimeoutMs;
    return idle;
  }

  /** Where a waiting shopper stands in `list` (sorted by score), by binary search. */
  private rank(sale: MemorySale, list: string[], userId: string): number {
    return this.countBelow(list, sale.scores, sale.scores.get(userId) ?? 0);
  }

  /** How many of `list` (sorted by score) score below `score`. */
  private countBelow(list: string[], scores: Map<string, number>, score: number): number {
    let low = 0;
    let high = list.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if ((scores.get(list[middle] as string) ?? 0) < score) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  private requireSale(): MemorySale {
    if (!this.sale) throw new Error('the sale has not been initialised (call initSale first)');
    return this.sale;
  }
}
