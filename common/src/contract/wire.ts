/**
 * The shapes that cross the wire: Socket.IO events and the waiting room's JSON answers. The
 * services build them and the client imports them as types, so both sides agree by the compiler.
 */
import type { SaleStatus } from './sale-status';
import type { ErrorCode } from './error-codes';

export interface QueuePositionEvent {
  /**
   * 1-based; counts everyone still waiting ahead, present or not, so it never rises. null in a
   * random pre-queue before its draw: no number is shown that the draw would change.
   */
  position: number | null;
  etaSeconds: number;
  /** Everyone in the line; before the draw, those in the draw. */
  waiting: number;
}

export interface QueueAdmittedEvent {
  admissionToken: string;
  /** Epoch ms. */
  expiresAt: number;
}

export interface SaleStatusEvent {
  status: SaleStatus;
  remaining: number;
  /** Beyond the SPEC's two fields: the window and stock, so a page follows an operator's change. */
  startsAt: string;
  endsAt: string;
  total: number;
}

/** Server → shopper. */
export interface ServerToClientEvents {
  'queue:position': (event: QueuePositionEvent) => void;
  'queue:admitted': (event: QueueAdmittedEvent) => void;
  'sale:status': (event: SaleStatusEvent) => void;
  'sale:sold_out': () => void;
  'sale:ended': () => void;
  /**
   * The shopper no longer holds a place: absent past the idle timeout, or gone when the socket
   * came back. Joining again puts them at the back. (An addition to the SPEC's events.)
   */
  'queue:left': (event: QueueLeftEvent) => void;
}

export interface QueueLeftEvent {
  /**
   * `idle`: absent for QUEUE_IDLE_TIMEOUT_SECONDS; `not_queued`: no place found at connect;
   * `network_blocked`: the operator barred the shopper's network.
   */
  reason: 'idle' | 'not_queued' | 'network_blocked';
}

/** Shoppers only listen. */
export type ClientToServerEvents = Record<string, never>;

/** What a socket sends at connect: `io(url, { auth })`. */
export interface SocketAuth {
  queueToken: string;
}

/** The `data` of a connect_error when the queue token is refused. */
export interface ConnectErrorData {
  code: ErrorCode;
}

/** A waiting shopper's answer. `drawAt` comes only before the draw; `ticket` with every pre-queue place of a random pre-queue. */
export interface WaitingAnswer {
  state: 'waiting';
  userId: string;
  /** null before the draw of a random pre-queue. */
  position: number | null;
  etaSeconds: number;
  queueToken: string;
  /** ISO-8601: when the draw orders the pre-queue (the start). Only while position is null. */
  drawAt?: string;
  /** The shopper's lottery ticket: random, and never the userId. */
  ticket?: string;
}

/**
 * GET /api/queue/challenge: an ALTCHA proof-of-work challenge, or none while the operator has it
 * off. `challenge` is the SHA-256 hex of `salt` followed by a secret number in [0, maxnumber].
 */
export type ChallengeAnswer =
  { required: false } | { required: true; algorithm: 'SHA-256'; challenge: string; salt: string; maxnumber: number; signature: string };

/** The body of POST /api/queue. */
export interface JoinRequest {
  /** Ignored when the shop signs identities (`identityToken`'s `sub` is the userId). */
  userId?: string;
  /** base64 of the JSON `{ algorithm, challenge, number, salt, signature }`: the solved challenge. */
  proof?: string;
  /** The shop's signed identity token for its logged-in customer (when IDENTITY_PUBLIC_KEY is set). */
  identityToken?: string;
}

/** POST /api/queue and GET /api/queue/me. */
export type QueueAnswer =
  | WaitingAnswer
  | { state: 'admitted'; userId: string; admissionToken: string; expiresAt: number; queueToken: string }
  | { state: 'purchased'; userId: string; orderId: string; queueToken: string };

/** 201 from POST /api/purchase. (A 409 already_purchased carries `orderId` beside its error.) */
export interface PurchaseAnswer {
  status: 'purchased';
  orderId: string;
  userId: string;
  /** ISO-8601. */
  purchasedAt: string;
}

/** What is on sale, as the shopper page shows it (PRODUCT_NAME, PRODUCT_PRICE, PRODUCT_IMAGE_URL). */
export interface Product {
  name: string;
  /** Text as the shop writes it, e.g. "129.00 EUR". */
  price?: string;
  imageUrl?: string;
}

/** GET /api/sale. */
export interface SaleAnswer {
  saleId: string;
  status: SaleStatus;
  startsAt: string;
  endsAt: string;
  serverTime: string;
  product: Product;
  stock: { total: number; remaining: number };
  queue: { waiting: number; admissionRatePerMinute: number; paused: boolean };
  lottery: LotterySummary;
}

/**
 * The pre-queue lottery at a glance. With `random`, the commitment (SHA-256 hex of the secret
 * seed) is public from the moment the queue opens, and the seed once the pre-queue is drawn.
 */
export interface LotterySummary {
  order: 'random' | 'fifo';
  commitment?: string;
  seed?: string;
}

/** GET /api/sale/lottery: everything needed to recompute the draw. */
export interface LotteryAnswer {
  order: 'random' | 'fifo';
  commitment: string | null;
  /** null until the draw. */
  seed: string | null;
  /** How the order follows from the seed and the tickets, in words. */
  algorithm: string;
  /** Every pre-queue ticket in the order drawn; null until the draw. */
  tickets: string[] | null;
}

/** The operator's live settings, as GET /api/admin/state and PATCH /api/admin/admission show them. */
export interface AdmissionSettingsAnswer {
  ratePerMinute: number;
  paused: boolean;
  maxActive: number | null;
  overbook: number;
  /** The join's proof of work (ALTCHA maxnumber); 0: off. */
  challengeMaxNumber: number;
}

/** POST and DELETE /api/admin/blocked-networks. */
export interface BlockedNetworksAnswer {
  /** Barred networks, as CIDRs. */
  blocked: string[];
}

/** GET /api/admin/state. */
export interface AdminStateAnswer {
  settings: AdmissionSettingsAnswer;
  counters: {
    waiting: number;
    activeAdmissions: number;
    admittedTotal: number;
    expiredAdmissions: number;
    sold: number;
    remaining: number;
    /** Purchase outcomes decided by the store, sale-wide: purchased, sold_out, … */
    outcomes: Partial<Record<ErrorCode | 'purchased', number>>;
    /** Summed over the waiting-room instances that reported in the last few seconds. */
    connectedSockets: number;
    /** Waiting shoppers with a live presence lease, and those without (they are passed over). */
    present: number;
    absent: number;
    /** Times admission passed over an absent shopper, in total. */
    passedOver: number;
    /** Shoppers who lost their place by the idle timeout, in total. */
    timedOut: number;
    /** Joins answered challenge_failed. */
    challengesFailed: number;
    /** Joins answered too_many_places or network_blocked. */
    placesRefused: number;
  };
  /** Who takes places: the busiest networks (IPv4 /24, IPv6 /64) by places taken, and the barred ones. */
  abuse: { topNetworks: Array<{ network: string; places: number }>; blocked: string[] };
  /** The order ledger, where there is one: rows written, orders not yet written, last commit. */
  ledger?: { written: number; pending: number; lastWriteAt: string | null };
  /** Per-instance figures of the instance that answered. */
  instance: { id: string; connectedSockets: number; admissionRatePerMinuteMeasured: number };
  serverTime: string;
}

/** One minute of the sale in GET /api/admin/report and report.csv. */
export interface ReportMinute {
  /** The ISO instant the minute starts. */
  at: string;
  joined: number;
  admitted: number;
  purchased: number;
  /** Admissions that ran out unused. */
  expired: number;
  /** Shoppers who left the line themselves, by the idle timeout or by a barred network (not the sell-out). */
  left: number;
}

/** GET /api/admin/report: the sale's story, while it runs and after. */
export interface SaleReportAnswer {
  saleId: string;
  status: SaleStatus;
  /** When the last unit sold; absent until then. */
  soldOutAt?: string;
  /** Every minute from the first thing recorded to the last, in order; quiet minutes are zeros. */
  minutes: ReportMinute[];
  /** From join to admission, over admitted shoppers (nearest rank); zeros before the first admission. */
  queueSeconds: { p50: number; p95: number; p99: number };
  /** Purchases per admission (0 before the first admission). */
  conversion: number;
  outcomes: AdminStateAnswer['counters']['outcomes'];
  abuse: {
    challengesFailed: number;
    placesRefused: number;
    blocked: string[];
    topNetworks: Array<{ network: string; places: number }>;
  };
}
