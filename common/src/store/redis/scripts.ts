import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { RedisConnection } from './connection';
import type { PrequeueSettlement } from '../queue-store';

const SCRIPTS_DIR = path.join(__dirname, 'scripts');
const INCLUDE = /^-- @include (\w+)$/gm;

/** Each script's reply, as Redis returns it. */
type Reply = Promise<string[]>;

/** The sale's atomic steps, one per scripts/<name>-<numberOfKeys>.lua file. */
export interface SaleScripts {
  initSale(
    sale: string,
    admission: string,
    lottery: string,
    saleId: string,
    stock: number,
    startsAt: number,
    endsAt: number,
    queueOpensAt: number,
    now: string,
    ratePerMinute: number | '',
    maxActive: string,
    overbook: number | '',
    prequeueOrder: string,
    lotterySeed: string,
    lotteryCommitment: string,
    challengeMaxNumber: number,
  ): Reply;
  readSale(sale: string, now: string): Reply;
  changeSale(
    sale: string,
    startsAt: number,
    endsAt: number,
    stock: number,
    phase: 'upcoming' | 'active',
    newStartsAt: number,
    newEndsAt: number,
    newQueueOpensAt: number,
    newStock: number,
    newRemaining: number,
    now: string,
  ): Promise<string>;
  purchase(
    sale: string,
    orders: string,
    orderLog: string,
    active: string,
    admissionTokens: string,
    orderTimes: string,
    userId: string,
    orderId: string,
    tokenExpiresAt: number,
    now: string,
  ): Reply;
  queueState(
    sale: string,
    orders: string,
    queue: string,
    active: string,
    admissionTokens: string,
    admission: string,
    present: string,
    presence: string,
    tickets: string,
    networks: string,
    placeAddresses: string,
    spentChallenges: string,
    report: string,
    joinedAt: string,
    userId: string,
    mode: 'join' | 'peek',
    band: number,
    now: string,
    graceMs: number,
    ticket: string,
    network: string,
    maxPlaces: number,
    address: string,
    challengeId: string,
    challengeExpiresAt: number,
  ): Reply;
  removeFromLine(
    queue: string,
    present: string,
    presence: string,
    admission: string,
    sale: string,
    report: string,
    joinedAt: string,
    now: string,
    ...userIds: string[]
  ): Reply;
  renewPresence(queue: string, present: string, presence: string, graceMs: number, now: string, ...userIds: string[]): Promise<number>;
  admit(
    sale: string,
    queue: string,
    active: string,
    admission: string,
    admissionTokens: string,
    present: string,
    presence: string,
    report: string,
    joinedAt: string,
    queueTimes: string,
    ttlMs: number,
    maxBatch: number,
    now: string,
    idleTimeoutMs: number,
    maxPassedOver: number,
    maxTimedOut: number,
  ): Reply;
  drawPrequeue(
    sale: string,
    queue: string,
    admission: string,
    present: string,
    tickets: string,
    lottery: string,
    lotteryDraw: string,
    now: string,
    ...drawnTickets: string[]
  ): Promise<PrequeueSettlement>;
  readLottery(lottery: string, lotteryDraw: string, sale: string): Reply;
  updateAdmission(admission: string, sale: string, now: string, ...fieldValues: string[]): Reply;
  leave(
    queue: string,
    active: string,
    admissionTokens: string,
    admission: string,
    present: string,
    presence: string,
    sale: string,
    report: string,
    joinedAt: string,
    userId: string,
    now: string,
  ): Promise<number>;
  queuePositions(queue: string, ...userIds: string[]): Promise<Array<string | number>>;
  reportSockets(instances: string, instanceId: string, sockets: number, now: string): Promise<number>;
  counters(
    sale: string,
    queue: string,
    active: string,
    admission: string,
    instances: string,
    presence: string,
    maxReportAgeMs: number,
    now: string,
    band: number,
  ): Promise<Array<string | number>>;
  recordAdmissionToken(active: string, admissionTokens: string, userId: string, token: string): Promise<number>;
  saleRecord(report: string, orderTimes: string, queueTimes: string, now: string): Promise<Array<string | number>>;
}

/**
 * Registers every script with ioredis `defineCommand`: it calls EVALSHA and falls back to EVAL
 * on NOSCRIPT, so scripts come back by themselves after Redis restarts with an empty cache.
 * The key count comes from the file name, as in BullMQ; `-- @include x` inlines includes/x.lua.
 */
export function defineSaleScripts(redis: RedisConnection): SaleScripts {
  const defined = new Set<string>();
  for (const file of readdirSync(SCRIPTS_DIR)) {
    const match = /^(\w+)-(\d+)\.lua$/.exec(file);
    if (!match) continue;
    const [, name, numberOfKeys] = match as unknown as [string, string, string];
    // A script whose key count changed leaves its old file behind in a build that was not cleaned.
    if (defined.has(name)) throw new Error(`two scripts define ${name} in ${SCRIPTS_DIR}: rebuild (npm run build)`);
    defined.add(name);
    redis.defineCommand(name, { numberOfKeys: Number(numberOfKeys), lua: readScript(file) });
  }
  return redis as unknown as SaleScripts;
}

/** A script's source with its includes inlined, as Redis runs it (the bench loads it for redis-benchmark). */
export function readScript(file: string): string {
  const source = readFileSync(path.join(SCRIPTS_DIR, file), 'utf8');
  return source.replace(INCLUDE, (_, name: string) => readFileSync(path.join(SCRIPTS_DIR, 'includes', `${name}.lua`), 'utf8'));
}
