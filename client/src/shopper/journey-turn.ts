import type { QueuePositionEvent } from '@flashsale/common/contract';
import type { StoredPlace } from './place-storage';
import { placeShown, type ShopperView } from './shopper-view';

/** The journey's whole state: what the page shows, and what it keeps out of sight. */
export interface Journey {
  view: ShopperView;
  /** The place as kept in storage; every change to it comes out as an effect that writes it through. */
  place: StoredPlace | null;
  /** The admission a purchase is under way with, so a second push of it starts no second purchase. */
  buyingWith: string | null;
}

/** What a transition asks of the world; the coordinator runs these, the reducer only names them. */
export type JourneyEffect =
  /** Write the place to storage, so a reload keeps it. */
  | { kind: 'keepPlace'; place: StoredPlace }
  | { kind: 'forgetPlace' }
  /** Follow the line over Socket.IO; nothing new when already following. */
  | { kind: 'followLine'; queueToken: string }
  | { kind: 'stopFollowing' }
  /** POST /api/queue now. */
  | { kind: 'askToJoin'; userId: string; attempt: number }
  | { kind: 'joinAgainLater'; userId: string; attempt: number; afterSeconds: number }
  /** GET /api/queue/me for the place held then: now, or after a pause. */
  | { kind: 'checkPlace'; attempt: number; afterSeconds?: number }
  /** POST /api/purchase with this admission until it answers or the admission runs out. */
  | { kind: 'buy'; admissionToken: string; expiresAt: number };

/**
 * One transition under way. The reducer builds its result step by step on this scratch pad;
 * nothing outside the reducer ever sees it change, so the reducer stays pure.
 */
export class JourneyTurn {
  readonly effects: JourneyEffect[] = [];

  constructor(public journey: Journey) {}

  get view(): ShopperView {
    return this.journey.view;
  }

  get place(): StoredPlace | null {
    return this.journey.place;
  }

  show(change: Partial<ShopperView>): void {
    this.journey = { ...this.journey, view: { ...this.journey.view, ...change } };
  }

  ask(effect: JourneyEffect): void {
    this.effects.push(effect);
  }

  /** The place read from storage at start: shown, and not written back. */
  findPlace(place: StoredPlace | null): void {
    this.journey = { ...this.journey, place };
    this.show({ ticket: place?.ticket ?? null });
  }

  keepPlace(place: StoredPlace): void {
    this.journey = { ...this.journey, place };
    this.ask({ kind: 'keepPlace', place });
    this.show({ ticket: place.ticket ?? null });
  }

  dropPlace(): void {
    this.journey = { ...this.journey, place: null };
    this.ask({ kind: 'forgetPlace' });
    this.show({ ticket: null });
  }

  buyWith(admissionToken: string | null): void {
    this.journey = { ...this.journey, buyingWith: admissionToken };
  }

  placeShown(event: QueuePositionEvent, drawAt: number | null = null): Pick<ShopperView, 'position' | 'lotteryDrawn'> {
    return placeShown(this.view, event, drawAt);
  }

  /** This browser held an admission whose time has run out by `at` (this browser's clock). */
  admissionLapsed(at: number): boolean {
    const expiresAt = this.place?.admissionExpiresAt;
    return expiresAt !== undefined && at + this.view.clockOffsetMs >= expiresAt;
  }
}
