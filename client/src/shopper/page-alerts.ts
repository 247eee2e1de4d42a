import { newAlert, pageTitle, type ShopperAlert } from './alerts';
import type { ShopperView } from './shopper-view';

/** Where the views come from: the shopper's session (session.ts), or a test's stand-in. */
export interface ViewSource {
  subscribe(listener: () => void): () => void;
  snapshot(): ShopperView;
}

/** 'unsupported' where the browser has no Notification API (an iPhone's Safari outside a home-screen app). */
export type NotificationChoice = NotificationPermission | 'unsupported';

export function notificationChoice(): NotificationChoice {
  return typeof Notification === 'undefined' ? 'unsupported' : Notification.permission;
}

/** Asks the browser's permission; only ever from the shopper's click (browsers ignore or penalise an ask on load). */
export async function askToNotify(): Promise<NotificationChoice> {
  if (typeof Notification === 'undefined') return 'unsupported';
  return Notification.requestPermission();
}

/**
 * Tells a shopper who is in another tab that their turn came or how it ended: the document title
 * says so until the page is seen again, and a notification too when the shopper allowed them.
 * While waiting, the title shows the place in line. Returns the way to stop, which restores the title.
 */
export function alertWhileAway(source: ViewSource, page: Document = document): () => void {
  const baseTitle = page.title;
  let view = source.snapshot();
  let unseen: ShopperAlert | null = null;
  let notification: Notification | null = null;

  const retitle = () => {
    const title = pageTitle(baseTitle, view, unseen);
    if (page.title !== title) page.title = title;
  };
  const onView = () => {
    const next = source.snapshot();
    const alert = newAlert(view, next);
    view = next;
    if (alert && page.visibilityState === 'hidden') {
      unseen = alert;
      notification?.close();
      notification = notify(alert);
    }
    retitle();
  };
  const onVisibility = () => {
    if (page.visibilityState !== 'visible') return;
    unseen = null;
    notification?.close();
    notification = null;
    retitle();
  };

  const unsubscribe = source.subscribe(onView);
  page.addEventListener('visibilitychange', onVisibility);
  retitle();
  return () => {
    unsubscribe();
    page.removeEventListener('visibilitychange', onVisibility);
    page.title = baseTitle;
  };
}

function notify(alert: ShopperAlert): Notification | null {
  if (notificationChoice() !== 'granted') return null;
  try {
    // One tag: a later alert replaces an earlier one rather than stacking up.
    const notification = new Notification(alert.title, { body: alert.body, tag: 'flashsale-turn' });
    notification.onclick = () => {
      window.focus();
      notification.close();
    };
    return notification;
  } catch {
    // Chrome on Android allows notifications only through a service worker; the title still says it.
    return null;
  }
}
