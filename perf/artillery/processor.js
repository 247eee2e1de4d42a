// Hooks of the artillery scenarios of `npm run perf`. They record what every virtual user was
// told (joins, admissions, purchases) as JSON lines that perf/perf.ts turns into the audit's
// shopper logs and the report's timings. Plain CommonJS: artillery loads it as it is.
const fs = require('node:fs');
const path = require('node:path');
const { clearTimeout, setTimeout } = require('node:timers');
const { threadId } = require('node:worker_threads');

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

/** afterResponse of POST /api/queue: the join's timing (fairness is judged on it) and its answer. */
function recordJoin(req, res, context, events, next) {
  const body = parseBody(res);
  const userId = context.vars.userId;
  record({ type: 'join', userId, status: res.statusCode, state: body.state, code: body.error?.code, ...timesOf(res) });
  context.vars.joinAnsweredAt = Date.now();
  if (typeof body.queueToken === 'string') context.vars.queueToken = body.queueToken;
  if (body.state === 'admitted') noteAdmission(context, events, body);
  // The count of the scenario's wait loop: only a shopper the join put in line opens a socket and waits.
  context.vars.waitsInLine = body.state === 'waiting' ? 1 : 0;
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
 * Function step right after the `emit` that opened the shopper's socket: waits for the push that
 * decides the shopper's fate. The engine's own `response` cannot: it listens on one channel only
 * (a shopper who is never admitted hears `sale:sold_out` instead), and it completes early only
 * when the pushed data equals what the script predicted, which a signed token never does.
 * Registered synchronously in the same turn as the socket's `connect`, so even the push sent at
 * connect (an admission granted before the socket came up) is heard.
 */
function awaitAdmission(context, events, done) {
  const socket = context.sockets?.['/'];
  if (!socket) return done(new Error('awaitAdmission runs after an emit on namespace "/"'));
  if (context.vars.admissionToken) return done();
  const outcomes = {
    'queue:admitted': 'admitted',
    'sale:sold_out': 'sold_out',
    'sale:ended': 'sale_ended',
    'queue:left': 'left_queue',
    disconnect: 'disconnected',
  };
  const listeners = {};
  const finish = (outcome, admission) => {
    clearTimeout(timer);
    for (const [channel, listener] of Object.entries(listeners)) socket.off(channel, listener);
    if (admission) noteAdmission(context, events, admission);
    else {
      record({ type: 'gone', userId: context.vars.userId, outcome, at: Date.now() });
      events.emit('counter', `flashsale.outcome.${outcome}`, 1);
    }
    done();
  };
  for (const [channel, outcome] of Object.entries(outcomes)) {
    listeners[channel] = (payload) => finish(outcome, outcome === 'admitted' ? payload : undefined);
    socket.on(channel, listeners[channel]);
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

module.exports = { recordJoin, awaitAdmission, isAdmitted, recordPurchase };
