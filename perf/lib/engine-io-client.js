// A shopper's socket at a fraction of socket.io-client's cost: one WebSocket speaking the
// Engine.IO v4 / Socket.IO v5 wire protocol directly, so one bench process holds tens of
// thousands. Plain CommonJS, so the benches' child processes load it without a loader.
const { setTimeout, clearTimeout } = require('node:timers');
const WebSocket = require('ws');

// Engine.IO packet types (first character of a frame), and Socket.IO's inside a message.
const OPEN = '0';
const CLOSE = '1';
const PING = '2';
const PONG = '3';
const MESSAGE = '4';
const CONNECT = '0';
const DISCONNECT = '1';
const EVENT = '2';
const CONNECT_ERROR = '4';

/**
 * Opens one socket to the default namespace with `auth: { queueToken }`, as the page does.
 * Resolves once the server accepted it; rejects with the connect_error's message (for example
 * 'invalid_token') or the transport's error ('timeout' when neither came in `timeoutMs`).
 * `onEvent(name, payload)` hears every event after (and those that arrive with the acceptance);
 * `onClose()` is called once when an accepted socket closes, whichever side closed it.
 * `localAddress` picks the source address (any 127.x.y.z), so one process can open more
 * connections to one port than one address has ephemeral ports.
 */
function connectShopper(url, queueToken, { onEvent, onClose, localAddress, timeoutMs = 30_000 } = {}) {
  const target = `${url.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`;
  const ws = new WebSocket(target, { localAddress, perMessageDeflate: false, handshakeTimeout: timeoutMs });
  return new Promise((resolve, reject) => {
    /** 'connecting' until accepted or refused; then 'open' or 'failed'; 'closed' once an open one ends. */
    let state = 'connecting';
    const fail = (message) => {
      if (state !== 'connecting') return;
      state = 'failed';
      clearTimeout(timer);
      ws.terminate();
      reject(new Error(message));
    };
    const closed = () => {
      if (state !== 'open') return;
      state = 'closed';
      onClose?.();
    };
    const timer = setTimeout(() => fail('timeout'), timeoutMs);
    ws.on('error', (error) => fail(error.code ?? error.message));
    ws.on('close', () => {
      fail('closed before connect');
      closed();
    });
    ws.on('message', (data) => {
      const frame = data.toString();
      const type = frame[0];
      if (type === PING) return ws.send(PONG);
      if (type === OPEN) return ws.send(`${MESSAGE}${CONNECT}${JSON.stringify({ queueToken })}`);
      if (type === CLOSE) return ws.terminate();
      if (type !== MESSAGE) return;
      const kind = frame[1];
      if (kind === EVENT) {
        // '42' [ack id] [name, payload]: the default namespace has no prefix.
        const [name, payload] = JSON.parse(frame.slice(frame.indexOf('[')));
        onEvent?.(name, payload);
      } else if (kind === CONNECT && state === 'connecting') {
        state = 'open';
        clearTimeout(timer);
        resolve({ close: () => ws.close(), terminate: () => ws.terminate() });
      } else if (kind === CONNECT_ERROR) {
        fail(JSON.parse(frame.slice(2)).message ?? 'connect_error');
      } else if (kind === DISCONNECT) {
        // The server ended the Socket.IO session: the page would not reconnect by itself either.
        ws.terminate();
      }
    });
  });
}

module.exports = { connectShopper };
