/**
 * The operator reads and types the sale's times on their own wall clock (a datetime-local input),
 * and the server wants instants with a zone. These convert between the two for a named IANA zone,
 * the browser's unless told otherwise, so a test can pin a zone that is not UTC.
 */

/** The zone the operator's browser reads times in, such as Europe/Paris. */
export function browserTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const partsFormats = new Map<string, Intl.DateTimeFormat>();

function wallClockAt(instant: number, timeZone: string): WallClock {
  let format = partsFormats.get(timeZone);
  if (!format) {
    const numeric = 'numeric' as const;
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: numeric,
      month: numeric,
      day: numeric,
      hour: numeric,
      minute: numeric,
      second: numeric,
    });
    partsFormats.set(timeZone, format);
  }
  const parts = format.formatToParts(new Date(instant));
  const part = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === type)?.value);
  return { year: part('year'), month: part('month'), day: part('day'), hour: part('hour'), minute: part('minute'), second: part('second') };
}

/** The wall clock read as if it were UTC (setUTCFullYear, so years below 100 stay themselves). */
function asUtc(wall: WallClock): number {
  const date = new Date(0);
  date.setUTCFullYear(wall.year, wall.month - 1, wall.day);
  date.setUTCHours(wall.hour, wall.minute, wall.second, 0);
  return date.getTime();
}

/** How far the zone's wall clock is ahead of UTC at that instant, in ms. */
function offsetAt(instant: number, timeZone: string): number {
  const whole = Math.floor(instant / 1000) * 1000;
  return asUtc(wallClockAt(whole, timeZone)) - whole;
}

const pad = (n: number, width = 2) => String(Math.abs(n)).padStart(width, '0');

function dateAndTime(wall: WallClock): string {
  return `${pad(wall.year, 4)}-${pad(wall.month)}-${pad(wall.day)}T${pad(wall.hour)}:${pad(wall.minute)}`;
}

/** An instant as a datetime-local input shows it in the zone; seconds only when it has some. */
export function localInputOf(iso: string, timeZone: string): string {
  const wall = wallClockAt(Date.parse(iso), timeZone);
  const text = dateAndTime(wall);
  return wall.second === 0 ? text : `${text}:${pad(wall.second)}`;
}

const LOCAL_INPUT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?$/;

/**
 * A datetime-local value read on the zone's wall clock, as an ISO-8601 instant with that zone's
 * offset (2030-01-01T13:00:00+01:00); null when it is not a real date and time.
 */
export function isoOfLocalInput(text: string, timeZone: string): string | null {
  const match = LOCAL_INPUT.exec(text.trim());
  if (!match) return null;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map((n) => Number(n ?? 0)) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const wall: WallClock = { year, month, day, hour, minute, second };
  const guess = asUtc(wall);
  const check = new Date(guess);
  // 2030-02-30 or 25:00 roll over into another day: not a date the operator meant.
  if (check.getUTCDate() !== day || check.getUTCMonth() !== month - 1 || hour > 23 || minute > 59 || second > 59) return null;
  // The offset depends on the instant; a second look settles the hours beside a daylight-saving change.
  const instant = guess - offsetAt(guess - offsetAt(guess, timeZone), timeZone);
  return isoWithOffset(instant, timeZone);
}

function isoWithOffset(instant: number, timeZone: string): string {
  const wall = wallClockAt(instant, timeZone);
  const minutes = Math.round(offsetAt(instant, timeZone) / 60_000);
  const sign = minutes < 0 ? '-' : '+';
  return `${dateAndTime(wall)}:${pad(wall.second)}${sign}${pad(Math.trunc(minutes / 60))}:${pad(minutes % 60)}`;
}

/** An instant as an operator reads it: "Tue, 1 Jan 2030, 13:00:00" on the zone's clock. */
export function readableInstant(iso: string, timeZone: string): string {
  return new Intl.DateTimeFormat('en-GB', {
    timeZone,
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).format(new Date(iso));
}
