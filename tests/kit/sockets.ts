import { io as connectSocket, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '@flashsale/common';

export type ShopperSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/**
 * A shopper's socket, connected (or refused) over WebSocket. `listen` attaches the listeners
 * before connecting: the pushes sent at connect may arrive in the same read as the handshake.
 */
export function openSocket(url: string, queueToken: string, listen?: (socket: ShopperSocket) => void): Promise<ShopperSocket> {
  const socket: ShopperSocket = connectSocket(url, {
    auth: { queueToken },
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    autoConnect: false,
  });
  listen?.(socket);
  socket.connect();
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (error) => {
      socket.close();
      reject(error);
    });
  });
}

/** A fixture for the test file: the sockets a test pushes here are closed after it. */
export function useSockets(): ShopperSocket[] {
  const sockets: ShopperSocket[] = [];
  afterEach(() => {
    for (const socket of sockets.splice(0)) socket.close();
  });
  return sockets;
}
