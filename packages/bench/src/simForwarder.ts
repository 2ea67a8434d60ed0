import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A recording pass-through on 127.0.0.1 in front of the scripted model server: the server keeps no
 * arrival times, so B11 points the agent CLIs here and reads when each request's headers arrived
 * (performance.now() of this process, the clock the CLI's spawn was timed on). Bodies are piped, not
 * parsed; the answer streams back unchanged.
 */
export interface Arrival {
  t: number;
  method: string;
  url: string;
}

export interface Forwarder {
  url: string;
  arrivals: Arrival[];
  close(): Promise<void>;
}

/** Model calls of both CLIs (Anthropic Messages, OpenAI Responses). */
export const isModelCall = (a: Arrival): boolean =>
  a.method === 'POST' && /^\/v1\/(messages|responses)(\?|$)/.test(a.url);

export async function startForwarder(targetPort: number): Promise<Forwarder> {
  const arrivals: Arrival[] = [];
  const server = http.createServer((req, res) => {
    arrivals.push({ t: performance.now(), method: req.method ?? '', url: req.url ?? '' });
    const up = http.request(
      { host: '127.0.0.1', port: targetPort, method: req.method, path: req.url, headers: req.headers },
      (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      },
    );
    up.on('error', (err) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`forwarder: ${err.message}`);
    });
    req.pipe(up);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    arrivals,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
