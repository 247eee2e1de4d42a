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
      <TopNetworks networks={state.abuse.topNetworks} caption="Busiest networks, by places taken" testId="top-networks" />
      <BlockedNetworks adminToken={adminToken} blocked={state.abuse.blocked} onChanged={onBlockedChanged} onUnauthorized={onUnauthorized} />
    </section>
  );
}

/** The networks that took the most places (the live panel's, and the report's over the sale). */
export function TopNetworks({
  networks,
  caption,
  testId,
}: {
  networks: AdminStateAnswer['abuse']['topNetworks'];
  caption: string;
  testId: string;
}) {
  if (networks.length === 0) return <p className="muted">No places taken yet.</p>;
  return (
    <table className="figures-table" data-testid={testId}>
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">Network</th>
          <th scope="col" className="number">
            Places
          </th>
        </tr>
      </thead>
      <tbody>
        {networks.map(({ network, places }) => (
          <tr key={network}>
            <td>
              <code>{network}</code>
            </td>
            <td className="number">{places.toLocaleString('en')}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
