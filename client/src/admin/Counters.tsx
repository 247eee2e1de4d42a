import type { AdminStateAnswer } from '@flashsale/common/contract';
import { Figure } from './Figure';

/** Which counters to show, each with its label. */
export type CounterLabels = readonly (readonly [keyof Omit<AdminStateAnswer['counters'], 'outcomes'>, string])[];

const QUEUE_AND_STOCK: CounterLabels = [
  ['waiting', 'Waiting'],
  ['activeAdmissions', 'Active admissions'],
  ['admittedTotal', 'Admitted (total)'],
  ['expiredAdmissions', 'Expired admissions'],
  ['sold', 'Sold'],
  ['remaining', 'Remaining'],
];

const PRESENCE: CounterLabels = [
  ['present', 'Waiting, present'],
  ['absent', 'Waiting, absent'],
  ['passedOver', 'Passed over (total)'],
  ['timedOut', 'Timed out (total)'],
  ['connectedSockets', 'Connected sockets'],
];

/** The queue and the stock, sale-wide. */
export function Counters({ state }: { state: AdminStateAnswer }) {
  return (
    <section aria-labelledby="counters-heading">
      <h2 id="counters-heading">Live counters</h2>
      <CounterGrid counters={state.counters} shown={QUEUE_AND_STOCK} />
    </section>
  );
}

/**
 * Who of the waiting is still there: admission passes over the absent, and the idle timeout
 * takes their place. The share present says how much of the line is real.
 */
export function PresenceFigures({ state }: { state: AdminStateAnswer }) {
  const { waiting, present } = state.counters;
  const { instance } = state;
  return (
    <section aria-labelledby="presence-heading">
      <h2 id="presence-heading">Presence</h2>
      <CounterGrid counters={state.counters} shown={PRESENCE} />
      <p className="muted" data-testid="presence-share">
        {waiting === 0 ? 'Nobody is waiting.' : `${percent(present, waiting)} of the ${waiting.toLocaleString('en')} waiting are present.`}
      </p>
      <p className="muted">
        Instance {instance.id}: {instance.connectedSockets.toLocaleString('en')} sockets, measured{' '}
        {instance.admissionRatePerMinuteMeasured.toLocaleString('en')} admissions/min.
      </p>
    </section>
  );
}

/** Counters as labelled figures, each in data-testid="counter-<key>". */
export function CounterGrid({ counters, shown }: { counters: AdminStateAnswer['counters']; shown: CounterLabels }) {
  return (
    <dl className="counters">
      {shown.map(([key, label]) => (
        <Figure key={key} label={label} testId={`counter-${key}`} value={counters[key].toLocaleString('en')} />
      ))}
    </dl>
  );
}

/** "42 %", "0.5 %": whole percents, but a share below 1 % is not shown as nothing. */
export function percent(part: number, whole: number): string {
  if (whole === 0) return '0 %';
  const share = (part / whole) * 100;
  const digits = share > 0 && share < 1 ? 1 : 0;
  return `${share.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits })} %`;
}
