import type { SaleDefinition } from '../../config';
import { StoreUnavailableError } from '../../errors';
import type { Order, PurchaseOutcome, PurchaseRequest } from '../../sale/purchase';
import { decideSaleChange, type SaleChange, type SaleChangeRefusal } from '../../sale/sale-change';
import { saleKeys, type SaleKeys } from '../keys';
import type { AdmissionControl } from '../../queue/admission';
import { drawLotterySeed, drawOrder, newLotteryTicket, type LotteryState } from '../../queue/lottery';
import { DEFAULT_PRESENCE, MAX_IDLE_PER_STEP, MAX_PASSED_OVER_PER_STEP, type PresencePolicy } from '../../queue/presence';
import {
  PREQUEUE_BAND,
  SOCKET_REPORT_MAX_AGE_MS,
  waitingState,
  type AdmissionBatch,
  type QueueState,
  type SaleCounters,
} from '../../queue/queue-state';
import type { InitialAdmission, JoinTerms, PrequeueSettlement, QueueStore } from '../queue-store';
import type { Clock, SaleSnapshot, SaleStore } from '../sale-store';
import { defineSaleScripts, type SaleScripts } from './scripts';
import { RedisOrderLog } from './redis-order-log';
import { parseOrderRecord } from './order-record';
import { duplicateConnection, type RedisConnection } from './connection';
import type { OrderLog } from '../order-log';
import { minutesFromCounts, type SaleRecord } from '../../sale/sale-record';

export interface RedisStoreOptions {
  /**
   * Tests only: stand the scripts at this clock instead of Redis TIME. Production leaves it
   * unset, so that every instance judges the window by the one Redis clock.
   */
  clock?: Clock;
  /** The presence grace and idle timeout; the SPEC's defaults when unset. */
  presence?: PresencePolicy;
}

/**
 * The sale in Redis, for any number of instances. Every step that must be atomic is one Lua
 * script (scripts/*.lua) and one round trip; every key comes from saleKeys().
 */
export class RedisStore implements SaleStore, QueueStore {
  private readonly keys: SaleKeys;
  private readonly scripts: SaleScripts;
  private readonly presencePolicy: PresencePolicy;

  constructor(
    private readonly redis: RedisConnection,
    private readonly saleId: string,
    private readonly options: RedisStoreOptions = {},
  ) {
    this.keys = saleKeys(saleId);
    this.scripts = defineSaleScripts(redis);
    this.presencePolicy = options.presence ?? DEFAULT_PRESENCE;
  }

  async initSale(definition: SaleDefinition, admission: InitialAdmission | null): Promise<SaleSnapshot> {
    if (definition.saleId !== this.saleId) throw new Error(`this store holds sale ${this.saleId}, not ${definition.saleId}`);
    const { saleId, stock, startsAt, endsAt, queueOpensAt } = definition;
    const { ratePerMinute = '', maxActive = null, overbook = '', prequeueOrder = '', challengeMaxNumber = 0 } = admission ?? {};
    // Drawn by whoever sets the sale up; only the first one to get there is kept (HSETNX).
    const { seed, commitment } = drawLotterySeed();
    const reply = await this.call(() =>
      this.scripts.initSale(
        this.keys.sale,
        this.keys.admission,
        this.keys.lottery,
        saleId,
        stock,
        startsAt,
        endsAt,
        queueOpensAt,
        this.nowArgument(),
        ratePerMinute,
        maxActive === null ? '' : String(maxActive),
        overbook,
        prequeueOrder,
        seed,
        commitment,
        challengeMaxNumber,
      ),
    );
    return parseSnapshot(reply);
  }

  async getSale(): Promise<SaleSnapshot> {
    return parseSnapshot(await this.call(() => this.scripts.readSale(this.keys.sale, this.nowArgument())));
  }

  async changeSale(change: SaleChange): Promise<{ ok: true; sale: SaleSnapshot } | { ok: false; refusal: SaleChangeRefusal }> {
    // Decided on a snapshot, written only if the snapshot still holds: a purchase or the clock
    // crossing the start between the two makes it decide again, on the sale as it is then.
    for (let attempt = 1; ; attempt++) {
      const sale = await this.getSale();
      const verdict = decideSaleChange(sale, change, sale.now);
      if (!verdict.ok) return verdict;
      const next = verdict.sale;
      const written = await this.call(() =>
        this.scripts.changeSale(
          this.keys.sale,
          sale.startsAt,
          sale.endsAt,
          sale.stock,
          next.phase,
          next.startsAt,
          next.endsAt,
          next.queueOpensAt,
          next.stock,
          next.remaining,
          this.nowArgument(),
        ),
      );
      if (written === 'OK') return { ok: true, sale: await this.getSale() };
      if (attempt === 3) throw new Error(`the sale kept changing under the operator's change (${written})`);
    }
  }

  async purchase(request: PurchaseRequest): Promise<PurchaseOutcome> {
    const { sale, orders, orderLog, active, admissionTokens, orderTimes } = this.keys;
    const reply = await this.call(() =>
      this.scripts.purchase(
        sale,
        orders,
        orderLog,
        active,
        admissionTokens,
        orderTimes,
        request.userId,
        request.orderId,
        request.tokenExpiresAt,
        this.nowArgument(),
      ),
    );
    return parsePurchaseReply(reply, request.userId);
  }

  async getOrder(userId: string): Promise<Order | null> {
    const record = await this.call(() => this.redis.hget(this.keys.orders, userId));
    return record === null ? null : parseOrderRecord(userId, record);
  }

  async queueState(userId: string, mode: 'join' | 'peek', terms?: JoinTerms): Promise<QueueState> {
    const { sale, orders, queue, active, admissionTokens, admission, present, presence, tickets } = this.keys;
    const { networks, placeAddresses, spentChallenges, report, joinedAt } = this.keys;
    // Drawn for every join, kept by the script only for a new place in a random pre-queue.
    const ticket = mode === 'join' ? newLotteryTicket() : '';
    const reply = await this.call(() =>
      this.scripts.queueState(
        sale,
        orders,
        queue,
        active,
        admissionTokens,
        admission,
        present,
        presence,
        tickets,
        networks,
        placeAddresses,
        spentChallenges,
        report,
        joinedAt,
        userId,
        mode,
        PREQUEUE_BAND,
        this.nowArgument(),
        this.presencePolicy.graceMs,
        ticket,
        terms?.network ?? '',
        terms?.maxPlaces ?? 0,
        terms?.address ?? '',
        terms?.challenge?.id ?? '',
        terms?.challenge?.expiresAt ?? 0,
      ),
    );
    return parseQueueState(reply, userId);
  }

  async renewPresence(userIds: string[]): Promise<number> {
    if (userIds.length === 0) return 0;
    const { queue, present, presence } = this.keys;
    return this.call(() =>
      this.scripts.renewPresence(queue, present, presence, this.presencePolicy.graceMs, this.nowArgument(), ...userIds),
    );
  }

  async leave(userId: string): Promise<boolean> {
    const { queue, active, admissionTokens, admission, present, presence, sale, report, joinedAt } = this.keys;
    const left = await this.call(() =>
      this.scripts.leave(queue, active, admissionTokens, admission, present, presence, sale, report, joinedAt, userId, this.nowArgument()),
    );
    return left === 1;
  }

  async admit(tokenTtlMs: number, maxBatch: number): Promise<AdmissionBatch> {
    const { sale, queue, active, admission, admissionTokens, present, presence, report, joinedAt, queueTimes } = this.keys;
    const reply = await this.call(() =>
      this.scripts.admit(
        sale,
        queue,
        active,
        admission,
        admissionTokens,
        present,
        presence,
        report,
        joinedAt,
        queueTimes,
        tokenTtlMs,
        maxBatch,
        this.nowArgument(),
        this.presencePolicy.idleTimeoutMs,
        MAX_PASSED_OVER_PER_STEP,
        MAX_IDLE_PER_STEP,
      ),
    );
    const [state, expiresAt, passedOver, expiredCount, timedOutCount, ...userIds] = reply;
    const expiredEnd = Number(expiredCount);
    const timedOutEnd = expiredEnd + Number(timedOutCount);
    return {
      admitted: userIds.slice(timedOutEnd).map((userId) => ({ userId, expiresAt: Number(expiresAt) })),
      expired: userIds.slice(0, expiredEnd),
      timedOut: userIds.slice(expiredEnd, timedOutEnd),
      passedOver: Number(passedOver),
      awaitingDraw: state === 'awaiting_draw',
    };
  }

  async drawPrequeue(): Promise<PrequeueSettlement> {
    const { sale, queue, admission, present, tickets, lottery, lotteryDraw } = this.keys;
    // Every instance reads the same seed and tickets and so draws the same order; the script
    // applies the first and refuses the rest. After the start the pre-queue no longer grows.
    const [seed, members] = await this.call(() =>
      Promise.all([this.redis.hget(lottery, 'seed'), this.redis.zrangebyscore(queue, '-inf', `(${PREQUEUE_BAND}`)]),
    );
    const held = members.length === 0 ? [] : await this.call(() => this.redis.hmget(tickets, ...members.map((userId) => `u:${userId}`)));
    const drawn = drawOrder(
      seed ?? '',
      held.filter((ticket): ticket is string => ticket !== null),
    );
    return this.call(() =>
      this.scripts.drawPrequeue(sale, queue, admission, present, tickets, lottery, lotteryDraw, this.nowArgument(), ...drawn),
    );
  }

  async lottery(): Promise<LotteryState> {
    const { lottery, lotteryDraw, sale } = this.keys;
    const [order, commitment, drawn, seed, ...tickets] = await this.call(() => this.scripts.readLottery(lottery, lotteryDraw, sale));
    return {
      order: order === 'random' ? 'random' : 'fifo',
      commitment: commitment || null,
      seed: drawn === '1' ? (seed ?? null) : null,
      tickets: drawn === '1' ? tickets : null,
    };
  }

  async recordAdmissionToken(userId: string, token: string): Promise<boolean> {
    return (await this.call(() => this.scripts.recordAdmissionToken(this.keys.active, this.keys.admissionTokens, userId, token))) === 1;
  }

  async getAdmissionControl(): Promise<AdmissionControl> {
    return parseControl(await this.call(() => this.redis.hmget(this.keys.admission, ...CONTROL_FIELDS)));
  }

  async updateAdmissionControl(change: Partial<AdmissionControl>): Promise<AdmissionControl> {
    const fields: string[] = [];
    if (change.ratePerMinute !== undefined) fields.push('ratePerMinute', String(change.ratePerMinute));
    if (change.paused !== undefined) fields.push('paused', change.paused ? '1' : '0');
    if (change.maxActive !== undefined) fields.push('maxActive', change.maxActive === null ? '' : String(change.maxActive));
    if (change.overbook !== undefined) fields.push('overbook', String(change.overbook));
    if (change.challengeMaxNumber !== undefined) fields.push('challengeMaxNumber', String(change.challengeMaxNumber));
    return parseControl(
      await this.call(() => this.scripts.updateAdmission(this.keys.admission, this.keys.sale, this.nowArgument(), ...fields)),
    );
  }

  async saleCounters(): Promise<SaleCounters> {
    const { sale, queue, active, admission, instances, presence } = this.keys;
    const reply = await this.call(() =>
      this.scripts.counters(
        sale,
        queue,
        active,
        admission,
        instances,
        presence,
        SOCKET_REPORT_MAX_AGE_MS,
        this.nowArgument(),
        PREQUEUE_BAND,
      ),
    );
    const [
      now,
      waiting,
      present,
      activeAdmissions,
      admittedTotal,
      expiredAdmissions,
      departures,
      passedOver,
      timedOut,
      connectedSockets,
      remaining,
      stock,
      inDraw,
      challengesFailed,
      placesRefused,
      startsAt,
      endsAt,
      queueOpensAt,
      ...codes
    ] = reply.map(String);
    const outcomes: Record<string, number> = {};
    for (let i = 0; i + 1 < codes.length; i += 2) outcomes[codes[i] as string] = Number(codes[i + 1]);
    return {
      now: Number(now),
      waiting: Number(waiting),
      inDraw: Number(inDraw),
      present: Number(present),
      absent: Number(waiting) - Number(present),
      passedOver: Number(passedOver),
      timedOut: Number(timedOut),
      activeAdmissions: Number(activeAdmissions),
      admittedTotal: Number(admittedTotal),
      expiredAdmissions: Number(expiredAdmissions),
      departures: Number(departures),
      connectedSockets: Number(connectedSockets),
      remaining: Number(remaining),
      stock: Number(stock),
      window: { startsAt: Number(startsAt), endsAt: Number(endsAt), queueOpensAt: Number(queueOpensAt) },
      outcomes,
      challengesFailed: Number(challengesFailed),
      placesRefused: Number(placesRefused),
    };
  }

  async queuePositions(userIds: string[]): Promise<number[]> {
    if (userIds.length === 0) return [];
    const positions = await this.call(() => this.scripts.queuePositions(this.keys.queue, ...userIds));
    return positions.map(Number);
  }

  async reportSockets(instanceId: string, sockets: number): Promise<void> {
    await this.call(() => this.scripts.reportSockets(this.keys.instances, instanceId, sockets, this.nowArgument()));
  }

  async countRefusals(refusals: { challengesFailed?: number; placesRefused?: number }): Promise<void> {
    const counts = Object.entries(refusals).filter(([, count]) => count !== undefined && count > 0);
    if (counts.length === 0) return;
    await this.call(() => {
      const batch = this.redis.multi();
      for (const [field, count] of counts) batch.hincrby(this.keys.admission, field, count);
      return batch.exec();
    });
  }

  async topNetworks(count: number): Promise<Array<{ network: string; places: number }>> {
    const flat = await this.call(() => this.redis.zrevrange(this.keys.networks, 0, count - 1, 'WITHSCORES'));
    const top: Array<{ network: string; places: number }> = [];
    for (let i = 0; i + 1 < flat.length; i += 2) top.push({ network: flat[i] as string, places: Number(flat[i + 1]) });
    return top;
  }

  async blockedNetworks(): Promise<string[]> {
    return (await this.call(() => this.redis.smembers(this.keys.blockedNetworks))).sort();
  }

  async blockNetwork(cidr: string): Promise<string[]> {
    await this.call(() => this.redis.sadd(this.keys.blockedNetworks, cidr));
    return this.blockedNetworks();
  }

  async unblockNetwork(cidr: string): Promise<string[]> {
    await this.call(() => this.redis.srem(this.keys.blockedNetworks, cidr));
    return this.blockedNetworks();
  }

  async placeAddresses(cursor: string): Promise<{ cursor: string; places: Array<{ userId: string; address: string }> }> {
    const [next, flat] = await this.call(() => this.redis.hscan(this.keys.placeAddresses, cursor, 'COUNT', 1000));
    const places: Array<{ userId: string; address: string }> = [];
    for (let i = 0; i + 1 < flat.length; i += 2) places.push({ userId: flat[i] as string, address: flat[i + 1] as string });
    return { cursor: next, places };
  }

  async removeFromLine(userIds: string[]): Promise<string[]> {
    if (userIds.length === 0) return [];
    const { queue, present, presence, admission, sale, report, joinedAt } = this.keys;
    return this.call(() =>
      this.scripts.removeFromLine(queue, present, presence, admission, sale, report, joinedAt, this.nowArgument(), ...userIds),
    );
  }

  async saleRecord(): Promise<SaleRecord> {
    const { report, orderTimes, queueTimes } = this.keys;
    const [now, timed, lastPurchaseAt, ...flat] = await this.call(() =>
      this.scripts.saleRecord(report, orderTimes, queueTimes, this.nowArgument()),
    );
    const counts: Array<[string, number]> = [];
    for (let i = 0; i + 1 < flat.length; i += 2) counts.push([String(flat[i]), Number(flat[i + 1])]);
    return {
      now: Number(now),
      minutes: minutesFromCounts(counts),
      queueTimes: Number(timed),
      lastPurchaseAt: lastPurchaseAt === '' ? null : Number(lastPurchaseAt),
    };
  }

  async queueTimesAt(ranks: number[]): Promise<number[]> {
    if (ranks.length === 0) return [];
    const replies = await this.call(() => {
      const batch = this.redis.multi();
      for (const rank of ranks) batch.zrange(this.keys.queueTimes, rank, rank, 'WITHSCORES');
      return batch.exec();
    });
    return (replies ?? []).map(([error, pair]) => {
      if (error) throw error;
      return Number((pair as string[])[1] ?? 0);
    });
  }

  orderLog(): OrderLog {
    // Its own connection, without the fail-fast command timeout: its reads block.
    const connection = duplicateConnection(this.redis, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: undefined,
      lazyConnect: true,
    });
    return new RedisOrderLog(connection, this.saleId);
  }

  async ping(): Promise<void> {
    await this.call(() => this.redis.ping());
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }

  private nowArgument(): string {
    return this.options.clock ? String(this.options.clock()) : '';
  }

  /** Turns "Redis cannot be reached or did not answer" into StoreUnavailableError; bugs stay bugs. */
  private async call<T>(command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch (error) {
      throw isUnavailable(error) ? new StoreUnavailableError(error) : error;
    }
  }
}

/** Replies from a Redis that is up but cannot serve right now; anything else from Redis is a bug. */
const TRANSIENT_REPLY = /^(LOADING|BUSY|MASTERDOWN|READONLY|TRYAGAIN|CLUSTERDOWN|NOREPLICAS)\b/;

function isUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  return error.name === 'ReplyError' ? TRANSIENT_REPLY.test(error.message) : true;
}

function parseSnapshot(reply: string[]): SaleSnapshot {
  const [saleId, stock, remaining, startsAt, endsAt, queueOpensAt, now] = reply;
  return {
    saleId: String(saleId),
    stock: Number(stock),
    remaining: Number(remaining),
    startsAt: Number(startsAt),
    endsAt: Number(endsAt),
    queueOpensAt: Number(queueOpensAt),
    now: Number(now),
  };
}

/** Maps the purchase script's small reply to the domain's outcome. */
function parsePurchaseReply(reply: string[], userId: string): PurchaseOutcome {
  const [code, orderId, purchasedAt] = reply;
  switch (code) {
    case 'purchased':
    case 'already_purchased':
      return { kind: code, order: { orderId: String(orderId), userId, purchasedAt: Number(purchasedAt) } };
    case 'sold_out':
    case 'sale_not_started':
    case 'sale_ended':
    case 'token_expired':
      return { kind: code };
    default:
      throw new Error(`unexpected reply from the purchase script: ${String(code)}`);
  }
}

function parseQueueState(reply: string[], userId: string): QueueState {
  const [kind, first, second, third, fourth] = reply;
  switch (kind) {
    case 'waiting':
      return waitingState(Number(first), Number(second), Number(third), fourth || null);
    case 'admitted':
      return { kind, expiresAt: Number(first), admissionToken: first === undefined || second === '' ? null : (second ?? null) };
    case 'purchased':
      return { kind, order: { orderId: String(first), userId, purchasedAt: Number(second) } };
    case 'not_queued':
    case 'queue_not_open':
    case 'sold_out':
    case 'sale_ended':
    case 'too_many_places':
    case 'challenge_spent':
      return { kind };
    default:
      throw new Error(`unexpected reply from the queue script: ${String(kind)}`);
  }
}

/** The admission hash's settings fields, in the order parseControl reads them. */
const CONTROL_FIELDS = ['ratePerMinute', 'paused', 'maxActive', 'overbook', 'challengeMaxNumber'] as const;

function parseControl([ratePerMinute, paused, maxActive, overbook, challengeMaxNumber]: Array<string | null>): AdmissionControl {
  return {
    ratePerMinute: Number(ratePerMinute),
    paused: paused === '1',
    maxActive: maxActive === null || maxActive === '' ? null : Number(maxActive),
    overbook: Number(overbook),
    challengeMaxNumber: Number(challengeMaxNumber ?? 0),
  };
}
