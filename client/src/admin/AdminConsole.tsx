import { useCallback, useEffect, useRef, useState } from 'react';
import type { AdminStateAnswer, AdmissionSettingsAnswer, SaleAnswer } from '@flashsale/common/contract';
import { AbuseFigures } from './AbuseFigures';
import { adminFailureMessage, fetchAdminState, fetchSale } from './admin-api';
import { AdminLogin } from './AdminLogin';
import { AdmissionControls } from './AdmissionControls';
import { Counters, PresenceFigures } from './Counters';
import { HistoryChart } from './HistoryChart';
import { withSample, type Sample } from './history';
import { LedgerFigures } from './LedgerFigures';
import { OutcomeFigures } from './Outcomes';
import { SaleReport } from './SaleReport';
import { SaleSchedule } from './SaleSchedule';

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
  const [sale, setSale] = useState<SaleAnswer | null>(null);
  // Bumped when the operator saves a change: a poll asked before then may answer with the old sale, and is dropped.
  const saleVersion = useRef(0);

  const signOut = useCallback((why: string | null) => {
    writeToken(null);
    setAdminToken(null);
    setState(null);
    setHistory([]);
    setSale(null);
    setRefusal(why);
  }, []);

  useEffect(() => {
    if (adminToken === null) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    async function poll(token: string) {
      const askedAt = saleVersion.current;
      const [result, saleResult] = await Promise.all([fetchAdminState(token), fetchSale()]);
      if (stopped) return;
      if (saleResult.ok && saleVersion.current === askedAt) setSale(saleResult.body);
      if (result.ok) {
        setState(result.body);
        setHistory((old) => withSample(old, result.body));
        setTrouble(saleResult.ok ? null : `The sale could not be read. ${adminFailureMessage(saleResult)}`);
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

  function showSale(changed: SaleAnswer) {
    saleVersion.current += 1;
    setSale(changed);
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
              <div className="admin-columns">
                <PresenceFigures state={state} />
                <OutcomeFigures outcomes={state.counters.outcomes} />
                <LedgerFigures ledger={state.ledger} serverTime={state.serverTime} />
              </div>
              <div className="admin-columns">
                <AdmissionControls
                  adminToken={adminToken}
                  settings={state.settings}
                  onChanged={showSettings}
                  onUnauthorized={() => signOut(REFUSED)}
                />
                {sale ? (
                  <SaleSchedule adminToken={adminToken} sale={sale} onChanged={showSale} onUnauthorized={() => signOut(REFUSED)} />
                ) : (
                  <section aria-labelledby="schedule-heading">
                    <h2 id="schedule-heading">Sale schedule</h2>
                    <p className="muted">Reading the sale…</p>
                  </section>
                )}
              </div>
              <AbuseFigures state={state} adminToken={adminToken} onBlockedChanged={showBlocked} onUnauthorized={() => signOut(REFUSED)} />
              <SaleReport adminToken={adminToken} onUnauthorized={() => signOut(REFUSED)} />
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
