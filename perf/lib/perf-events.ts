import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { QueueAdmittedEvent } from '@flashsale/common';
import type { ShopperLog } from '../../tests/kit';

/**
 * What perf/artillery/processor.js recorded, one JSON line per event, in one file per artillery
 * worker thread: read back into the audit's shopper logs and the report's request timings.
 */

export type Endpoint = '/api/queue' | '/api/purchase';

/** One answered request, timed by the virtual user (epoch ms; request start to complete answer). */
export interface RequestRecord {
  endpoint: Endpoint;
  userId: string;
  status: number;
  /** The error code of a refusal. */
  code?: string;
  orderId?: string;
  sentAt: number;
  answeredAt: number;
}

/** How one virtual user's visit ended, as far as the recorded events tell. */
export interface ShopperFate {
  userId: string;
  joined: boolean;
  admitted: boolean;
  bought: boolean;
  /** The push or the limit that ended a wait without an admission (`sold_out`, `gave_up`, …). */
  outcome?: string;
}

type RecordedEvent =
  | { type: 'join'; userId: string; status: number; state?: string; code?: string; sentAt: number; answeredAt: number }
  | { type: 'admitted'; userId: string; admissionToken: string; expiresAt: number; at: number }
  | { type: 'gone'; userId: string; outcome: string; at: number }
  | { type: 'purchase'; userId: string; status: number; code?: string; orderId?: string; sentAt: number; answeredAt: number };

export interface RecordedRun {
  requests: RequestRecord[];
  shoppers: ShopperLog[];
  fates: ShopperFate[];
}

export function readRecordedEvents(dir: string): RecordedEvent[] {
  const files = readdirSync(dir).filter((name) => name.startsWith('events-') && name.endsWith('.jsonl'));
  return files.flatMap((name) =>
    readFileSync(path.join(dir, name), 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line, index) => parseEvent(line, `${name}:${index + 1}`)),
  );
}

function parseEvent(line: string, where: string): RecordedEvent {
  const event = JSON.parse(line) as Partial<RecordedEvent> & Record<string, unknown>;
  const known = ['join', 'admitted', 'gone', 'purchase'];
  if (typeof event.type !== 'string' || !known.includes(event.type) || typeof event.userId !== 'string')
    throw new Error(`${where}: not an event the processor writes: ${line.slice(0, 200)}`);
  return event as RecordedEvent;
}

/**
 * Gathers the events by shopper. `preminted` holds the admissions handed out before the run
 * (checkout-only scenarios): every one of those shoppers is in the logs, even one whose requests
 * never got an answer, so an order the audit finds in Redis is never without its token.
 */
export function gatherRun(events: RecordedEvent[], preminted: Map<string, QueueAdmittedEvent>): RecordedRun {
  const logs = new Map<string, ShopperLog>();
  const fates = new Map<string, ShopperFate>();
  const logOf = (userId: string) => {
    let log = logs.get(userId);
    if (!log) {
      const admission = preminted.get(userId);
      log = { userId, admissions: admission ? [admission] : [], purchases: [] };
      logs.set(userId, log);
    }
    return log;
  };
  const fateOf = (userId: string) => {
    let fate = fates.get(userId);
    if (!fate) {
      fate = { userId, joined: false, admitted: preminted.has(userId), bought: false };
      fates.set(userId, fate);
    }
    return fate;
  };
  for (const userId of preminted.keys()) logOf(userId);

  const requests: RequestRecord[] = [];
  for (const event of events) {
    const log = logOf(event.userId);
    const fate = fateOf(event.userId);
    switch (event.type) {
      case 'join':
        log.joinSentAt = event.sentAt;
        log.joinAnsweredAt = event.answeredAt;
        fate.joined = event.status === 200 || event.status === 202;
        if (!fate.joined && event.code) fate.outcome = event.code;
        requests.push({ endpoint: '/api/queue', ...pick(event) });
        break;
      case 'admitted':
        log.admissions.push({ admissionToken: event.admissionToken, expiresAt: event.expiresAt });
        fate.admitted = true;
        break;
      case 'gone':
        fate.outcome = event.outcome;
        break;
      case 'purchase':
        log.purchases.push({ status: event.status, ...(event.orderId === undefined ? {} : { orderId: event.orderId }) });
        if (event.status === 201 || event.status === 409) fate.bought = true;
        requests.push({ endpoint: '/api/purchase', ...pick(event) });
        break;
    }
  }
  requests.sort((a, b) => a.sentAt - b.sentAt);
  return { requests, shoppers: [...logs.values()], fates: [...fates.values()] };
}

function pick(event: { userId: string; status: number; code?: string; orderId?: string; sentAt: number; answeredAt: number }) {
  const { userId, status, code, orderId, sentAt, answeredAt } = event;
  return {
    userId,
    status,
    sentAt,
    answeredAt,
    ...(code === undefined ? {} : { code }),
    ...(orderId === undefined ? {} : { orderId }),
  };
}
