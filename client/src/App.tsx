import { AdminConsole } from './admin/AdminConsole';
import { ShopperPage } from './shopper/ShopperPage';

/** The server sends the same page for `/` and `/admin`; the path picks the view. */
export function viewFor(pathname: string): 'admin' | 'shopper' {
  return /^\/admin\/?$/.test(pathname) ? 'admin' : 'shopper';
}

export function App() {
  return viewFor(window.location.pathname) === 'admin' ? <AdminConsole /> : <ShopperPage />;
}
