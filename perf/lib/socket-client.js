// Child process of sockets.ts: holds its share of the shoppers' sockets, off the bench's event
// loop, and notes when each one's 'queue:position' arrives. Plain CommonJS, so it needs no loader.
const { performance } = require('node:perf_hooks');
const { io } = require('socket.io-client');

/** Handshakes in flight at once: enough to connect quickly, few enough not to time out. */
const CONNECTING_AT_ONCE = 100;
const CONNECT_TIMEOUT_MS = 30_000;

// Same wall clock as the bench process, at sub-millisecond resolution.
const wallNow = () => performance.timeOrigin + performance.now();

/** One per socket: the last position heard, and what the current round expects and got. */
const shoppers = [];
let armed = false;
let disconnects = 0;

function connectOne(url, queueToken) {
  return new Promise((resolve) => {
    const shopper = { position: -1, expected: NaN, got: NaN, arrivedAt: NaN, socket: null };
    const socket = io(url, {
      auth: { queueToken },
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
      timeout: CONNECT_TIMEOUT_MS,
    });
    shopper.socket = socket;
    socket.on('queue:position', (event) => {
      const now = wallNow();
      if (armed && Number.isNaN(shopper.arrivedAt)) {
        shopper.arrivedAt = now;
        shopper.got = event.position;
      }
      // The first position is pushed at connect: the socket is ready only once it has it.
      if (shopper.position === -1) resolve(null);
      shopper.position = event.position;
    });
    socket.on('disconnect', () => (disconnects += 1));
    socket.once('connect_error', (error) => resolve(error.message));
    shoppers.push(shopper);
  });
}

async function connectAll({ url, tokens }) {
  const errors = {};
  let next = 0;
  const lane = async () => {
    while (next < tokens.length) {
      const error = await connectOne(url, tokens[next++]);
      if (error !== null) errors[error] = (errors[error] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: CONNECTING_AT_ONCE }, lane));
  return { type: 'connected', ready: shoppers.filter((s) => s.position !== -1).length, errors };
}

/** Starts a round: every socket now expects its position to drop by one. */
function arm() {
  for (const shopper of shoppers) Object.assign(shopper, { expected: shopper.position - 1, got: NaN, arrivedAt: NaN });
  armed = true;
  return { type: 'armed' };
}

/** Ends a round: when each socket heard, and how many heard a position other than expected. */
function collect() {
  armed = false;
  const ready = shoppers.filter((s) => s.position !== -1);
  const wrong = ready.filter((s) => !Number.isNaN(s.got) && s.got !== s.expected).length;
  return { type: 'collected', arrivals: ready.map((s) => s.arrivedAt), wrong, disconnects };
}

const handlers = {
  connect: connectAll,
  arm,
  collect,
  close: () => {
    for (const shopper of shoppers) shopper.socket.close();
    return { type: 'closed' };
  },
};

process.on('message', (message) => {
  Promise.resolve(handlers[message.type](message)).then((answer) =>
    // Once closed, leaving the IPC channel lets the process end by itself.
    process.send(answer, () => message.type === 'close' && process.disconnect()),
  );
});
