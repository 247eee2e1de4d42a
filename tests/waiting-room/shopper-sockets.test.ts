import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { QueuePositionEvent } from '@flashsale/common';
import { createQueueTokens } from '@flashsale/waiting-room';
import { ShopperSockets } from '../../waiting-room/src/live/shopper-sockets';
import { eventually, openSocket, type ShopperSocket } from '../kit';

/** The shoppers' sockets alone, on a bare HTTP server: their bookkeeping and what they keep in memory. */
const tokens = createQueueTokens('a-secret-of-at-least-thirty-two-characters', 'sale-1');
let server: Server;
let sockets: ShopperSockets;
let url: string;
const clients: ShopperSocket[] = [];

beforeEach(async () => {
  server = createServer();
  // Greets every socket with position 5, as the greeting would for someone fifth in line.
  sockets = new ShopperSockets(tokens, (socket) => {
    socket.emit('queue:position', { position: 5, etaSeconds: 50, waiting: 5 });
    return Promise.resolve(5);
  });
  sockets.attach(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  sockets.close();
  await new Promise((resolve) => server.close(resolve));
});

async function connect(userId: string): Promise<Array<number | null>> {
  const heard: Array<number | null> = [];
  clients.push(await openSocket(url, tokens.sign(userId), (socket) => socket.on('queue:position', (event) => heard.push(event.position))));
  await eventually(() => heard.length === 1, 2_000, 'the position at connect');
  return heard;
}

const moved = (userId: string, position: number) => ({
  userId,
  event: { position, etaSeconds: position * 10, waiting: 5 } satisfies QueuePositionEvent,
});

test('a shopper with two tabs hears each new position on both, and departs only when the last one closes', async () => {
  const first = await connect('ann');
  const second = await connect('ann');
  const bob = await connect('bob');
  expect(sockets.waitingShoppers().sort()).toEqual(['ann', 'bob']);

  await sockets.pushPositions([moved('ann', 4), moved('bob', 5)]);
  await eventually(() => first.length === 2 && second.length === 2, 2_000, 'both tabs hear 4');
  expect([first, second]).toEqual([
    [5, 4],
    [5, 4],
  ]);
  expect(bob).toEqual([5]); // no change, no push

  clients[0]?.close();
  await eventually(() => sockets.connectedSockets === 2, 2_000, 'one tab closed');
  expect(sockets.takeDeparted()).toEqual([]);
  await sockets.pushPositions([moved('ann', 3)]);
  await eventually(() => second.length === 3, 2_000, 'the other tab hears 3');

  clients[1]?.close();
  await eventually(() => sockets.connectedSockets === 1, 2_000, 'both tabs closed');
  expect(sockets.takeDeparted()).toEqual(['ann']);
  expect(sockets.waitingShoppers()).toEqual(['bob']);
});

test("a socket keeps neither its handshake's HTTP request nor its queue token", async () => {
  const requests: Array<WeakRef<IncomingMessage>> = [];
  server.on('upgrade', (request: IncomingMessage) => requests.push(new WeakRef(request)));
  await connect('ann');

  const [socket] = sockets.io.of('/').sockets.values();
  expect(socket?.request).toBeNull();
  expect(socket?.handshake.auth).toEqual({});
  // Nothing else holds the request either (engine.io's stand-in response did, until the socket closed).
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  await eventually(
    () => {
      gc();
      return requests.length === 1 && requests[0]?.deref() === undefined;
    },
    2_000,
    'the request collected',
  );
});
