import type { AdminStateAnswer } from '@flashsale/common/contract';

/** Which counters to show, each with its label. */
export type CounterLabels = readonly (readonly [keyof Omit<AdminStateAnswer['counters'], 'outcomes'>, string])[];

const COUNTERS: CounterLabels = [
  ['waiting', 'Waiting'],
  ['activeAdmissions', 'Active admissions'],
  ['admittedTotal', 'Admitted (total)'],
  ['expiredAdmissions', 'Expired admissions'],
  ['sold', 'Sold'],
  ['remaining', 'Remaining'],
  ['connectedSockets', 'Connected sockets'],
  ['present', 'Waiting, present'],
  ['absent', 'Waiting, absent'],
  ['passedOver', 'Passed over (total)'],
  ['timedOut', 'Timed out (total)'],
];

export function Counters({ state }: { state: AdminStateAnswer }) {
  const outcomes = Object.entries(state.counters.outcomes);
  return (
    <section aria-labelledby="counters-heading">
      <h2 id="counters-heading">Live counters</h2>
      <CounterGrid counters={state.counters} shown={COUNTERS} />
      {outcomes.length > 0 && (
        <p className="muted">
          Purchase outcomes: {outcomes.map(([code, count]) => `${code.replace(/_/g, ' ')} ${(count ?? 0).toLocaleString('en')}`).join(', ')}
          .
        </p>
      )}
      <p className="muted">
        Instance {state.instance.id}: {state.instance.connectedSockets} sockets, measured {state.instance.admissionRatePerMinuteMeasured}{' '}
        admissions/min.
      </p>
    </section>
  );
}

/** Counters as labelled figures, each in data-testid="counter-<key>". */
export function CounterGrid({ counters, shown }: { counters: AdminStateAnswer['counters']; shown: CounterLabels }) {
  return (
    <dl className="counters">
      {shown.map(([key, label]) => (
        <div key={key}>
          <dt>{label}</dt>
          <dd data-testid={`counter-${key}`}>{counters[key].toLocaleString('en')}</dd>
        </div>
      ))}
    </dl>
  );
}
