import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ProxyError {
  node: number;
  at: number;
  error: string;
  method: string;
  path: string;
}

export interface Proxy {
  url: string;
  /** Responses with a 5xx status that came from a node (not made by the proxy). */
  upstream5xx: { node: number; status: number; method: string; path: string; body: string }[];
  /** Requests a node did not answer (it died with them): the client got 502 with x-proxy-error. */
  errors: ProxyError[];
  /** Nodes found dead (refused a connection) and taken out of the rotation. */
  dead: Set<number>;
  /** Puts a node (back) into the rotation at `url`. */
  set(node: number, url: string): void;
  close(): Promise<void>;
}

/**
 * A small round-robin HTTP proxy in front of several Kura nodes, as a load balancer would
 * be. Requests and responses are buffered (the load's bodies are small), so a request that
 * a dead node refused goes to the next node unchanged; one that a node took and then died
 * with is answered 502 with `x-proxy-error` (the client cannot know what happened to it).
 * Every response says which node answered (`x-served-by`).
 */
export async function startProxy(targets: string[]): Promise<Proxy> {
  const nodes = [...targets];
  // A connection per request: a node closing an idle keep-alive connection as the proxy
  // reuses it would look like a node dying with the request.
  const agent = new http.Agent({ keepAlive: false, maxSockets: 128 });
  const dead = new Set<number>();
  const errors: ProxyError[] = [];
  const upstream5xx: Proxy['upstream5xx'] = [];
  let next = 0;

  const forward = (node: number, req: http.IncomingMessage, body: Buffer) =>
    new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
      const u = new URL(req.url ?? '/', nodes[node]);
      const headers = { ...req.headers, host: u.host, 'content-length': String(body.length) };
      delete headers['transfer-encoding'];
      const up = http.request(u, { method: req.method, headers, agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () => resolve({ status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      });
      up.on('error', reject);
      up.end(body);
    });

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (d: Buffer) => chunks.push(d));
    req.on('end', async () => {
      const body = Buffer.concat(chunks);
      for (let tries = 0; tries < nodes.length; tries++) {
        const live = nodes.map((_, i) => i).filter((i) => !dead.has(i));
        if (live.length === 0) break;
        const node = live[next++ % live.length];
        try {
          const r = await forward(node, req, body);
          if (r.status >= 500) upstream5xx.push({ node, status: r.status, method: req.method ?? '', path: req.url ?? '', body: r.body.toString('utf8').slice(0, 300) });
          const headers = { ...r.headers, 'x-served-by': String(node), 'content-length': String(r.body.length) };
          delete headers['transfer-encoding'];
          delete headers.connection;
          res.writeHead(r.status, headers).end(r.body);
          return;
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code;
          // Nothing reached a node that refused the connection: it is out, the next one gets it.
          if (code === 'ECONNREFUSED') {
            dead.add(node);
            continue;
          }
          errors.push({ node, at: Date.now(), error: code ?? String(e), method: req.method ?? '', path: req.url ?? '' });
          res.writeHead(502, { 'x-proxy-error': code ?? 'upstream failed', 'content-type': 'text/plain' }).end('the node died with this request');
          return;
        }
      }
      res.writeHead(503, { 'x-proxy-error': 'no live node', 'content-type': 'text/plain' }).end('no live node');
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    upstream5xx,
    errors,
    dead,
    set(node, url) {
      nodes[node] = url;
      dead.delete(node);
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      agent.destroy();
    },
  };
}
