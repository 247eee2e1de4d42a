import { AdmissionRateMeter, estimateWaitSeconds, type AdmissionRegime } from '../../waiting-room/src/domain/eta';

/**
 * The estimate's rules on their own (the real-clock checks are in estimate.test.ts): only time
 * spent admitting is measured, a new stretch (start, resume, new rate) is not trusted until it is
 * long enough, and a line slowed by the inventory cap is estimated at the rate it really moves.
 */
const admittingAt = (ratePerMinute: number): AdmissionRegime => ({ admitting: true, ratePerMinute });
const idle: AdmissionRegime = { admitting: false, ratePerMinute: 600 };

/** Feeds the meter a tick every 250 ms from `from` for `forMs`, admitting `perSecond`. */
function feed(meter: AdmissionRateMeter, from: { at: number; total: number }, forMs: number, perSecond: number, regime: AdmissionRegime) {
  let { at, total } = from;
  for (let t = 0; t <= forMs; t += 250) {
    meter.record(at + t, Math.floor(total + (t * perSecond) / 1000), regime);
  }
  at += forMs;
  total += (forMs * perSecond) / 1000;
  return { at, total };
}

const estimate = (meter: AdmissionRateMeter, position: number, ratePerMinute = 600) =>
  estimateWaitSeconds({ position, inDraw: 0, measuredPerSecond: meter.perSecond(), ratePerMinute, paused: false, msUntilStart: 0 });

test('time before the start is not measured: the first estimate after it is the line at the operator rate', () => {
  const meter = new AdmissionRateMeter();
  const started = feed(meter, { at: 0, total: 0 }, 60_000, 0, idle);
  feed(meter, started, 500, 10, admittingAt(600));
  expect(meter.perSecond()).toBeNull();
  expect(estimate(meter, 190)).toBe(19);
});

test('a resume and a rate change each start a new stretch, with the operator rate standing in until it is measured', () => {
  const meter = new AdmissionRateMeter();
  let now = feed(meter, { at: 0, total: 0 }, 10_000, 10, admittingAt(600));
  expect(meter.perSecond()).toBeCloseTo(10, 0);
  now = feed(meter, now, 5_000, 0, { ...idle, admitting: false });
  now = feed(meter, now, 1_000, 10, admittingAt(600));
  expect(meter.perSecond()).toBeNull();
  expect(estimate(meter, 100)).toBe(10);
  now = feed(meter, now, 1_000, 20, admittingAt(1200));
  expect(meter.perSecond()).toBeNull();
  expect(estimate(meter, 100, 1200)).toBe(5);
  feed(meter, now, 4_000, 20, admittingAt(1200));
  expect(meter.perSecond()).toBeCloseTo(20, 0);
});

test('a line that the inventory cap holds to 2 a second is estimated at 2 a second, not at the operator rate', () => {
  const meter = new AdmissionRateMeter();
  feed(meter, { at: 0, total: 0 }, 10_000, 2, admittingAt(600));
  expect(estimate(meter, 20)).toBe(10);
});

test('in the draw, the estimate is the time to the draw plus the average drawn place', () => {
  const inputs = { position: null, inDraw: 99, measuredPerSecond: null, ratePerMinute: 600, paused: false, msUntilStart: 30_000 };
  expect(estimateWaitSeconds(inputs)).toBe(30 + 5);
});
