import { connectRedis, type RedisConnection } from './connection';
import type { Order } from '../../sale/purchase';
import { saleKeys, type SaleKeys } from '../keys';
import type { LedgerStats, LoggedOrder, OrderLog } from '../order-log';
import { parseOrderRecord } from './order-record';

const GROUP = 'ledger';

/**
 * The order stream read by the `ledger` consumer group. It has its own connection: a blocking
 * XREADGROUP would otherwise hold up the store's fail-fast client, whose one-second command
 * timeout it would also trip.
 */
export class RedisOrderLog implements OrderLog {
  private readonly keys: SaleKeys;

  /** `redis`: a connection of its own (RedisStore.orderLog() duplicates the store's). */
  constructor(
    private readonly redis: RedisConnection,
    saleId: string,
  ) {
    this.redis.on('error', () => undefined); // the writer's loop reports and retries
    this.keys = saleKeys(saleId);
  }

  async prepare(): Promise<void> {
    await this.ready();
    try {
      await this.redis.xgroup('CREATE', this.keys.orderLog, GROUP, '0', 'MKSTREAM');
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('BUSYGROUP')) throw error;
    }
  }

  async readNew(consumer: string, count: number, blockMs: number): Promise<LoggedOrder[]> {
    const reply = (await this.redis.xreadgroup(
      'GROUP',
      GROUP,
      consumer,
      'COUNT',
      count,
      'BLOCK',
      blockMs,
      'STREAMS',
      this.keys.orderLog,
      '>',
    )) as Array<[string, Array<[string, string[]]>]> | null;
    return reply?.[0]?.[1].map(toLoggedOrder) ?? [];
  }

  async claimStale(consumer: string, minIdleMs: number, count: number): Promise<LoggedOrder[]> {
    const [, entries] = (await this.redis.xautoclaim(this.keys.orderLog, GROUP, consumer, minIdleMs, '0-0', 'COUNT', count)) as [
      string,
      Array<[string, string[]] | null>,
    ];
    // Entries deleted from the stream meanwhile come back as null.
    return entries.filter((entry): entry is [string, string[]] => entry !== null).map(toLoggedOrder);
  }

  async acknowledge(entryIds: string[], inserted: number): Promise<void> {
    if (entryIds.length === 0 && inserted === 0) return;
    const transaction = this.redis.multi();
    if (entryIds.length > 0) transaction.xack(this.keys.orderLog, GROUP, ...entryIds);
    await transaction.hincrby(this.keys.ledger, 'written', inserted).hset(this.keys.ledger, 'lastWriteAt', Date.now()).exec();
  }

  async scanOrders(cursor: string): Promise<{ cursor: string; orders: Order[] }> {
    const [next, flat] = await this.redis.hscan(this.keys.orders, cursor, 'COUNT', 1000);
    const orders: Order[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) orders.push(parseOrderRecord(flat[i] as string, flat[i + 1] as string));
    return { cursor: next, orders };
  }

  async settledBefore(): Promise<number> {
    await this.ready();
    const { orderLog } = this.keys;
    const [groups, pending, [seconds, micros]] = await Promise.all([
      this.redis.xinfo('GROUPS', orderLog).catch(() => []) as Promise<unknown[][]>,
      this.redis.xpending(orderLog, GROUP).catch(() => null) as Promise<[number, string | null, string | null, unknown] | null>,
      this.redis.time(),
    ]);
    const lastDelivered = groupInfo(groups)?.get('last-delivered-id');
    // The first entry the group has not delivered yet (all of them, before any writer read).
    const undelivered = (
      await this.redis.xrange(orderLog, typeof lastDelivered === 'string' ? `(${lastDelivered}` : '-', '+', 'COUNT', 1)
    )[0]?.[0];
    // Entry ids are "<ms>-<seq>" by the Redis clock, which is also the clock of purchasedAt.
    const outstanding = [pending?.[1], undelivered]
      .filter((id): id is string => typeof id === 'string')
      .map((id) => Number(id.split('-')[0]));
    return Math.min(Number(seconds) * 1000 + Math.floor(Number(micros) / 1000), ...outstanding);
  }

  async ordersBetween(fromMs: number, toMs: number, offset: number, count: number): Promise<Order[]> {
    const userIds = await this.redis.zrangebyscore(this.keys.orderTimes, fromMs, `(${toMs}`, 'LIMIT', offset, count);
    if (userIds.length === 0) return [];
    const records = await this.redis.hmget(this.keys.orders, ...userIds);
    return userIds.flatMap((userId, i) => (records[i] ? [parseOrderRecord(userId, records[i])] : []));
  }

  async stats(): Promise<LedgerStats | null> {
    await this.ready();
    const [groups, ledger] = await Promise.all([
      this.redis.xinfo('GROUPS', this.keys.orderLog).catch(() => []) as Promise<unknown[][]>,
      this.redis.hmget(this.keys.ledger, 'written', 'lastWriteAt'),
    ]);
    const pending = pendingOf(groups);
    if (pending === null) return null;
    return { written: Number(ledger[0] ?? 0), pending, lastWriteAt: ledger[1] ? Number(ledger[1]) : null };
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }

  /** The order log's own connection, once it is up (it connects lazily, or is reconnecting). */
  private ready(): Promise<void> {
    return connectRedis(this.redis, 30_000);
  }
}

function toLoggedOrder([entryId, fields]: [string, string[]]): LoggedOrder {
  const field = (name: string) => fields[fields.indexOf(name) + 1] ?? '';
  return { entryId, orderId: field('orderId'), userId: field('userId'), purchasedAt: Number(field('purchasedAt')) };
}

/** Not yet acknowledged: delivered but pending, plus not yet delivered (`lag`, Redis 7); null without a group. */
function pendingOf(groups: unknown[][]): number | null {
  const info = groupInfo(groups);
  return info ? Number(info.get('pending') ?? 0) + Number(info.get('lag') ?? 0) : null;
}

/** The ledger group's fields, from XINFO GROUPS; null without the group. */
function groupInfo(groups: unknown[][]): Map<unknown, unknown> | null {
  for (const group of groups) {
    const info = new Map<unknown, unknown>();
    for (let i = 0; i + 1 < group.length; i += 2) info.set(group[i], group[i + 1]);
    if (info.get('name') === GROUP) return info;
  }
  return null;
}
