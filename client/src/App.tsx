import { AdminConsole } from './admin/AdminConsole';
import type { SessionDeps } from './shopper/session';
import { ShopperPage } from './shopper/ShopperPage';

/** The server sends the same page for `/` and `/admin`; the path picks the view. */
export function viewFor(pathname: string): 'admin' | 'shopper' {
  return /^\/admin\/?$/.test(pathname) ? 'admin' : 'shopper';
}

export function App({ shopperDeps }: { shopperDeps: SessionDeps }) {
  return viewFor(window.location.pathname) === 'admin' ? <AdminConsole /> : <ShopperPage deps={shopperDeps} />;
}
