import { ServerResponse, type IncomingMessage, type Server as HttpServer } from 'node:http';
import { Server, type ServerOptions, type Socket } from 'socket.io';
import {
  isSameOrigin,
  type ClientToServerEvents,
  type ConnectErrorData,
  type QueuePositionEvent,
  type ServerToClientEvents,
} from '@flashsale/common';
import type { QueueTokens } from '../domain/queue-token';

interface SocketData {
  userId: string;
}

export type ShopperServer = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
export type ShopperSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

/** A shopper with at least one socket on this instance. */
interface LocalShopper {
  /** Usually one (an array, lighter than a Set): a page per tab. */
  sockets: ShopperSocket[];
  /** The last position pushed; -1 before the first look; 0 once they no longer wait; null while in the draw. */
  position: number | null;
}

/**
 * Tells a shopper who just connected where they stand; resolves to the position they were told
 * (0: they no longer wait), or undefined when that could not be looked up.
 */
export type Greeting = (socket: ShopperSocket) => Promise<number | null | undefined>;

/** Every room of one shopper is named after them, so a push from any instance finds them. */
export const shopperRoom = (userId: string) => `user:${userId}`;

/** How many sockets get their push before the event loop gets a turn (HTTP keeps answering). */
const EMIT_SLICE = 1_000;

/**
 * The shoppers' sockets on this instance. A socket authenticates with its queue token at
 * connect and joins its shopper's room. Positions are pushed to local sockets only (each
 * instance computes them for its own shoppers); `queue:admitted` goes through the adapter, since
 * the instance that admits a shopper may not hold their socket.
 */
export class ShopperSockets {
  readonly io: ShopperServer;
  private readonly shoppers = new Map<string, LocalShopper>();
  /** Waiting shoppers whose last socket here closed since the last takeDeparted(). */
  private departed = new Set<string>();
  /** One listener for every socket's 'disconnect' (called with the socket as `this`), not a closure each. */
  private readonly onDisconnect: (this: ShopperSocket) => void;

  /**
   * With several instances, pass the Redis adapter so pushes reach shoppers on any instance.
   * `greet` runs at each connect.
   */
  constructor(
    queueTokens: QueueTokens,
    private readonly greet: Greeting,
    adapter?: ServerOptions['adapter'],
  ) {
    this.io = new Server({
      ...(adapter && { adapter }),
      serveClient: false,
      cors: { origin: false },
      // Same-origin only, as the API: a WebSocket handshake is not bound by CORS, so check Origin here.
      allowRequest: (req, answer) => {
        const origin = req.headers.origin;
        answer(null, origin === undefined || isSameOrigin(origin, req.headers.host));
      },
    });
    this.io.use((socket, next) => {
      const token = (socket.handshake.auth as { queueToken?: unknown }).queueToken;
      const userId = typeof token === 'string' ? queueTokens.verify(token) : null;
      if (userId === null) {
        const refusal = new Error('invalid_token') as Error & { data: ConnectErrorData };
        refusal.data = { code: 'invalid_token' };
        return next(refusal);
      }
      socket.data.userId = userId;
      // The handshake lives as long as the socket: keep the userId, not the token it came in.
      delete (socket.handshake.auth as { queueToken?: unknown }).queueToken;
      next();
    });
    this.io.on('connection', (socket) => this.connected(socket));
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the listener's own `this` is the socket
    const sockets = this;
    this.onDisconnect = function () {
      sockets.disconnected(this);
    };
  }

  /** Starts taking connections on the HTTP server. */
  attach(httpServer: HttpServer): void {
    this.io.attach(httpServer);
    forgetHandshakeRequests(this.io.engine);
  }

  get connectedSockets(): number {
    return this.io.of('/').sockets.size;
  }

  /** Shoppers here who still wait, as far as the last push knows. */
  waitingShoppers(): string[] {
    const waiting: string[] = [];
    for (const [userId, shopper] of this.shoppers) if (shopper.position !== 0) waiting.push(userId);
    return waiting;
  }

  /**
   * Pushes each shopper's new position to their sockets here, only where it changed. Large
   * batches are sliced so the event loop keeps serving requests between slices.
   */
  async pushPositions(updates: Array<{ userId: string; event: QueuePositionEvent }>): Promise<void> {
    let sent = 0;
    for (const { userId, event } of updates) {
      const shopper = this.shoppers.get(userId);
      if (!shopper || shopper.position === event.position) continue;
      shopper.position = event.position;
      if (event.position === 0) continue;
      for (const socket of shopper.sockets) socket.emit('queue:position', event);
      sent += shopper.sockets.length;
      if (sent >= EMIT_SLICE) {
        sent = 0;
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
  }

  /**
   * The waiting shoppers whose last socket here closed since the last call: their presence grace
   * counts from about now, so the next lease renewal includes them once more.
   */
  takeDeparted(): string[] {
    const departed = [...this.departed];
    this.departed.clear();
    return departed;
  }

  /** A shopper no longer waits here (admitted, bought, or the sale closed for them). */
  stopWaiting(userId: string): void {
    const shopper = this.shoppers.get(userId);
    if (shopper) shopper.position = 0;
  }

  private connected(socket: ShopperSocket): void {
    const { userId } = socket.data;
    let shopper = this.shoppers.get(userId);
    if (!shopper) {
      // Counted as waiting until the first look says otherwise.
      shopper = { sockets: [], position: -1 };
      this.shoppers.set(userId, shopper);
    }
    shopper.sockets.push(socket);
    void socket.join(shopperRoom(userId));
    socket.on('disconnect', this.onDisconnect);
    const greeted = shopper;
    void this.greet(socket).then((position) => {
      if (position !== undefined && this.shoppers.get(userId) === greeted) greeted.position = position;
    });
  }

  private disconnected(socket: ShopperSocket): void {
    const { userId } = socket.data;
    const shopper = this.shoppers.get(userId);
    const index = shopper?.sockets.indexOf(socket) ?? -1;
    if (!shopper || index === -1) return;
    shopper.sockets.splice(index, 1);
    if (shopper.sockets.length === 0) {
      this.shoppers.delete(userId);
      if (shopper.position !== 0) this.departed.add(userId);
    }
  }

  /**
   * Closes every connection here, leaving the HTTP server to its owner. Closing the transports
   * (not a Socket.IO disconnect, after which a client stays away) makes every page reconnect by
   * itself, through the load balancer to another instance, and catch up there. Local only: a
   * disconnectSockets through the Redis adapter would end every instance's sockets.
   */
  close(): void {
    this.io.engine.close();
  }
}

/**
 * Engine.IO keeps each connection's handshake HTTP request (its headers, raw headers and stream
 * state: about 1.4 KB) as long as the socket lives, twice over: as the connection's `request`,
 * and, for a WebSocket, inside the stand-in response its middlewares get, which a 'close' listener
 * on the TCP socket holds. Nothing here reads it after allowRequest (the connect middleware reads
 * the handshake's auth, which Socket.IO builds without it), so both are let go: Socket.IO's
 * documented `rawSocket.request = null` alone would free nothing.
 */
function forgetHandshakeRequests(engine: ShopperServer['engine']): void {
  // Registered last, so every other middleware (CORS) is done with the response.
  engine.use((req: IncomingMessage, res: ServerResponse | { req: unknown }, next: (error?: unknown) => void) => {
    if (!(res instanceof ServerResponse)) res.req = null; // an upgrade: ws answers it, not this stand-in
    next();
  });
  engine.on('connection', (raw: { request: unknown }) => {
    raw.request = null;
  });
}
