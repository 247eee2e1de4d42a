import { useId, useState, type FormEvent } from 'react';
import type { AdmissionSettingsAnswer } from '@flashsale/common/contract';
import { adminFailureMessage, patchAdmission, type AdmissionChange } from './admin-api';
import { fieldsOf, settingsChange, type SettingsFields } from './settings-form';

interface Props {
  adminToken: string;
  settings: AdmissionSettingsAnswer;
  /** The new settings after a change, so the console shows them before the next poll. */
  onChanged: (settings: AdmissionSettingsAnswer) => void;
  onUnauthorized: () => void;
}

/** Pause / Resume and the admission form. Each sends only what changed. */
export function AdmissionControls({ adminToken, settings, onChanged, onUnauthorized }: Props) {
  // null until the operator types: until then the fields follow the live settings.
  const [draft, setDraft] = useState<SettingsFields | null>(null);
  const fields = draft ?? fieldsOf(settings);
  const [message, setMessage] = useState<{ kind: 'problem' | 'done'; text: string } | null>(null);
  const [sending, setSending] = useState(false);

  async function send(change: AdmissionChange, done: string) {
    setSending(true);
    const result = await patchAdmission(adminToken, change);
    setSending(false);
    if (result.ok) {
      onChanged(result.body.settings);
      setDraft(null);
      setMessage({ kind: 'done', text: done });
    } else if (result.code === 'unauthorized') {
      onUnauthorized();
    } else {
      setMessage({ kind: 'problem', text: adminFailureMessage(result) });
    }
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
      <div className="buttons">
        <button type="button" disabled={sending || settings.paused} onClick={() => void send({ paused: true }, 'Admission paused.')}>
          Pause
        </button>
        <button type="button" disabled={sending || !settings.paused} onClick={() => void send({ paused: false }, 'Admission resumed.')}>
          Resume
        </button>
      </div>
      <form className="settings-form" onSubmit={apply} noValidate>
        <NumberField label="Rate per minute" min={0} step={1} value={fields.ratePerMinute} onChange={(v) => edit('ratePerMinute', v)} />
        <NumberField
          label="Max active admissions (empty for no cap)"
          min={0}
          step={1}
          value={fields.maxActive}
          onChange={(v) => edit('maxActive', v)}
        />
        <NumberField label="Overbook (1 or more)" min={1} step={0.1} value={fields.overbook} onChange={(v) => edit('overbook', v)} />
        <button type="submit" disabled={sending}>
          Apply
        </button>
      </form>
      <p role="status" aria-live="polite" className={message?.kind === 'problem' ? 'problem' : 'done'} data-testid="controls-message">
        {message?.text ?? ''}
      </p>
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
