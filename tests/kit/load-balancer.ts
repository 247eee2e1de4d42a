import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createProxyServer } from 'http-proxy-3';

/** Where one request or WebSocket went: which pool and which of its backends. */
export interface RoutedRequest {
  method: string;
  path: string;
  backend: string;
  /** The `user` query parameter of a socket's URL, so a test can tell whose socket went where. */
  user: string | null;
}

export interface LoadBalancer {
  url: string;
  /** Every request and upgrade, in order. */
  routed: RoutedRequest[];
  close: () => Promise<void>;
}

/**
 * The split deployment's load balancer, for tests on one machine: what deploy/haproxy.cfg does
 * in compose, on loopback. `/api/purchase*` goes to the checkout pool and everything else to the
 * waiting-room pool, round-robin per request or per WebSocket, with X-Forwarded-For added
 * (instances run with TRUST_PROXY=1). Each answer names its backend in `x-served-by`, like a
 * balancer's debugging header. Sockets use the WebSocket transport, one connection each, so
 * unlike HAProxy for browsers' long-polling it needs no stickiness.
 */
export async function startLoadBalancer(pools: { waitingRoom: string[]; checkout: string[] }): Promise<LoadBalancer> {
  const proxy = createProxyServer({ xfwd: true });
  const next = { waitingRoom: 0, checkout: 0 };
  const routed: RoutedRequest[] = [];
  const backendOf = new WeakMap<IncomingMessage, string>();

  function route(req: IncomingMessage): string {
    const url = new URL(req.url ?? '/', 'http://lb');
    const pool = url.pathname.startsWith('/api/purchase') ? 'checkout' : 'waitingRoom';
    const backends = pools[pool];
    const backend = backends[next[pool]++ % backends.length] as string;
    routed.push({ method: req.method ?? 'GET', path: url.pathname, backend, user: url.searchParams.get('user') });
    backendOf.set(req, backend);
    return backend;
  }

  proxy.on('proxyRes', (proxyRes, req) => {
    proxyRes.headers['x-served-by'] = backendOf.get(req);
  });
  // A backend that is gone answers 502, as a balancer would, instead of failing the test process.
  proxy.on('error', (_error, _req, target) => {
    if ('writeHead' in target && !target.headersSent) target.writeHead(502).end();
    else (target as Socket).destroy();
  });

  const sockets = new Set<Socket>();
  const server = createServer((req, res) => proxy.web(req, res, { target: route(req) }));
  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => proxy.ws(req, socket, head, { target: route(req) }));
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    routed,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      proxy.close();
    },
  };
}
