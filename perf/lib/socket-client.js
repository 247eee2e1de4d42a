// Child process of sockets.ts: holds its share of the shoppers' sockets, off the bench's event
// loop, and notes when each one's 'queue:position' arrives. Each socket is a bare WebSocket
// speaking Socket.IO's wire protocol (engine-io-client.js), a fraction of socket.io-client's
// memory and CPU, so one process holds up to the file-descriptor limit and the clients take
// little of the cores the service is measured on. Plain CommonJS, so it needs no loader.
const { performance } = require('node:perf_hooks');
const { setTimeout, clearTimeout } = require('node:timers');
const { connectShopper } = require('./engine-io-client');

/** Handshakes in flight at once: enough to connect quickly, few enough not to time out. */
const CONNECTING_AT_ONCE = 100;
const CONNECT_TIMEOUT_MS = 30_000;

// Same wall clock as the bench process, at sub-millisecond resolution.
const wallNow = () => performance.timeOrigin + performance.now();

/**
 * One slot per socket, in typed arrays rather than an object each: the last position heard (-1
 * before the first, 0 before the draw), and what the current round expects and got.
 */
let position = new Int32Array(0);
let expected = new Int32Array(0);
let got = new Int32Array(0);
let arrivedAt = new Float64Array(0);
let handles = [];
/** Which service instance each slot's socket is on (an index into the URLs). */
let instanceOf = new Uint8Array(0);
let armed = false;
let disconnects = 0;
/** Pushes whose position was higher than the one before (the SPEC: positions never rise). */
let rises = 0;

/** Per slot, while its socket waits for the position pushed at connect: what settles that wait. */
let waiters = [];

function connectOne(slot, url, queueToken, localAddress) {
  const onEvent = (name, event) => {
    if (name !== 'queue:position') return;
    const now = wallNow();
    const heard = event.position ?? 0;
    if (armed && Number.isNaN(arrivedAt[slot])) {
      arrivedAt[slot] = now;
      got[slot] = heard;
    }
    if (position[slot] > 0 && heard > position[slot]) rises += 1;
    position[slot] = heard;
    waiters[slot]?.(null);
  };
  // The first position is pushed at connect, just after the acceptance: ready once it is heard.
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve('no position pushed at connect'), CONNECT_TIMEOUT_MS);
    waiters[slot] = (error) => {
      clearTimeout(timer);
      waiters[slot] = undefined;
      resolve(error);
    };
    connectShopper(url, queueToken, { onEvent, onClose: () => (disconnects += 1), localAddress, timeoutMs: CONNECT_TIMEOUT_MS }).then(
      (handle) => (handles[slot] = handle),
      (error) => waiters[slot]?.(error.message),
    );
  });
}

/**
 * Connects every token to its instance's URL (`urls[instance[i]]`), `perAddress` sockets from
 * each source address in turn (`addresses`), `CONNECTING_AT_ONCE` handshakes in flight.
 */
async function connectAll({ urls, instance, tokens, addresses, perAddress }) {
  const count = tokens.length;
  position = new Int32Array(count).fill(-1);
  expected = new Int32Array(count);
  got = new Int32Array(count);
  arrivedAt = new Float64Array(count).fill(NaN);
  handles = new Array(count).fill(null);
  instanceOf = instance;
  waiters = new Array(count);
  const errors = {};
  let next = 0;
  const lane = async () => {
    while (next < count) {
      const slot = next++;
      const address = addresses[Math.floor(slot / perAddress) % addresses.length];
      const error = await connectOne(slot, urls[instance[slot]], tokens[slot], address);
      if (error !== null) errors[error] = (errors[error] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: CONNECTING_AT_ONCE }, lane));
  // Ready: connected and heard its first position; counted per instance.
  const ready = urls.map(() => 0);
  for (let slot = 0; slot < count; slot++) if (position[slot] !== -1) ready[instance[slot]] += 1;
  return { type: 'connected', ready, errors };
}

/** Starts a round: every socket now expects its position to drop by one. */
function arm() {
  for (let slot = 0; slot < position.length; slot++) {
    expected[slot] = position[slot] - 1;
    got[slot] = 0;
    arrivedAt[slot] = NaN;
  }
  armed = true;
  return { type: 'armed' };
}

/** Ends a round: when each ready socket heard, and how many heard a position other than expected. */
function collect() {
  armed = false;
  const arrivals = [];
  const instances = [];
  let wrong = 0;
  for (let slot = 0; slot < position.length; slot++) {
    if (position[slot] === -1) continue;
    arrivals.push(arrivedAt[slot]);
    instances.push(instanceOf[slot]);
    if (!Number.isNaN(arrivedAt[slot]) && got[slot] !== expected[slot]) wrong += 1;
  }
  return {
    type: 'collected',
    arrivals: Float64Array.from(arrivals),
    instances: Uint8Array.from(instances),
    wrong,
    disconnects,
    rises,
  };
}

const handlers = {
  connect: connectAll,
  arm,
  collect,
  close: () => {
    for (const handle of handles) handle?.terminate();
    return { type: 'closed' };
  },
};

process.on('message', (message) => {
  Promise.resolve(handlers[message.type](message)).then((answer) =>
    // Once closed, leaving the IPC channel lets the process end by itself.
    process.send(answer, () => message.type === 'close' && process.disconnect()),
  );
});
