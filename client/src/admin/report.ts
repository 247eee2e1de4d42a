import type { ReportMinute, SaleReportAnswer, SaleStatus } from '@flashsale/common/contract';
import { isRecord } from '../shared/http';

/** The per-minute figures, in the order of report.csv's columns, each as the chart and the table name it. */
export const MINUTE_FIGURES = [
  { key: 'joined', label: 'Joined', colour: '#1f5fbf' },
  { key: 'admitted', label: 'Admitted', colour: '#7a3db8' },
  { key: 'purchased', label: 'Purchased', colour: '#1a7f37' },
  { key: 'expired', label: 'Expired', colour: '#b35900' },
  { key: 'left', label: 'Left', colour: '#6b7280' },
] as const satisfies readonly { key: keyof Omit<ReportMinute, 'at'>; label: string; colour: string }[];

type MinuteFigure = (typeof MINUTE_FIGURES)[number]['key'];
/** One count per figure: a minute's, or the totals'. */
export type MinuteCounts = Record<MinuteFigure, number>;

/** The sale's status as an operator reads it (the schedule and the report). */
export const STATUS_WORDS: Record<SaleStatus, string> = {
  upcoming: 'Not started',
  active: 'On sale',
  sold_out: 'Sold out',
  ended: 'Ended',
};

/**
 * uPlot's columns: the minutes' starts in Unix seconds, then one column per figure. A closing
 * point one minute after the last repeats its values, so a stepped line draws the last minute too.
 */
export function minuteColumns(minutes: readonly ReportMinute[]): [number[], ...number[][]] {
  const last = minutes.at(-1);
  const rows = last ? [...minutes, { ...last, at: new Date(Date.parse(last.at) + 60_000).toISOString() }] : [];
  return [rows.map((minute) => Date.parse(minute.at) / 1000), ...MINUTE_FIGURES.map(({ key }) => rows.map((minute) => minute[key]))];
}

/** Each figure summed over the whole report. */
export function minuteTotals(minutes: readonly ReportMinute[]): MinuteCounts {
  const totals = { joined: 0, admitted: 0, purchased: 0, expired: 0, left: 0 };
  for (const minute of minutes) for (const { key } of MINUTE_FIGURES) totals[key] += minute[key];
  return totals;
}

/** Nothing to chart: no minute recorded, or only quiet ones. */
export function nothingHappened(minutes: readonly ReportMinute[]): boolean {
  return minutes.every((minute) => MINUTE_FIGURES.every(({ key }) => minute[key] === 0));
}

/** A wait as an operator reads it: "0.4 s", "12.3 s", "2 min 5 s", "1 h 3 min". */
export function waitText(seconds: number): string {
  const tenths = Math.round(seconds * 10) / 10;
  if (tenths < 60) return `${tenths.toLocaleString('en', { maximumFractionDigits: 1 })} s`;
  const whole = Math.round(seconds);
  const minutes = Math.floor(whole / 60);
  if (minutes < 60) return `${minutes} min ${whole % 60} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** The minute a row stands for, on the operator's clock: "13:05". */
export function minuteOfDay(iso: string, timeZone: string): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(iso));
}

/**
 * Whether an answer has the report's shape. The console reads its fields without further checks,
 * so a server that answers something else (an older version, a proxy's page) is said in words
 * rather than breaking the whole console.
 */
export function isSaleReport(body: unknown): body is SaleReportAnswer {
  if (!isRecord(body) || !isRecord(body.queueSeconds) || !isRecord(body.outcomes) || !isRecord(body.abuse)) return false;
  return (
    typeof body.status === 'string' &&
    typeof body.conversion === 'number' &&
    Array.isArray(body.minutes) &&
    Array.isArray(body.abuse.blocked) &&
    Array.isArray(body.abuse.topNetworks)
  );
}
