import type { SolveChallenge } from './challenge-solver';
import { takeIdentityToken } from './identity-token';
import { attemptJoin } from './join-attempt';
import { FIRST_JOURNEY, shopperReducer, type Journey, type JourneyEffect, type JourneyEvent } from './journey';
import type { ConnectLive } from './live-socket';
import { forgetPlace, loadPlace, savePlace } from './place-storage';
import { attemptPurchase } from './purchase-attempt';
import { SaleFeed } from './sale-feed';
import { SessionTimers } from './session-timers';
import type { ShopperApi } from './shopper-api';
import type { ShopperView } from './shopper-view';

export type { NumberedPlace, Phase, PlaceInDraw, PositionView, SaleView, ShopperView } from './shopper-view';

export interface SessionDeps {
  api: ShopperApi;
  connectLive: ConnectLive;
  /** The join's proof of work: in a Web Worker on the page (solverInWorker). */
  solveChallenge: SolveChallenge;
  storage?: Storage;
  now?: () => number;
}

/**
 * The shopper's side of the sale, without React: it feeds what happens into the journey's reducer,
 * tells the page, and runs what the reducer asks for (calls, the socket, storage, timers). The
 * decisions are the reducer's (journey.ts); the page renders the snapshots.
 */
export class ShopperSession {
  private journey: Journey = FIRST_JOURNEY;
  private readonly listeners = new Set<() => void>();
  private readonly timers = new SessionTimers();
  private readonly feed: SaleFeed;
  /** Starts so far: an answer to an earlier start is dropped. */
  private runs = 0;
  private readonly storage: Storage;
  private readonly now: () => number;
  /** The shop's signed identity for its logged-in customer, sent with every join; null when shoppers name themselves. */
  private identityToken: string | null = null;

  constructor(private readonly deps: SessionDeps) {
    this.storage = deps.storage ?? window.localStorage;
    this.now = deps.now ?? Date.now;
    const { api, connectLive } = deps;
    this.feed = new SaleFeed({ api, connectLive, timers: this.timers, now: this.now, tell: (event) => void this.tell(event) });
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  snapshot = (): ShopperView => this.journey.view;

  /** Loads the sale and any stored place. A stopped session may start again (React's StrictMode remounts). */
  start(): void {
    this.timers.start();
    void this.load(++this.runs);
  }

  stop(): void {
    this.timers.stop();
    this.feed.stop();
  }

  /** Buy Now. */
  async join(userId: string, attempt = 0): Promise<void> {
    await this.tell({ type: 'joinAsked', userId, attempt });
  }

  /** Leave the queue: the place is given up, here and on the server. */
  async leave(): Promise<void> {
    const place = this.journey.place;
    const result = place ? await this.deps.api.leave(place.queueToken) : null;
    await this.tell({ type: 'leaveAnswered', result });
  }

  private async load(run: number): Promise<void> {
    // A remount finds the address already cleaned, and the token in storage (or, without storage, here).
    this.identityToken = takeIdentityToken() ?? this.identityToken;
    const place = loadPlace(this.storage);
    void this.tell({ type: 'pageOpened', place });
    const [sale, me] = await Promise.all([this.deps.api.sale(), place ? this.deps.api.me(place.queueToken) : Promise.resolve(null)]);
    if (this.timers.stopped || run !== this.runs) return;
    if (sale.ok) void this.tell({ type: 'saleAnswered', sale: sale.body, at: this.now() });
    this.feed.startPolling();
    void this.tell(me ? { type: 'placeAnswered', result: me, attempt: 0, at: this.now() } : { type: 'noPlaceToResume' });
  }

  /** One event through the reducer; resolves when the effects it asked for are done. */
  private tell(event: JourneyEvent): Promise<void> {
    const shown = this.journey.view;
    const { journey, effects } = shopperReducer(this.journey, event);
    this.journey = journey;
    if (journey.view !== shown) for (const listener of this.listeners) listener();
    return Promise.all(effects.map((effect) => this.run(effect))).then(() => undefined);
  }

  private async run(effect: JourneyEffect): Promise<void> {
    switch (effect.kind) {
      case 'keepPlace':
        return savePlace(effect.place, this.storage);
      case 'forgetPlace':
        return forgetPlace(this.storage);
      case 'followLine':
        return this.feed.follow(effect.queueToken);
      case 'stopFollowing':
        return this.feed.unfollow();
      case 'askToJoin':
        return this.askToJoin(effect.userId, effect.attempt);
      case 'joinAgainLater':
        return this.timers.later(effect.afterSeconds, () => void this.join(effect.userId, effect.attempt));
      case 'checkPlace':
        if (effect.afterSeconds === undefined) return this.checkPlace(effect.attempt);
        return this.timers.later(effect.afterSeconds, () => void this.checkPlace(effect.attempt));
      case 'buy':
        return this.buy(effect.admissionToken, effect.expiresAt);
    }
  }

  private async askToJoin(userId: string, attempt: number): Promise<void> {
    const { api, solveChallenge } = this.deps;
    const request = this.identityToken === null ? { userId } : { userId, identityToken: this.identityToken };
    const result = await attemptJoin(request, {
      api,
      solveChallenge,
      timers: this.timers,
      onSolving: () => void this.tell({ type: 'humanCheckStarted' }),
    });
    if (result && !this.timers.stopped) void this.tell({ type: 'joinAnswered', userId, result, attempt });
  }

  /** Where do we stand? After a reconnect, or a busy answer. An answer about a place given up since is dropped. */
  private async checkPlace(attempt: number): Promise<void> {
    const place = this.journey.place;
    if (!place || this.timers.stopped) return;
    const result = await this.deps.api.me(place.queueToken);
    if (this.timers.stopped || this.journey.place !== place) return;
    void this.tell({ type: 'placeAnswered', result, attempt, at: this.now() });
  }

  private async buy(admissionToken: string, expiresAt: number): Promise<void> {
    const step = await attemptPurchase(admissionToken, expiresAt, {
      api: this.deps.api,
      timers: this.timers,
      serverNow: () => this.now() + this.journey.view.clockOffsetMs,
      onBusy: () => void this.tell({ type: 'purchaseBusy' }),
    });
    if (step) void this.tell({ type: 'purchaseAnswered', step });
  }
}
