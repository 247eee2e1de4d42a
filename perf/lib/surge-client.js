// Child process of surge.ts: plays its share of the surge's shoppers, off the bench's event loop.
// Each shopper does what the page does: GET /api/sale, GET /api/queue/challenge, POST /api/queue
// with a proof, then a socket that waits for its first 'queue:position'. The proofs are solved
// before the surge (prepare), so the clock measures the service, not the hashing. Plain
// CommonJS, so it needs no loader.
const { Buffer } = require('node:buffer');
const { createHash } = require('node:crypto');
const http = require('node:http');
const { monitorEventLoopDelay, performance } = require('node:perf_hooks');
const { setTimeout } = require('node:timers');
const { connectShopper } = require('./engine-io-client');

const REQUEST_TIMEOUT_MS = 60_000;
/** Challenges fetched at once while preparing: a few keep-alive connections do it. */
const PREFETCH_AT_ONCE = 8;

// Same wall clock as the bench process, at sub-millisecond resolution.
const wallNow = () => performance.timeOrigin + performance.now();

/** This process's shoppers: { index, userId, address, proof } from prepare, then their run. */
let shoppers = [];
const sockets = [];
/** Sockets that closed after their shopper was placed (the service dropped them). */
let disconnects = 0;

/**
 * One JSON request on the shopper's agent; resolves to { status, body } or rejects with a code.
 * `onConnected` hears when a new connection's TCP handshake completed.
 */
function call(url, agent, method, path, body, onConnected) {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(`${url}${path}`, {
      method,
      agent,
      headers: payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
      timeout: REQUEST_TIMEOUT_MS,
    });
    if (onConnected) req.once('socket', (socket) => (socket.connecting ? socket.once('connect', onConnected) : onConnected()));
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'timeout' })));
    req.on('error', (error) => reject(error.code ?? error.message));
    req.on('response', (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('error', (error) => reject(error.code ?? error.message));
      res.on('end', () => {
        let parsed = {};
        try {
          parsed = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
        } catch {
          parsed = {};
        }
        resolve({ status: res.statusCode, body: parsed });
      });
    });
    req.end(payload);
  });
}

/** As tests/kit's solveChallenge: brute force with node:crypto, the proof as base64 JSON. */
function solve(challenge) {
  for (let n = 0; n <= challenge.maxnumber; n++) {
    if (createHash('sha256').update(`${challenge.salt}${n}`).digest('hex') === challenge.challenge) {
      const { algorithm, salt, signature } = challenge;
      return Buffer.from(JSON.stringify({ algorithm, challenge: challenge.challenge, number: n, salt, signature })).toString('base64');
    }
  }
  throw new Error('the challenge has no solution within maxnumber');
}

/** Fetches and solves one challenge per shopper, before the surge. */
async function prepare({ url, shoppers: assigned }) {
  shoppers = assigned.map((shopper) => ({ ...shopper, proof: undefined }));
  const agent = new http.Agent({ keepAlive: true, maxSockets: PREFETCH_AT_ONCE });
  let next = 0;
  let solveMs = 0;
  let required = false;
  const lane = async () => {
    while (next < shoppers.length) {
      const shopper = shoppers[next++];
      const answer = await call(url, agent, 'GET', '/api/queue/challenge');
      if (answer.status !== 200) throw new Error(`GET /api/queue/challenge answered ${answer.status}`);
      if (answer.body.required !== true) continue;
      required = true;
      const started = performance.now();
      shopper.proof = solve(answer.body);
      solveMs += performance.now() - started;
    }
  };
  await Promise.all(Array.from({ length: PREFETCH_AT_ONCE }, lane));
  agent.destroy();
  return { type: 'prepared', solved: shoppers.filter((s) => s.proof).length, required, solveMs };
}

const STEPS = ['sale', 'challenge', 'join', 'socket'];

/**
 * One shopper's visit. Times are wall-clock ms; `ends[i]` is when step i finished. `failed` names
 * the step that went wrong, `answers` what each step was told (a status code with its error code,
 * a transport error, or 'ok' for the socket).
 */
async function visit(url, shopper, run, windowOpenMs) {
  const localAddress = shopper.address;
  const at = (name) => (run.ends[STEPS.indexOf(name)] = wallNow());
  // A page keeps one connection for its calls: one keep-alive agent per shopper, from its own address.
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1, localAddress });
  const note = (step, answer) => (run.answers[step] = answer);
  try {
    run.startedAt = wallNow();
    const sale = await call(url, agent, 'GET', '/api/sale', undefined, () => (run.tcpConnectedAt = wallNow()));
    at('sale');
    note('sale', describe(sale));
    if (sale.status !== 200) return (run.failed = 'sale');

    // What the page fetches and would solve; it pays with the proof solved ahead, off the clock.
    const challenge = await call(url, agent, 'GET', '/api/queue/challenge');
    at('challenge');
    note('challenge', describe(challenge));
    if (challenge.status !== 200) return (run.failed = 'challenge');

    const joined = await call(url, agent, 'POST', '/api/queue', {
      userId: shopper.userId,
      ...(shopper.proof === undefined ? {} : { proof: shopper.proof }),
    });
    at('join');
    note('join', describe(joined));
    if (joined.status !== 202 || typeof joined.body.queueToken !== 'string') return (run.failed = 'join');
    // The page would keep this connection idle; the service keeps idle ones 65 s, so holding them
    // would double its descriptors per shopper and run it into its limit (see surge.ts).
    agent.destroy();

    await new Promise((resolve) => {
      let settled = false;
      const settle = (failure) => {
        if (settled) return;
        settled = true;
        if (failure) {
          run.failed = 'socket';
          note('socket', failure);
        } else note('socket', 'ok');
        resolve();
      };
      connectShopper(url, joined.body.queueToken, {
        localAddress,
        timeoutMs: REQUEST_TIMEOUT_MS,
        onEvent: (name, payload) => {
          if (name !== 'queue:position' || run.position !== -1) return;
          at('socket');
          run.position = payload.position;
          settle(null);
        },
        onClose: () => {
          if (run.position === -1) settle('closed before a position');
          else disconnects += 1;
        },
      }).then(
        (socket) => {
          sockets.push(socket);
          run.connectedAt = wallNow();
        },
        (error) => settle(error.message),
      );
      setTimeout(() => settle('no position in time'), windowOpenMs + REQUEST_TIMEOUT_MS).unref();
    });
  } catch (error) {
    const step = STEPS.find((_, i) => Number.isNaN(run.ends[i]));
    run.failed = step;
    note(step, String(error));
  } finally {
    if (run.failed) agent.destroy();
  }
}

const describe = (answer) => `${answer.status}${answer.body?.error?.code ? ` ${answer.body.error.code}` : ''}`;

/**
 * Every shopper of this process visits at its instant (t0 + its index × windowMs / total), so the
 * processes' arrivals interleave evenly over the window. Answers once all are done.
 */
async function surge({ url, t0, windowMs, total }) {
  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  const runs = shoppers.map((shopper) => ({
    index: shopper.index,
    scheduledAt: t0 + (shopper.index * windowMs) / total,
    startedAt: NaN,
    tcpConnectedAt: NaN,
    connectedAt: NaN,
    ends: STEPS.map(() => NaN),
    answers: {},
    failed: null,
    position: -1,
  }));
  const visits = [];
  let next = 0;
  await new Promise((resolve) => {
    const dispatch = () => {
      const now = wallNow();
      while (next < runs.length && runs[next].scheduledAt <= now) {
        const run = runs[next];
        visits.push(visit(url, shoppers[next], run, windowMs));
        next += 1;
      }
      if (next < runs.length) setTimeout(dispatch, Math.max(0, runs[next].scheduledAt - wallNow()));
      else resolve();
    };
    setTimeout(dispatch, Math.max(0, t0 - wallNow()));
  });
  await Promise.all(visits);
  lag.disable();
  return {
    type: 'surged',
    runs,
    disconnects,
    loopLagMs: { p99: lag.percentile(99) / 1e6, max: lag.max / 1e6 },
  };
}

const handlers = {
  prepare,
  surge,
  close: () => {
    for (const socket of sockets) socket.close();
    return { type: 'closed' };
  },
};

process.on('message', (message) => {
  Promise.resolve()
    .then(() => handlers[message.type](message))
    .then(
      (answer) => process.send(answer, () => message.type === 'close' && process.disconnect()),
      (error) => process.send({ type: 'failed', error: String(error?.stack ?? error) }),
    );
});
