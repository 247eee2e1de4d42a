import type { AdminStateAnswer } from '@flashsale/common/contract';
import { BlockedNetworks } from './BlockedNetworks';
import { CounterGrid, type CounterLabels } from './Counters';

const ABUSE_COUNTERS: CounterLabels = [
  ['challengesFailed', 'Challenges failed (total)'],
  ['placesRefused', 'Places refused (total)'],
];

interface Props {
  state: AdminStateAnswer;
  adminToken: string;
  onBlockedChanged: (blocked: string[]) => void;
  onUnauthorized: () => void;
}

/** Who takes places: the refusals, the busiest networks, and the barred ones with their controls. */
export function AbuseFigures({ state, adminToken, onBlockedChanged, onUnauthorized }: Props) {
  return (
    <section aria-labelledby="abuse-heading">
      <h2 id="abuse-heading">Abuse</h2>
      <CounterGrid counters={state.counters} shown={ABUSE_COUNTERS} />
      <TopNetworks networks={state.abuse.topNetworks} />
      <BlockedNetworks adminToken={adminToken} blocked={state.abuse.blocked} onChanged={onBlockedChanged} onUnauthorized={onUnauthorized} />
    </section>
  );
}

function TopNetworks({ networks }: { networks: AdminStateAnswer['abuse']['topNetworks'] }) {
  if (networks.length === 0) return <p className="muted">No places taken yet.</p>;
  return (
    <table className="top-networks" data-testid="top-networks">
      <caption>Busiest networks, by places taken</caption>
      <thead>
        <tr>
          <th scope="col">Network</th>
          <th scope="col">Places</th>
        </tr>
      </thead>
      <tbody>
        {networks.map(({ network, places }) => (
          <tr key={network}>
            <td>
              <code>{network}</code>
            </td>
            <td>{places.toLocaleString('en')}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
