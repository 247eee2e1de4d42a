import { outcomeMessage, type OutcomeCode } from './outcome';
import type { Phase, ShopperView } from './shopper-view';

/**
 * What the page tells a shopper who is looking elsewhere, and what it reads out to one who
 * listens: pure rules, no DOM. page-alerts.ts and ShopperAlerts.tsx carry them out.
 */

/** Something a shopper in another tab wants to hear of: their turn, or how it ended. */
export interface ShopperAlert {
  /** A new key is a new alert; the same key again (a busy retry, a re-render) is not. */
  key: 'admitted' | Exclude<OutcomeCode, 'waiting'>;
  /** Short enough for a browser tab. */
  title: string;
  /** The sentence the page shows, for the notification's body. */
  body: string;
}

type AlertView = Pick<ShopperView, 'phase' | 'outcome'>;

const ALERT_TITLES: Record<ShopperAlert['key'], string> = {
  admitted: 'It’s your turn — buying…',
  purchased: 'You bought it!',
  already_purchased: 'Already bought',
  sold_out: 'Sold out',
  sale_ended: 'Sale ended',
  sale_not_started: 'Not started yet',
  token_expired: 'Your turn ran out',
  error: 'Action needed',
};

/** The phases in which the shopper is in the sale, so that what comes next is news to them. */
const IN_THE_SALE: readonly Phase[] = ['joining', 'waiting', 'buying'];

/** The alert a view stands for, whether or not it is news. */
export function alertOf({ phase, outcome }: AlertView): ShopperAlert | null {
  if (phase === 'buying') return { key: 'admitted', title: ALERT_TITLES.admitted, body: outcomeMessage({ code: 'waiting', buying: true }) };
  if (outcome === null || outcome.code === 'waiting') return null;
  return { key: outcome.code, title: ALERT_TITLES[outcome.code], body: outcomeMessage(outcome) };
}

/**
 * The alert that one step of the journey brings a shopper who was in the sale: admitted, or an
 * outcome. A page opened on a sold-out or ended sale is no news, nor is the same alert twice.
 */
export function newAlert(before: AlertView, after: AlertView): ShopperAlert | null {
  if (!IN_THE_SALE.includes(before.phase)) return null;
  const alert = alertOf(after);
  return alert && alert.key !== alertOf(before)?.key ? alert : null;
}

/**
 * The document title: an alert the shopper has not seen yet comes first; while waiting, the
 * place in line does, so that the tab itself shows it; otherwise the page's own title.
 */
export function pageTitle(base: string, view: Pick<ShopperView, 'phase' | 'position'>, unseen: ShopperAlert | null): string {
  if (unseen) return `${unseen.title} · ${base}`;
  const place = view.phase === 'waiting' ? view.position?.position : null;
  if (place !== null && place !== undefined) return `#${place.toLocaleString('en')} in the queue · ${base}`;
  return base;
}

/**
 * Positions read out as the line moves: each of these when the place passes it, then every place
 * of the last few. A screen reader that spoke every push (several a second in a busy sale) would
 * drown out everything else.
 */
const ANNOUNCED_MILESTONES = [10_000, 5_000, 1_000, 500, 100, 50, 10] as const;
const ANNOUNCED_EVERY_PLACE_FROM = 5;

/** Is `position` worth reading out, after `lastAnnounced` (null: none yet since the place was given)? */
export function announcesPosition(lastAnnounced: number | null, position: number): boolean {
  if (lastAnnounced === null) return true;
  // A shown place never rises (shopper-view.ts); the same one again is no news.
  if (position >= lastAnnounced) return false;
  if (position <= ANNOUNCED_EVERY_PLACE_FROM) return true;
  return ANNOUNCED_MILESTONES.some((milestone) => position <= milestone && milestone < lastAnnounced);
}

export function positionAnnouncement(position: number): string {
  return position === 1 ? 'You are next in the queue.' : `You are number ${position.toLocaleString('en')} in the queue.`;
}
