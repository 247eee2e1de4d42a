/** Where a shop that signs identities sends its customer: `/?identityToken=<jwt>`. */
const PARAM = 'identityToken';
const KEY = 'flashsale.identityToken';

/**
 * The shop's signed identity token, if it sent one. It is taken out of the address bar, so it is
 * neither bookmarked, shared nor left in the history, and kept in sessionStorage, so a reload keeps
 * it but it goes with the tab. null for a shop whose shoppers name themselves.
 */
export function takeIdentityToken(storage: Storage = window.sessionStorage): string | null {
  const url = new URL(window.location.href);
  const fromAddress = url.searchParams.get(PARAM);
  if (fromAddress === null) return readToken(storage);
  url.searchParams.delete(PARAM);
  window.history.replaceState(window.history.state, '', `${url.pathname}${url.search}${url.hash}`);
  if (fromAddress === '') return readToken(storage);
  keepToken(fromAddress, storage);
  return fromAddress;
}

// Storage can be switched off (private modes): the token then lasts as long as the page.
function readToken(storage: Storage): string | null {
  try {
    return storage.getItem(KEY);
  } catch {
    return null;
  }
}

function keepToken(token: string, storage: Storage): void {
  try {
    storage.setItem(KEY, token);
  } catch {
    /* not kept */
  }
}
