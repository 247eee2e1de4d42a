import { useId, useState, type FormEvent } from 'react';
import { barNetwork, liftNetwork } from './admin-api';
import { CallStatus } from './CallStatus';
import { useAdminCall } from './use-admin-call';

interface Props {
  adminToken: string;
  blocked: readonly string[];
  /** The barred networks after a change, so the console shows them before the next poll. */
  onChanged: (blocked: string[]) => void;
  onUnauthorized: () => void;
}

/** The barred networks, each with a button that lifts its bar, and a form that bars one more. */
export function BlockedNetworks({ adminToken, blocked, onChanged, onUnauthorized }: Props) {
  const [network, setNetwork] = useState('');
  const inputId = useId();
  const { sending, message, setMessage, call } = useAdminCall(onUnauthorized);

  async function bar(cidr: string) {
    const answer = await call(() => barNetwork(adminToken, cidr), `${cidr} is barred: its places leave the queue.`);
    if (answer === null) return;
    onChanged(answer.blocked);
    setNetwork('');
  }

  async function lift(cidr: string) {
    const answer = await call(() => liftNetwork(adminToken, cidr), `The bar on ${cidr} is lifted.`);
    if (answer !== null) onChanged(answer.blocked);
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    // Whether it is a CIDR is the server's to judge; its refusal is shown as it says it.
    if (network.trim() === '') return setMessage({ kind: 'problem', text: 'Enter a network to bar, such as 203.0.113.0/24.' });
    void bar(network.trim());
  }

  return (
    <div className="blocked-networks">
      <h3>Barred networks</h3>
      {blocked.length === 0 ? (
        <p className="muted">No network is barred.</p>
      ) : (
        <ul className="network-list" data-testid="blocked-networks">
          {blocked.map((cidr) => (
            <li key={cidr}>
              <code>{cidr}</code>
              <button
                type="button"
                className="secondary"
                disabled={sending}
                onClick={() => void lift(cidr)}
                aria-label={`Lift the bar on ${cidr}`}
              >
                Lift
              </button>
            </li>
          ))}
        </ul>
      )}
      <form className="settings-form" onSubmit={submit} noValidate>
        <label htmlFor={inputId}>Network to bar (CIDR)</label>
        <input
          id={inputId}
          type="text"
          placeholder="203.0.113.0/24"
          spellCheck={false}
          autoCapitalize="none"
          value={network}
          onChange={(event) => setNetwork(event.target.value)}
        />
        <button type="submit" disabled={sending}>
          Bar network
        </button>
      </form>
      <CallStatus message={message} testId="networks-message" />
    </div>
  );
}
