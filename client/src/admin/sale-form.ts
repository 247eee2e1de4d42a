import type { SaleAnswer, SaleStatus } from '@flashsale/common/contract';
import type { SaleChange } from './admin-api';
import { isoOfLocalInput, localInputOf } from './local-time';
import { parseNumber } from './settings-form';

/** The schedule form's fields as typed: datetime-local text on the operator's clock, the stock as text. */
export interface ScheduleFields {
  startsAt: string;
  endsAt: string;
  stock: string;
}

export type ScheduleField = keyof ScheduleFields;

const ALL: ReadonlySet<ScheduleField> = new Set(['startsAt', 'endsAt', 'stock']);
const END_ONLY: ReadonlySet<ScheduleField> = new Set(['endsAt']);
const NONE: ReadonlySet<ScheduleField> = new Set();

/** What the SPEC lets an operator move: everything before the start, the end while active, nothing after. */
export function movableFields(status: SaleStatus): ReadonlySet<ScheduleField> {
  if (status === 'upcoming') return ALL;
  return status === 'active' ? END_ONLY : NONE;
}

export function scheduleFieldsOf(sale: SaleAnswer, timeZone: string): ScheduleFields {
  return {
    startsAt: localInputOf(sale.startsAt, timeZone),
    endsAt: localInputOf(sale.endsAt, timeZone),
    stock: String(sale.stock.total),
  };
}

type ScheduleChangeOrProblem = { ok: true; change: SaleChange } | { ok: false; problem: string };

/**
 * Only what differs from the live sale and the sale still lets move: a field left as shown is never
 * sent. The rules (end after start, a whole stock, not into the past) are the server's to judge and
 * to explain; here only "is it a date", "is it a number".
 */
export function scheduleChange(sale: SaleAnswer, fields: ScheduleFields, timeZone: string): ScheduleChangeOrProblem {
  const live = scheduleFieldsOf(sale, timeZone);
  const movable = movableFields(sale.status);
  const changed = (field: ScheduleField) => movable.has(field) && fields[field].trim() !== live[field];
  const change: SaleChange = {};

  for (const [field, name] of [
    ['startsAt', 'start'],
    ['endsAt', 'end'],
  ] as const) {
    if (!changed(field)) continue;
    const iso = isoOfLocalInput(fields[field], timeZone);
    if (iso === null) return { ok: false, problem: `The ${name} must be a date and a time.` };
    change[field] = iso;
  }

  if (changed('stock')) {
    const stock = parseNumber(fields.stock);
    if (stock === null) return { ok: false, problem: 'The stock must be a number.' };
    change.stock = stock;
  }
  return { ok: true, change };
}
