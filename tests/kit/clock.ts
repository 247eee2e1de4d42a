import type { Clock } from '@flashsale/common';

/** A fixed instant the tests stand at, far from any real clock, so nothing depends on the date. */
export const T0 = Date.parse('2030-01-01T12:00:00.000Z');

/** A clock the test moves by hand. */
export function manualClock(start = T0): Clock & { set: (ms: number) => void; advance: (ms: number) => void } {
  let now = start;
  const clock = () => now;
  clock.set = (ms: number) => {
    now = ms;
  };
  clock.advance = (ms: number) => {
    now += ms;
  };
  return clock;
}
