import type { QueueAnswer } from '@flashsale/common/contract';
import type { ApiResult } from '../../client/src/shared/http';
import { FIRST_JOURNEY, shopperReducer, type Journey, type JourneyEvent } from '../../client/src/shopper/journey';

// The shopper's journey is a pure reducer: events in, the view and the effects to run out. These
// pin its transitions without a page, a server or a timer.

function run(events: JourneyEvent[], from: Journey = FIRST_JOURNEY) {
  let journey = from;
  const effects = [];
  for (const event of events) {
    const next = shopperReducer(journey, event);
    journey = next.journey;
    effects.push(...next.effects);
  }
  return { journey, effects };
}

const ok = (body: QueueAnswer, status = 202): ApiResult<QueueAnswer> =>
  ({ ok: true, status, body, retryAfterSeconds: null }) as ApiResult<QueueAnswer>;
const busy: ApiResult<QueueAnswer> = { ok: false, status: 503, code: 'unavailable', message: 'busy', retryAfterSeconds: 2, orderId: null };
const waiting = ok({ state: 'waiting', userId: 'ann', position: 3, etaSeconds: 6, queueToken: 'qt' });
const opened: JourneyEvent[] = [{ type: 'pageOpened', place: null }, { type: 'noPlaceToResume' }];

test('a join asks the server, keeps the place, and follows the line', () => {
  const { journey, effects } = run([...opened, { type: 'joinAsked', userId: ' ann ', attempt: 0 }]);
  expect(journey.view.phase).toBe('joining');
  expect(effects).toEqual([{ kind: 'askToJoin', userId: 'ann', attempt: 0 }]);

  const answered = run([{ type: 'joinAnswered', userId: 'ann', result: waiting, attempt: 0 }], journey);
  expect(answered.journey.view.phase).toBe('waiting');
  expect(answered.journey.view.position).toMatchObject({ position: 3, etaSeconds: 6 });
  expect(answered.effects).toEqual([
    { kind: 'keepPlace', place: { queueToken: 'qt', userId: 'ann' } },
    { kind: 'followLine', queueToken: 'qt' },
  ]);
});

test('an empty name is refused on the page, without asking the server', () => {
  const { journey, effects } = run([...opened, { type: 'joinAsked', userId: '  ', attempt: 0 }]);
  expect(journey.view.invalidUserId).toBe(true);
  expect(effects).toEqual([]);
});

test('a busy join is asked again after Retry-After, and given up after eight', () => {
  const again = run([...opened, { type: 'joinAnswered', userId: 'ann', result: busy, attempt: 0 }]);
  expect(again.effects).toEqual([{ kind: 'joinAgainLater', userId: 'ann', attempt: 1, afterSeconds: 2 }]);
  const givenUp = run([...opened, { type: 'joinAnswered', userId: 'ann', result: busy, attempt: 8 }]);
  expect(givenUp.effects).toEqual([]);
  expect(givenUp.journey.view).toMatchObject({ phase: 'idle', outcome: { code: 'error' } });
});

test('an admission starts one purchase, however often it is pushed', () => {
  const inLine = run([...opened, { type: 'joinAnswered', userId: 'ann', result: waiting, attempt: 0 }]).journey;
  const admitted: JourneyEvent = { type: 'admitted', admissionToken: 'jwt', expiresAt: 5_000 };
  const { journey, effects } = run([admitted, admitted], inLine);
  expect(journey.view.phase).toBe('buying');
  expect(effects.filter((effect) => effect.kind === 'buy')).toEqual([{ kind: 'buy', admissionToken: 'jwt', expiresAt: 5_000 }]);
});

test('the sale closing while waiting ends the journey and stops following', () => {
  const inLine = run([...opened, { type: 'joinAnswered', userId: 'ann', result: waiting, attempt: 0 }]).journey;
  const { journey, effects } = run([{ type: 'saleClosed', outcome: 'sold_out' }], inLine);
  expect(journey.view).toMatchObject({ phase: 'done', outcome: { code: 'sold_out' }, position: null });
  expect(effects).toEqual([{ kind: 'stopFollowing' }]);
});

test('a refused queue token drops the place and shows the form again', () => {
  const inLine = run([...opened, { type: 'joinAnswered', userId: 'ann', result: waiting, attempt: 0 }]).journey;
  const { journey, effects } = run([{ type: 'placeRefused' }], inLine);
  expect(journey.place).toBeNull();
  expect(journey.view.phase).toBe('idle');
  expect(effects).toEqual([{ kind: 'forgetPlace' }]);
});

test('the proof of work shows while the join is out, and goes with its answer', () => {
  const joining = run([...opened, { type: 'joinAsked', userId: 'ann', attempt: 0 }]).journey;
  const checking = run([{ type: 'humanCheckStarted' }], joining);
  expect(checking.journey.view).toMatchObject({ phase: 'joining', checkingHuman: true });
  expect(checking.effects).toEqual([]);

  const answered = run([{ type: 'joinAnswered', userId: 'ann', result: waiting, attempt: 0 }], checking.journey);
  expect(answered.journey.view).toMatchObject({ phase: 'waiting', checkingHuman: false });

  // Work that outlives its join (the sale ended meanwhile, say) shows nothing.
  const idle = run([...opened, { type: 'humanCheckStarted' }]).journey;
  expect(idle.view.checkingHuman).toBe(false);
});

test('a barred network ends the wait: the place is dropped and the line no longer followed', () => {
  const inLine = run([...opened, { type: 'joinAnswered', userId: 'ann', result: waiting, attempt: 0 }]).journey;
  const { journey, effects } = run([{ type: 'networkBarred' }], inLine);
  expect(journey.place).toBeNull();
  expect(journey.view).toMatchObject({
    phase: 'idle',
    outcome: { code: 'error', message: expect.stringMatching(/barred/) },
    position: null,
  });
  expect(effects).toEqual([{ kind: 'forgetPlace' }, { kind: 'stopFollowing' }]);
});

test('a barred network leaves a purchase under way to decide for itself', () => {
  const inLine = run([...opened, { type: 'joinAnswered', userId: 'ann', result: waiting, attempt: 0 }]).journey;
  const buying = run([{ type: 'admitted', admissionToken: 'jwt', expiresAt: 5_000 }], inLine).journey;
  const { journey, effects } = run([{ type: 'networkBarred' }], buying);
  expect(journey).toBe(buying);
  expect(effects).toEqual([]);
});
