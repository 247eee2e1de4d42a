import { useEffect, useState, useSyncExternalStore } from 'react';
import { ShopperSession, type SessionDeps, type ShopperView } from './session';

/** One session per mounted page, started while mounted; `deps` is read once. */
export function useShopperSession(deps: SessionDeps): { view: ShopperView; session: ShopperSession } {
  const [session] = useState(() => new ShopperSession(deps));
  useEffect(() => {
    session.start();
    return () => session.stop();
  }, [session]);
  const view = useSyncExternalStore(session.subscribe, session.snapshot);
  return { view, session };
}
