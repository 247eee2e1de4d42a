import { useId, useState, type FormEvent } from 'react';
import type { SaleAnswer, SaleStatus } from '@flashsale/common/contract';
import { patchSale } from './admin-api';
import { Figure } from './Figure';
import { browserTimeZone, readableInstant } from './local-time';
import { STATUS_WORDS } from './report';
import { movableFields, scheduleChange, scheduleFieldsOf, type ScheduleField, type ScheduleFields } from './sale-form';
import { useAdminCall } from './use-admin-call';

interface Props {
  adminToken: string;
  /** The sale as GET /api/sale shows it now. */
  sale: SaleAnswer;
  /** The zone the times are read and typed in: the browser's, unless a test pins one. */
  timeZone?: string;
  /** The sale after a change, so the console shows it before the next poll. */
  onChanged: (sale: SaleAnswer) => void;
  onUnauthorized: () => void;
}

/** Why a field cannot move, said beside the disabled inputs; nothing before the start. */
const LOCKED: Record<SaleStatus, string | null> = {
  upcoming: null,
  active: 'The sale has started, so its start and stock can no longer change. Its end can still move, but not into the past.',
  sold_out: 'The sale is sold out, so its schedule can no longer change.',
  ended: 'The sale has ended, so its schedule can no longer change.',
};

/** The sale's window and stock, and the form that moves them as far as the SPEC's rules allow. */
export function SaleSchedule({ adminToken, sale, timeZone = browserTimeZone(), onChanged, onUnauthorized }: Props) {
  // Only the fields the operator typed in; the others follow the live sale, so a Save never sends
  // back a time that another operator moved meanwhile.
  const [draft, setDraft] = useState<Partial<ScheduleFields>>({});
  const { sending, message, setMessage, call } = useAdminCall(onUnauthorized);
  const live = scheduleFieldsOf(sale, timeZone);
  const movable = movableFields(sale.status);
  // A field the sale no longer lets move shows the live value, whatever was typed into it before.
  const valueOf = (field: ScheduleField) => (movable.has(field) ? (draft[field] ?? live[field]) : live[field]);
  const fields: ScheduleFields = { startsAt: valueOf('startsAt'), endsAt: valueOf('endsAt'), stock: valueOf('stock') };
  const lockId = useId();
  const locked = LOCKED[sale.status];

  async function save(event: FormEvent) {
    event.preventDefault();
    const parsed = scheduleChange(sale, fields, timeZone);
    if (!parsed.ok) return setMessage({ kind: 'problem', text: parsed.problem });
    if (Object.keys(parsed.change).length === 0) return setMessage({ kind: 'done', text: 'Nothing to change.' });
    // On a refusal the draft stays as typed: the operator corrects it rather than typing it again.
    const answer = await call(() => patchSale(adminToken, parsed.change), 'Saved.');
    if (answer === null) return;
    setMessage({ kind: 'done', text: savedSentence(answer, timeZone) });
    setDraft({});
    onChanged(answer);
  }

  function edit(field: ScheduleField, value: string) {
    setDraft((typed) => ({ ...typed, [field]: value }));
  }

  const inputProps = (field: ScheduleField) => ({
    value: fields[field],
    disabled: !movable.has(field),
    'aria-describedby': !movable.has(field) && locked ? lockId : undefined,
    onChange: (event: { target: { value: string } }) => edit(field, event.target.value),
  });

  return (
    <section aria-labelledby="schedule-heading">
      <h2 id="schedule-heading">Sale schedule</h2>
      <dl className="counters schedule-figures" data-testid="sale-schedule">
        <Figure label="Status" testId="schedule-status" value={STATUS_WORDS[sale.status]} />
        <Figure label="Starts" testId="schedule-starts" value={readableInstant(sale.startsAt, timeZone)} />
        <Figure label="Ends" testId="schedule-ends" value={readableInstant(sale.endsAt, timeZone)} />
        <Figure
          label="Stock"
          testId="schedule-stock"
          value={`${sale.stock.total.toLocaleString('en')} (${sale.stock.remaining.toLocaleString('en')} left)`}
        />
      </dl>
      {locked && (
        <p id={lockId} className="notice" data-testid="schedule-locked">
          {locked}
        </p>
      )}
      <form className="settings-form" onSubmit={(event) => void save(event)} noValidate>
        <p className="muted">Times are on your clock ({timeZone}).</p>
        <Field label="Start" type="datetime-local" step={1} {...inputProps('startsAt')} />
        <Field label="End" type="datetime-local" step={1} {...inputProps('endsAt')} />
        <Field label="Stock (units in all)" type="number" min={0} step={1} {...inputProps('stock')} />
        <button type="submit" disabled={sending || movable.size === 0}>
          Save schedule
        </button>
      </form>
      <p role="alert" className={message?.kind === 'problem' ? 'problem' : 'problem empty'} data-testid="schedule-problem">
        {message?.kind === 'problem' ? message.text : ''}
      </p>
      <p role="status" aria-live="polite" className="done" data-testid="schedule-message">
        {message?.kind === 'done' ? message.text : ''}
      </p>
    </section>
  );
}

function savedSentence(sale: SaleAnswer, timeZone: string): string {
  return (
    `Saved. The sale starts ${readableInstant(sale.startsAt, timeZone)} and ends ${readableInstant(sale.endsAt, timeZone)}, ` +
    `with a stock of ${sale.stock.total.toLocaleString('en')}.`
  );
}

interface FieldProps {
  label: string;
  type: 'datetime-local' | 'number';
  step: number;
  min?: number;
  value: string;
  disabled: boolean;
  'aria-describedby': string | undefined;
  onChange: (event: { target: { value: string } }) => void;
}

function Field({ label, ...input }: FieldProps) {
  const id = useId();
  return (
    <>
      <label htmlFor={id}>{label}</label>
      <input id={id} {...input} />
    </>
  );
}
