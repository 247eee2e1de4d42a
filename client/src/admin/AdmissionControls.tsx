import { useId, useState, type FormEvent } from 'react';
import type { AdmissionSettingsAnswer } from '@flashsale/common/contract';
import { patchAdmission, type AdmissionChange } from './admin-api';
import { CallStatus } from './CallStatus';
import { fieldsOf, settingsChange, type SettingsFields } from './settings-form';
import { useAdminCall } from './use-admin-call';

interface Props {
  adminToken: string;
  settings: AdmissionSettingsAnswer;
  /** The new settings after a change, so the console shows them before the next poll. */
  onChanged: (settings: AdmissionSettingsAnswer) => void;
  onUnauthorized: () => void;
}

/** The admission form's fields, in order, with the bounds their inputs offer. */
const SETTING_FIELDS: { field: keyof SettingsFields; label: string; min: number; step: number }[] = [
  { field: 'ratePerMinute', label: 'Rate per minute', min: 0, step: 1 },
  { field: 'maxActive', label: 'Max active admissions (empty for no cap)', min: 0, step: 1 },
  { field: 'overbook', label: 'Overbook (1 or more)', min: 1, step: 0.1 },
  { field: 'challengeMaxNumber', label: 'Challenge cost (ALTCHA max number, 0 for off)', min: 0, step: 1000 },
];

/** Pause / Resume and the admission form. Each sends only what changed. */
export function AdmissionControls({ adminToken, settings, onChanged, onUnauthorized }: Props) {
  // null until the operator types: until then the fields follow the live settings.
  const [draft, setDraft] = useState<SettingsFields | null>(null);
  const fields = draft ?? fieldsOf(settings);
  const { sending, message, setMessage, call } = useAdminCall(onUnauthorized);

  async function send(change: AdmissionChange, done: string) {
    const answer = await call(() => patchAdmission(adminToken, change), done);
    if (answer === null) return;
    onChanged(answer.settings);
    setDraft(null);
  }

  function apply(event: FormEvent) {
    event.preventDefault();
    const parsed = settingsChange(settings, fields);
    if (!parsed.ok) return setMessage({ kind: 'problem', text: parsed.problem });
    if (Object.keys(parsed.change).length === 0) return setMessage({ kind: 'done', text: 'Nothing to change.' });
    void send(parsed.change, 'Settings applied.');
  }

  function edit(field: keyof SettingsFields, value: string) {
    setDraft({ ...fields, [field]: value });
  }

  return (
    <section aria-labelledby="controls-heading">
      <h2 id="controls-heading">Admission</h2>
      <p>
        Admission is <strong data-testid="admission-state">{settings.paused ? 'paused' : 'running'}</strong> at{' '}
        {settings.ratePerMinute.toLocaleString('en')} per minute.
      </p>
      <p data-testid="challenge-state">
        {settings.challengeMaxNumber === 0
          ? 'Joining costs no proof of work: the challenge is off.'
          : `Joining costs a proof of work of up to ${settings.challengeMaxNumber.toLocaleString('en')} hashes.`}
      </p>
      <div className="buttons">
        <button type="button" disabled={sending || settings.paused} onClick={() => void send({ paused: true }, 'Admission paused.')}>
          Pause
        </button>
        <button type="button" disabled={sending || !settings.paused} onClick={() => void send({ paused: false }, 'Admission resumed.')}>
          Resume
        </button>
      </div>
      <form className="settings-form" onSubmit={apply} noValidate>
        {SETTING_FIELDS.map(({ field, label, min, step }) => (
          <NumberField key={field} label={label} min={min} step={step} value={fields[field]} onChange={(v) => edit(field, v)} />
        ))}
        <button type="submit" disabled={sending}>
          Apply
        </button>
      </form>
      <CallStatus message={message} testId="controls-message" />
    </section>
  );
}

interface NumberFieldProps {
  label: string;
  min: number;
  step: number;
  value: string;
  onChange: (value: string) => void;
}

/** A labelled number input; its text is kept as typed, and checked when applied. */
function NumberField({ label, min, step, value, onChange }: NumberFieldProps) {
  const id = useId();
  return (
    <>
      <label htmlFor={id}>{label}</label>
      <input id={id} type="number" min={min} step={step} value={value} onChange={(event) => onChange(event.target.value)} />
    </>
  );
}
