import { connect, createServer, type Socket } from 'node:net';

export interface TcpProxy {
  port: number;
  url: string;
  /** Stops listening and cuts every connection through the proxy. */
  close: () => Promise<void>;
}

/**
 * A load balancer for tests: a plain TCP proxy on a free port of 127.0.0.1. Each new client
 * connection goes to the next backend of the list, round-robin, skipping backends that refuse
 * (stopped or killed), and is refused itself only when every backend does. Being plain TCP, it
 * carries HTTP keep-alive and WebSocket upgrades alike. When either side of a connection closes,
 * the other is cut at once, so a killed backend's clients notice and reconnect, as they would
 * behind a real balancer.
 */
export async function startTcpProxy(backendPorts: readonly number[]): Promise<TcpProxy> {
  if (backendPorts.length === 0) throw new Error('a proxy needs at least one backend');
  let next = 0;
  const open = new Set<Socket>();

  /** Connects to the first backend, from `start` on, that accepts; null when none does. */
  async function connectToLiveBackend(start: number): Promise<Socket | null> {
    for (let tried = 0; tried < backendPorts.length; tried++) {
      const port = backendPorts[(start + tried) % backendPorts.length] as number;
      const upstream = await new Promise<Socket | null>((resolve) => {
        const attempt = connect(port, '127.0.0.1');
        attempt.once('connect', () => {
          attempt.removeAllListeners('error');
          resolve(attempt);
        });
        attempt.once('error', () => {
          attempt.destroy();
          resolve(null);
        });
      });
      if (upstream) return upstream;
    }
    return null;
  }

  const server = createServer({ pauseOnConnect: true }, (client) => {
    open.add(client);
    client.once('close', () => open.delete(client));
    // A client that gives up before its backend answers must not crash the test process.
    client.on('error', () => client.destroy());
    const start = next;
    next = (next + 1) % backendPorts.length;
    void connectToLiveBackend(start).then((upstream) => {
      if (!upstream || client.destroyed) {
        upstream?.destroy();
        client.destroy();
        return;
      }
      open.add(upstream);
      upstream.once('close', () => {
        open.delete(upstream);
        client.destroy();
      });
      upstream.on('error', () => upstream.destroy());
      client.once('close', () => upstream.destroy());
      // The client was paused on connect, so whatever it sent meanwhile is still buffered here.
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as { port: number };
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of open) socket.destroy();
      }),
  };
}
