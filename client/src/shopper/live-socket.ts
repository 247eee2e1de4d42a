import { io, type Socket } from 'socket.io-client';
import type {
  ClientToServerEvents,
  QueueAdmittedEvent,
  QueueLeftEvent,
  QueuePositionEvent,
  SaleStatusEvent,
  ServerToClientEvents,
  SocketAuth,
} from '@flashsale/common/contract';

export interface LiveHandlers {
  position(event: QueuePositionEvent): void;
  admitted(event: QueueAdmittedEvent): void;
  saleStatus(event: SaleStatusEvent): void;
  soldOut(): void;
  ended(): void;
  /** The place is gone: a long absence, found gone at connect, or the shopper's network barred. */
  left(reason: QueueLeftEvent['reason']): void;
  /** The server refused the queue token: the place is gone. */
  rejected(): void;
  /** Connected again after a drop: pushes may have been missed. */
  reconnected(): void;
  connection(connected: boolean): void;
}

export interface LiveConnection {
  close(): void;
}

export type ConnectLive = (queueToken: string, handlers: LiveHandlers) => LiveConnection;

/** Socket.IO on the page's own origin; socket.io-client reconnects with backoff by itself. */
export const connectLive: ConnectLive = (queueToken, handlers) => {
  const auth: SocketAuth = { queueToken };
  const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io({ auth, reconnectionDelayMax: 10_000 });
  let connectedBefore = false;

  socket.on('connect', () => {
    handlers.connection(true);
    if (connectedBefore) handlers.reconnected();
    connectedBefore = true;
  });
  socket.on('disconnect', (reason) => {
    handlers.connection(false);
    // The client retries by itself after a lost transport, but not after the server ended the session.
    if (reason === 'io server disconnect') socket.connect();
  });
  socket.on('connect_error', (error) => {
    handlers.connection(false);
    // A refused token does not retry by itself (the middleware refused it); anything else does.
    if (error.message === 'invalid_token') {
      socket.close();
      handlers.rejected();
    }
  });
  socket.on('queue:position', (event) => handlers.position(event));
  socket.on('queue:admitted', (event) => handlers.admitted(event));
  socket.on('sale:status', (event) => handlers.saleStatus(event));
  socket.on('sale:sold_out', () => handlers.soldOut());
  socket.on('sale:ended', () => handlers.ended());
  socket.on('queue:left', (event) => handlers.left(event.reason));

  return { close: () => socket.close() };
};
