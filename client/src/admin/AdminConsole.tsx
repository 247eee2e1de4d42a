import { useCallback, useEffect, useState } from 'react';
import type { AdminStateAnswer, AdmissionSettingsAnswer } from '@flashsale/common/contract';
import { AbuseFigures } from './AbuseFigures';
import { adminFailureMessage, fetchAdminState } from './admin-api';
import { AdminLogin } from './AdminLogin';
import { AdmissionControls } from './AdmissionControls';
import { Counters } from './Counters';
import { HistoryChart } from './HistoryChart';
import { withSample, type Sample } from './history';

const TOKEN_KEY = 'flashsale.adminToken';
const POLL_MS = 1_000;
const REFUSED = 'That admin token was not accepted.';

/** The operator console: the token lives in sessionStorage only, so it goes with the tab. */
export function AdminConsole() {
  const [adminToken, setAdminToken] = useState<string | null>(() => readToken());
  const [refusal, setRefusal] = useState<string | null>(null);
  const [state, setState] = useState<AdminStateAnswer | null>(null);
  const [history, setHistory] = useState<Sample[]>([]);
  const [trouble, setTrouble] = useState<string | null>(null);

  const signOut = useCallback((why: string | null) => {
    writeToken(null);
    setAdminToken(null);
    setState(null);
    setHistory([]);
    setRefusal(why);
  }, []);

  useEffect(() => {
    if (adminToken === null) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    async function poll(token: string) {
      const result = await fetchAdminState(token);
      if (stopped) return;
      if (result.ok) {
        setState(result.body);
        setHistory((old) => withSample(old, result.body));
        setTrouble(null);
      } else if (result.status === 401) {
        return signOut(REFUSED);
      } else {
        setTrouble(adminFailureMessage(result));
      }
      timer = setTimeout(() => void poll(token), POLL_MS);
    }
    void poll(adminToken);
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [adminToken, signOut]);

  function signIn(token: string) {
    writeToken(token);
    setRefusal(null);
    setAdminToken(token);
  }

  function showSettings(settings: AdmissionSettingsAnswer) {
    setState((old) => (old ? { ...old, settings } : old));
  }

  function showBlocked(blocked: string[]) {
    setState((old) => (old ? { ...old, abuse: { ...old.abuse, blocked } } : old));
  }

  return (
    <main className="page admin">
      <h1>Operator console</h1>
      {adminToken === null ? (
        <AdminLogin problem={refusal} onToken={signIn} />
      ) : (
        <>
          <div className="admin-bar">
            <p className="muted" role="status" aria-live="polite">
              {trouble ?? (state ? `Live. Server time ${new Date(state.serverTime).toLocaleTimeString('en-GB')}.` : 'Loading…')}
            </p>
            <button type="button" className="secondary" onClick={() => signOut(null)}>
              Sign out
            </button>
          </div>
          {state && (
            <>
              <Counters state={state} />
              <HistoryChart history={history} />
              <AdmissionControls
                adminToken={adminToken}
                settings={state.settings}
                onChanged={showSettings}
                onUnauthorized={() => signOut(REFUSED)}
              />
              <AbuseFigures state={state} adminToken={adminToken} onBlockedChanged={showBlocked} onUnauthorized={() => signOut(REFUSED)} />
            </>
          )}
        </>
      )}
    </main>
  );
}

function readToken(): string | null {
  try {
    return window.sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

function writeToken(token: string | null): void {
  try {
    if (token === null) window.sessionStorage.removeItem(TOKEN_KEY);
    else window.sessionStorage.setItem(TOKEN_KEY, token);
  } catch {
    /* the token is then asked for again on reload */
  }
}
