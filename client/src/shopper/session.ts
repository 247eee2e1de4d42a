import type { QueuePositionEvent, SaleAnswer, SaleStatus } from '@flashsale/common';
import { purchaseStep, queueStep, type NextStep, type QueueContext } from './answers';
import type { ConnectLive, LiveConnection } from './live-socket';
import { isFinal, type Outcome } from './outcome';
import { forgetPlace, loadPlace, savePlace, type StoredPlace } from './place-storage';
import type { ShopperApi } from './shopper-api';

export interface SaleView {
  status: SaleStatus;
  remaining: number;
  total: number;
  /** Epoch ms, server clock. */
  startsAt: number;
  endsAt: number;
  /** Shoppers in the line, as of the last sale answer. */
  waiting: number;
}

/** A numbered place in line. */
export interface NumberedPlace extends QueuePositionEvent {
  position: number;
  /** The first position this page saw, for the progress bar. */
  firstPosition: number;
}

/** A place in a random pre-queue before its draw: no number yet, since the draw would change it. */
export interface PlaceInDraw extends QueuePositionEvent {
  position: null;
  /** Epoch ms (server clock) of the draw, when an answer said; otherwise the sale's start is. */
  drawAt: number | null;
}

export type PositionView = NumberedPlace | PlaceInDraw;

/**
 * `loading` until the first answers; `idle` shows the form; `joining` while POST /api/queue is out;
 * `waiting` in the line; `buying` admitted, purchase under way; `done` when nothing is left to do.
 */
export type Phase = 'loading' | 'idle' | 'joining' | 'waiting' | 'buying' | 'done';

export interface ShopperView {
  phase: Phase;
  sale: SaleView | null;
  position: PositionView | null;
  outcome: Outcome | null;
  invalidUserId: boolean;
  /** A passing remark (busy, reconnecting) shown beside the outcome. */
  notice: string | null;
  /** Server time minus this browser's, in ms. */
  clockOffsetMs: number;
  /** The lottery ticket of the shopper's place in a random pre-queue, kept with the place. */
  ticket: string | null;
  /** The pre-queue has been drawn: the sale published its seed, or a ticket holder got a number. */
  lotteryDrawn: boolean;
}

export interface SessionDeps {
  api: ShopperApi;
  connectLive: ConnectLive;
  storage?: Storage;
  now?: () => number;
}

/** Without a socket (before joining), the sale's figures are read this often. */
const SALE_POLL_MS = 5_000;
const MAX_JOIN_RETRIES = 8;
const MIN_RETRY_SECONDS = 0.5;

/**
 * The shopper's side of the sale, without React: it joins, follows the line over Socket.IO, buys
 * the moment it is admitted, and keeps the place in storage across reloads. The page renders
 * its snapshots.
 */
export class ShopperSession {
  private view: ShopperView = {
    phase: 'loading',
    sale: null,
    position: null,
    outcome: null,
    invalidUserId: false,
    notice: null,
    clockOffsetMs: 0,
    ticket: null,
    lotteryDrawn: false,
  };
  private readonly listeners = new Set<() => void>();
  private place: StoredPlace | null = null;
  private live: LiveConnection | null = null;
  private liveConnected = false;
  private buyingToken: string | null = null;
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private salePoll: ReturnType<typeof setInterval> | null = null;
  private stopped = false;
  /** Starts so far: an answer to an earlier start is dropped. */
  private runs = 0;
  private readonly storage: Storage;
  private readonly now: () => number;

  constructor(private readonly deps: SessionDeps) {
    this.storage = deps.storage ?? window.localStorage;
    this.now = deps.now ?? Date.now;
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  snapshot = (): ShopperView => this.view;

  /** Loads the sale and any stored place. A stopped session may start again (React's StrictMode remounts). */
  start(): void {
    this.stopped = false;
    const run = ++this.runs;
    void this.load(run);
  }

  private async load(run: number): Promise<void> {
    this.place = loadPlace(this.storage);
    const place = this.place;
    this.update({ ticket: place?.ticket ?? null });
    const [sale, me] = await Promise.all([this.deps.api.sale(), place ? this.deps.api.me(place.queueToken) : Promise.resolve(null)]);
    if (this.stopped || run !== this.runs) return;
    if (sale.ok) this.takeSale(sale.body);
    this.salePoll = setInterval(() => void this.pollSale(), SALE_POLL_MS);
    if (me) {
      this.follow(queueStep(me, { via: 'resume', admissionLapsed: this.admissionLapsed() }), 'resume');
    } else {
      this.settleIdle(null);
    }
  }

  stop(): void {
    this.stopped = true;
    this.closeLive();
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    if (this.salePoll) clearInterval(this.salePoll);
    this.salePoll = null;
  }

  /** Buy Now. */
  async join(rawUserId: string, attempt = 0): Promise<void> {
    const userId = rawUserId.trim();
    if (userId === '') {
      this.follow(queueStep(emptyUserId, { via: 'join', admissionLapsed: false }), 'join');
      return;
    }
    this.update({ phase: 'joining', invalidUserId: false, notice: null, outcome: null });
    const result = await this.deps.api.join(userId);
    if (this.stopped) return;
    if (result.ok) this.keepPlace({ queueToken: result.body.queueToken, userId: result.body.userId });
    const step = queueStep(result, { via: 'join', admissionLapsed: false });
    if (step.kind === 'retry') {
      if (attempt >= MAX_JOIN_RETRIES)
        return this.settleIdle({ code: 'error', message: 'The shop is too busy right now. Please try again.' });
      this.update({ notice: `The shop is very busy. Trying again in ${step.afterSeconds} seconds…` });
      this.later(step.afterSeconds, () => void this.join(userId, attempt + 1));
      return;
    }
    this.follow(step, 'join');
  }

  /** Leave the queue: the place is given up, here and on the server. */
  async leave(): Promise<void> {
    const place = this.place;
    if (place) {
      const result = await this.deps.api.leave(place.queueToken);
      if (!result.ok && result.code !== 'invalid_token' && result.code !== 'not_found') {
        this.update({ notice: 'We could not reach the shop to leave the queue. Please try again.' });
        return;
      }
    }
    this.dropPlace();
    this.closeLive();
    this.settleIdle(null);
  }

  private follow(step: NextStep, via: QueueContext['via'], attempt = 0): void {
    switch (step.kind) {
      case 'wait':
        this.waitInLine(step);
        return;
      case 'buy':
        void this.buy(step.admissionToken, step.expiresAt);
        return;
      case 'retry':
        this.update({ notice: 'The shop is very busy. Checking your place again shortly…' });
        this.later(step.afterSeconds, () => void this.catchUp(attempt + 1));
        return;
      case 'show':
        if (step.forget) this.dropPlace();
        if (step.invalidUserId) {
          this.update({ phase: 'idle', outcome: step.outcome, invalidUserId: true, notice: null });
          return;
        }
        this.closeLive();
        if (step.outcome === null || !isFinal(step.outcome)) {
          // The place lapsed, or was never there: the form again, unless the sale has closed.
          this.settleIdle(step.outcome, step.notice ?? null);
          return;
        }
        this.update({ phase: 'done', outcome: this.sameOutcomeAsBefore(step.outcome, via), notice: null, position: null });
    }
  }

  /**
   * A reload shows what the shopper saw before: a place that learnt at join that it had bought
   * already says so again, although GET /api/queue/me only says `purchased`.
   */
  private sameOutcomeAsBefore(outcome: Outcome, via: QueueContext['via']): Outcome {
    if (outcome.code === 'already_purchased' && via === 'join' && this.place) this.keepPlace({ ...this.place, alreadyPurchased: true });
    if (outcome.code === 'purchased' && via === 'resume' && this.place?.alreadyPurchased) return { ...outcome, code: 'already_purchased' };
    return outcome;
  }

  /** Where do we stand? After a reconnect, or a busy answer. */
  private async catchUp(attempt = 0): Promise<void> {
    const place = this.place;
    if (!place || this.stopped) return;
    const result = await this.deps.api.me(place.queueToken);
    if (this.stopped || this.place !== place) return;
    const step = queueStep(result, { via: 'resume', admissionLapsed: this.admissionLapsed() });
    if (step.kind === 'retry' && attempt > 30)
      return this.settleIdle({ code: 'error', message: 'We lost touch with the shop. Please reload the page.' });
    this.follow(step, 'resume', attempt);
  }

  private waitInLine({ position, etaSeconds, drawAt, ticket }: Extract<NextStep, { kind: 'wait' }>): void {
    if (this.view.phase === 'buying') return;
    if (ticket !== null && this.place && this.place.ticket !== ticket) this.keepPlace({ ...this.place, ticket });
    // Answers carry no count of those waiting: the last push's, or the sale's, stands in.
    const waiting = this.view.position?.waiting ?? this.view.sale?.waiting ?? 0;
    this.update({
      phase: 'waiting',
      outcome: { code: 'waiting' },
      notice: null,
      invalidUserId: false,
      ...this.placeShown({ position, etaSeconds, waiting }, drawAt),
    });
    this.openLive();
  }

  /** Shows a pushed or answered place. A number for a ticket holder means the draw has happened. */
  private placeShown(event: QueuePositionEvent, drawAt: number | null = null): Pick<ShopperView, 'position' | 'lotteryDrawn'> {
    const position = this.nextPosition(event, drawAt);
    return { position, lotteryDrawn: this.view.lotteryDrawn || (position.position !== null && this.view.ticket !== null) };
  }

  /**
   * Pushes from several instances, and answers, can cross on the way: a shown number never rises
   * and never turns back into the draw (the draw gives a number once), so a stale one is dropped.
   */
  private nextPosition(event: QueuePositionEvent, drawAt: number | null): PositionView {
    const shown = this.view.position;
    if (shown !== null && shown.position !== null) {
      if (event.position === null || event.position > shown.position) return shown;
      return numberedPlace(event, event.position, shown.firstPosition);
    }
    if (event.position !== null) return numberedPlace(event, event.position, event.position);
    // The shopper is in the draw too, whatever an early count says.
    return { ...event, position: null, waiting: Math.max(event.waiting, 1), drawAt: drawAt ?? shown?.drawAt ?? null };
  }

  private async buy(admissionToken: string, expiresAt: number): Promise<void> {
    if (this.buyingToken === admissionToken || this.view.phase === 'done') return;
    this.buyingToken = admissionToken;
    if (this.place) this.keepPlace({ ...this.place, admissionExpiresAt: expiresAt });
    this.update({ phase: 'buying', outcome: { code: 'waiting', buying: true }, notice: null });
    for (;;) {
      const result = await this.deps.api.purchase(admissionToken);
      if (this.stopped) return;
      const step = purchaseStep(result);
      if (step.kind !== 'retry') {
        this.buyingToken = null;
        this.follow(step, 'join');
        return;
      }
      const msLeft = expiresAt - this.serverNow();
      if (msLeft <= 0) {
        this.buyingToken = null;
        this.follow({ kind: 'show', outcome: { code: 'token_expired' }, forget: true }, 'join');
        return;
      }
      this.update({ notice: 'The shop is very busy. Still trying to complete your purchase…' });
      await this.sleep(Math.min(step.afterSeconds * 1000, msLeft));
      if (this.stopped) return;
    }
  }

  private openLive(): void {
    const place = this.place;
    if (this.live || !place) return;
    this.live = this.deps.connectLive(place.queueToken, {
      position: (event) => {
        const isPlace = event.position === null || event.position > 0;
        if (isPlace && this.view.phase === 'waiting') this.update(this.placeShown(event));
      },
      admitted: (event) => void this.buy(event.admissionToken, event.expiresAt),
      saleStatus: (event) => this.takeSaleStatus(event.status, event.remaining),
      soldOut: () => this.saleClosed('sold_out'),
      ended: () => this.saleClosed('sale_ended'),
      rejected: () => {
        this.live = null;
        this.dropPlace();
        if (this.view.phase === 'waiting') {
          this.settleIdle({ code: 'error', message: 'We could not confirm your place in the queue. Please join again.' });
        }
      },
      reconnected: () => void this.catchUp(),
      // The server says the place is gone; the look-up says why (an admission run out, or absence).
      left: () => void this.catchUp(),
      connection: (connected) => {
        this.liveConnected = connected;
        this.update({ notice: connected || this.view.phase !== 'waiting' ? null : 'Connection lost. Reconnecting…' });
      },
    });
  }

  private closeLive(): void {
    this.live?.close();
    this.live = null;
    this.liveConnected = false;
  }

  /** The sale closed while this shopper waited. A purchase under way decides for itself. */
  private saleClosed(code: 'sold_out' | 'sale_ended'): void {
    if (this.view.sale) this.update({ sale: { ...this.view.sale, status: code === 'sold_out' ? 'sold_out' : 'ended' } });
    if (this.view.phase === 'buying' || this.view.phase === 'done') return;
    this.closeLive();
    this.update({ phase: 'done', outcome: { code }, position: null, notice: null });
  }

  /**
   * The form, unless the sale has ended; then the end is the outcome. A sold-out sale keeps the
   * form, under the sold-out outcome, so a shopper who bought earlier (on another device) can
   * still find their order: the queue answers them `purchased`.
   */
  private settleIdle(outcome: Outcome | null, notice: string | null = null): void {
    const status = this.view.sale?.status;
    if (status === 'ended') {
      this.update({ phase: 'done', outcome: { code: 'sale_ended' }, position: null, notice: null });
      return;
    }
    const bought = outcome?.code === 'purchased' || outcome?.code === 'already_purchased';
    const shown = status === 'sold_out' && !bought ? { code: 'sold_out' as const } : outcome;
    this.update({ phase: 'idle', outcome: shown, position: null, notice });
  }

  private takeSale(answer: SaleAnswer): void {
    const clockOffsetMs = Date.parse(answer.serverTime) - this.now();
    this.update({
      clockOffsetMs: Number.isFinite(clockOffsetMs) ? clockOffsetMs : 0,
      lotteryDrawn: this.view.lotteryDrawn || answer.lottery.seed !== undefined,
      sale: {
        status: answer.status,
        remaining: answer.stock.remaining,
        total: answer.stock.total,
        startsAt: Date.parse(answer.startsAt),
        endsAt: Date.parse(answer.endsAt),
        waiting: answer.queue.waiting,
      },
    });
    this.takeSaleStatus(answer.status, answer.stock.remaining);
  }

  private takeSaleStatus(status: SaleStatus, remaining: number): void {
    const sale = this.view.sale;
    if (sale) this.update({ sale: { ...sale, status, remaining } });
    if ((status === 'sold_out' || status === 'ended') && (this.view.phase === 'idle' || this.view.phase === 'joining')) {
      this.settleIdle(this.view.outcome);
    }
  }

  private async pollSale(): Promise<void> {
    // The socket pushes the figures while it is up; before joining there is no socket.
    if (this.liveConnected) return;
    const sale = await this.deps.api.sale();
    if (sale.ok && !this.stopped) this.takeSale(sale.body);
  }

  private admissionLapsed(): boolean {
    const expiresAt = this.place?.admissionExpiresAt;
    return expiresAt !== undefined && this.serverNow() >= expiresAt;
  }

  private serverNow(): number {
    return this.now() + this.view.clockOffsetMs;
  }

  private keepPlace(place: StoredPlace): void {
    this.place = place;
    savePlace(place, this.storage);
    this.update({ ticket: place.ticket ?? null });
  }

  private dropPlace(): void {
    this.place = null;
    forgetPlace(this.storage);
    this.update({ ticket: null });
  }

  private later(seconds: number, run: () => void): void {
    const timer = setTimeout(
      () => {
        this.timers.delete(timer);
        if (!this.stopped) run();
      },
      // Never a tight loop, whatever Retry-After says.
      Math.max(MIN_RETRY_SECONDS, seconds) * 1000,
    );
    this.timers.add(timer);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.later(ms / 1000, resolve));
  }

  private update(change: Partial<ShopperView>): void {
    this.view = { ...this.view, ...change };
    for (const listener of this.listeners) listener();
  }
}

function numberedPlace(event: QueuePositionEvent, position: number, firstPosition: number): NumberedPlace {
  return { ...event, position, waiting: Math.max(event.waiting, position), firstPosition };
}

const emptyUserId = {
  ok: false,
  status: 400,
  code: 'invalid_user_id',
  message: '',
  retryAfterSeconds: null,
  orderId: null,
} as const;
