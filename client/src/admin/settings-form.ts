import type { AdmissionSettingsAnswer } from '@flashsale/common/contract';
import type { AdmissionChange } from './admin-api';

/** The admission form's fields as typed: numbers are kept as text until Apply. */
export interface SettingsFields {
  ratePerMinute: string;
  /** Empty means no cap. */
  maxActive: string;
  overbook: string;
  /** The join's proof of work (ALTCHA maxnumber); 0 turns it off. */
  challengeMaxNumber: string;
}

export function fieldsOf(settings: AdmissionSettingsAnswer): SettingsFields {
  return {
    ratePerMinute: String(settings.ratePerMinute),
    maxActive: settings.maxActive === null ? '' : String(settings.maxActive),
    overbook: String(settings.overbook),
    challengeMaxNumber: String(settings.challengeMaxNumber),
  };
}

export type ChangeOrProblem = { ok: true; change: AdmissionChange } | { ok: false; problem: string };

/**
 * Only the fields that differ from the live settings, so an Apply never undoes another operator's
 * change to a field this one did not touch. Ranges are the server's to judge; here only "is it a number".
 */
export function settingsChange(current: AdmissionSettingsAnswer, fields: SettingsFields): ChangeOrProblem {
  const change: AdmissionChange = {};
  const rate = parseNumber(fields.ratePerMinute);
  if (rate === null) return { ok: false, problem: 'Rate per minute must be a number.' };
  if (rate !== current.ratePerMinute) change.ratePerMinute = rate;

  const maxActive = fields.maxActive.trim() === '' ? null : parseNumber(fields.maxActive);
  if (fields.maxActive.trim() !== '' && maxActive === null)
    return { ok: false, problem: 'Max active must be a number, or empty for no cap.' };
  if (maxActive !== current.maxActive) change.maxActive = maxActive;

  const overbook = parseNumber(fields.overbook);
  if (overbook === null) return { ok: false, problem: 'Overbook must be a number (1 or more).' };
  if (overbook !== current.overbook) change.overbook = overbook;

  const challengeMaxNumber = parseNumber(fields.challengeMaxNumber);
  if (challengeMaxNumber === null) return { ok: false, problem: 'Challenge cost must be a number (0 turns the challenge off).' };
  if (challengeMaxNumber !== current.challengeMaxNumber) change.challengeMaxNumber = challengeMaxNumber;
  return { ok: true, change };
}

/** A number typed in a field; null when empty or not a number. */
export function parseNumber(text: string): number | null {
  if (text.trim() === '') return null;
  const value = Number(text);
  return Number.isFinite(value) ? value : null;
}
