// Hooks of the artillery scenarios of `npm run perf`. They record what every virtual user was
// told (joins, admissions, purchases) as JSON lines that perf/perf.ts turns into the audit's
// shopper logs and the report's timings. Plain CommonJS: artillery loads it as it is.
const { Buffer } = require('node:buffer');
const fs = require('node:fs');
const path = require('node:path');
const { clearTimeout, setTimeout } = require('node:timers');
const { threadId } = require('node:worker_threads');
// Both from the root install (npm workspaces), which `npm run perf` builds and runs from: the
// page's own solver (altcha-lib v1, as client/src/shopper/challenge-worker.ts) and its client.
const { solveChallenge: altchaSolve } = require('altcha-lib/v1');
const { io } = require('socket.io-client');

/** A shopper still waiting this long after joining gives up, so a lost push cannot hang the run. */
const WAIT_LIMIT_MS = 60_000;

let eventsFd = null;

/**
 * Appends one event. Each artillery worker thread has its own file, and each line is one
 * synchronous write, so nothing interleaves and nothing is lost when artillery ends a worker.
 */
function record(event) {
  if (eventsFd === null) {
    const dir = process.env.PERF_EVENTS_DIR;
    if (!dir) throw new Error('PERF_EVENTS_DIR is not set: run the scenarios through `npm run perf`');
    eventsFd = fs.openSync(path.join(dir, `events-${process.pid}-${threadId}.jsonl`), 'a');
  }
  fs.writeSync(eventsFd, `${JSON.stringify(event)}\n`);
}

function parseBody(res) {
  try {
    return typeof res.body === 'string' && res.body !== '' ? JSON.parse(res.body) : {};
  } catch {
    return {};
  }
}

/**
 * When the request left and when its answer was complete, in epoch ms, from got's timer: per
 * request, so the ten parallel purchases of one shopper each keep their own.
 */
function timesOf(res) {
  const { start, response, end } = res.timings;
  return { sentAt: start, answeredAt: end ?? response ?? Date.now() };
}

/** This worker's first arrival: how late the others start after it shows what artillery kept up with. */
let firstArrivalAt = null;

/** First step of a visit: when the shopper arrived, for the time to their place in line. */
function arrive(context, events, done) {
  const now = Date.now();
  firstArrivalAt ??= now;
  events.emit('histogram', 'flashsale.arrival_offset', now - firstArrivalAt);
  context.vars.arrivedAt = now;
  context.vars.proof = '';
  return done();
}

/**
 * afterResponse of GET /api/queue/challenge: solves it as the page does (altcha-lib's search with
 * Web Crypto) and keeps the proof for the join. The runner sets the service's cost low, so the
 * solving does not eat the load generator's CPU.
 */
function solveChallenge(req, res, context, events, next) {
  const challenge = parseBody(res);
  if (challenge.required !== true) return next();
  const started = Date.now();
  altchaSolve(challenge.challenge, challenge.salt, challenge.algorithm, challenge.maxnumber).promise.then(
    (solution) => {
      if (!solution) return next(new Error('the challenge has no solution within maxnumber'));
      events.emit('histogram', 'flashsale.challenge_solve', Date.now() - started);
      const { algorithm, salt, signature } = challenge;
      const payload = { algorithm, challenge: challenge.challenge, number: solution.number, salt, signature };
      context.vars.proof = Buffer.from(JSON.stringify(payload)).toString('base64');
      return next();
    },
    (error) => next(error),
  );
}

/** afterResponse of POST /api/queue: the join's timing (fairness is judged on it) and its answer. */
function recordJoin(req, res, context, events, next) {
  const body = parseBody(res);
  const userId = context.vars.userId;
  record({ type: 'join', userId, status: res.statusCode, state: body.state, code: body.error?.code, ...timesOf(res) });
  context.vars.joinAnsweredAt = Date.now();
  if (typeof body.queueToken === 'string') context.vars.queueToken = body.queueToken;
  if (body.state === 'admitted') noteAdmission(context, events, body);
  // Only a shopper the join put in line opens a socket and waits (awaitAdmission).
  context.vars.waitsInLine = body.state === 'waiting';
  return next();
}

function noteAdmission(context, events, { admissionToken, expiresAt }) {
  if (context.vars.admissionToken) return;
  context.vars.admissionToken = admissionToken;
  record({ type: 'admitted', userId: context.vars.userId, admissionToken, expiresAt, at: Date.now() });
  events.emit('counter', 'flashsale.outcome.admitted', 1);
  events.emit('histogram', 'flashsale.admission_wait', Date.now() - context.vars.joinAnsweredAt);
}

/**
 * Function step after the join: opens the shopper's socket with the join's queue token, as the
 * page does, and waits for the push that decides the shopper's fate (`queue:admitted`, or
 * `sale:sold_out` for one never admitted). The first push of where they stand (`queue:position`,
 * or an admission) is their place: the time from arrival to it is the surge's figure. The
 * socket is closed when the wait ends.
 */
function awaitAdmission(context, events, done) {
  if (!context.vars.waitsInLine) return done();
  const socket = io(process.env.PERF_TARGET, {
    auth: { queueToken: context.vars.queueToken },
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    timeout: WAIT_LIMIT_MS,
  });
  events.emit('counter', 'flashsale.socket.opened', 1);
  const placed = () => {
    if (context.vars.placedAt) return;
    context.vars.placedAt = Date.now();
    events.emit('counter', 'flashsale.placed', 1);
    events.emit('histogram', 'flashsale.arrival_to_place', context.vars.placedAt - context.vars.arrivedAt);
  };
  const outcomes = {
    'queue:admitted': 'admitted',
    'sale:sold_out': 'sold_out',
    'sale:ended': 'sale_ended',
    'queue:left': 'left_queue',
    connect_error: 'socket_refused',
    disconnect: 'disconnected',
  };
  let finished = false;
  const finish = (outcome, admission) => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    socket.close();
    if (admission) noteAdmission(context, events, admission);
    else {
      // The sale sold out between the join and the socket: the first push says so, not a place.
      if (!context.vars.placedAt && outcome === 'sold_out') events.emit('counter', 'flashsale.sold_out_before_place', 1);
      record({ type: 'gone', userId: context.vars.userId, outcome, at: Date.now() });
      events.emit('counter', `flashsale.outcome.${outcome}`, 1);
    }
    done();
  };
  socket.on('queue:position', placed);
  for (const [channel, outcome] of Object.entries(outcomes)) {
    socket.on(channel, (payload) => {
      if (outcome === 'admitted') placed();
      finish(outcome, outcome === 'admitted' ? payload : undefined);
    });
  }
  const timer = setTimeout(() => finish('gave_up'), WAIT_LIMIT_MS);
}

/** ifTrue of the purchase: only an admitted shopper buys. */
function isAdmitted(vars) {
  return Boolean(vars.admissionToken);
}

/** afterResponse of POST /api/purchase: the status and the order id of a 201 or a 409. */
function recordPurchase(req, res, context, events, next) {
  const body = parseBody(res);
  record({
    type: 'purchase',
    userId: context.vars.userId,
    status: res.statusCode,
    code: body.error?.code,
    orderId: body.orderId ?? body.error?.orderId,
    ...timesOf(res),
  });
  return next();
}

module.exports = { arrive, solveChallenge, recordJoin, awaitAdmission, isAdmitted, recordPurchase };
