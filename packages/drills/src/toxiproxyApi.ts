/**
 * A Toxiproxy-compatible HTTP façade over our FaultProxy, so existing Toxiproxy clients (and curl
 * recipes) can drive it: `GET /version`, `GET|POST /proxies`, `POST /populate`,
 * `GET|POST|DELETE /proxies/{name}`, `GET|POST /proxies/{name}/toxics`,
 * `GET|POST|DELETE /proxies/{name}/toxics/{toxic}`, `POST /reset`. Errors are `{error, status}` as in
 * Toxiproxy. Only loopback addresses may be listened on or proxied to: this is a test tool, never a relay.
 */
import http from 'node:http';
import { FaultProxy, type Toxic, type ToxicInput } from './proxy.js';

export const TOXIPROXY_COMPAT_VERSION = '2.9.0-multyagents';

class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

function hostPort(addr: unknown, what: string): { host: string; port: number } {
  if (typeof addr !== 'string') throw new ApiError(400, `${what} must be "host:port"`);
  const i = addr.lastIndexOf(':');
  const host = (i > 0 ? addr.slice(0, i) : '127.0.0.1').replace(/^\[|\]$/g, '');
  const port = Number(addr.slice(i + 1));
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new ApiError(400, `${what}: bad port in ${addr}`);
  if (!LOOPBACK.has(host))
    throw new ApiError(400, `${what}: only loopback addresses are allowed, got ${host}`);
  return { host: host === 'localhost' ? '127.0.0.1' : host, port };
}

function proxyJson(p: FaultProxy) {
  return {
    name: p.name,
    listen: p.listen,
    upstream: `${p.upstream.host}:${p.upstream.port}`,
    enabled: p.enabled,
    toxics: p.listToxics(),
    stats: { ...p.stats },
  };
}

export class ToxiproxyServer {
  readonly proxies = new Map<string, FaultProxy>();
  private server: http.Server | null = null;

  constructor(private readonly random: () => number = Math.random) {}

  async listen(port: number, host = '127.0.0.1'): Promise<number> {
    if (!LOOPBACK.has(host)) throw new Error('the Toxiproxy API listens on loopback only');
    const server = http.createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    this.server = server;
    const addr = server.address();
    return typeof addr === 'object' && addr ? addr.port : port;
  }

  async close(): Promise<void> {
    for (const p of this.proxies.values()) await p.close();
    this.proxies.clear();
    const s = this.server;
    this.server = null;
    if (s) await new Promise<void>((r) => s.close(() => r()));
  }

  async create(body: Record<string, unknown>): Promise<FaultProxy> {
    const name = body.name;
    if (typeof name !== 'string' || !name) throw new ApiError(400, 'name is required');
    if (this.proxies.has(name)) throw new ApiError(409, 'proxy already exists');
    const listen = hostPort(body.listen ?? '127.0.0.1:0', 'listen');
    const upstream = hostPort(body.upstream, 'upstream');
    const p = new FaultProxy({
      name,
      upstream,
      listenHost: listen.host,
      listenPort: listen.port,
      random: this.random,
    });
    if (body.enabled !== false) await p.start();
    this.proxies.set(name, p);
    return p;
  }

  private get(name: string): FaultProxy {
    const p = this.proxies.get(decodeURIComponent(name));
    if (!p) throw new ApiError(404, 'proxy not found');
    return p;
  }

  private async route(method: string, parts: string[], body: any): Promise<[number, unknown]> {
    const [a, b, c, d] = parts;
    if (method === 'GET' && a === 'version') return [200, { version: TOXIPROXY_COMPAT_VERSION }];
    if (method === 'POST' && a === 'reset' && !b) {
      for (const p of this.proxies.values()) {
        p.clearToxics();
        if (!p.enabled) await p.enable();
      }
      return [204, null];
    }
    if (method === 'POST' && a === 'populate') {
      const list = Array.isArray(body) ? body : [];
      const out = [];
      for (const item of list as Array<Record<string, unknown>>) {
        const existing = typeof item.name === 'string' ? this.proxies.get(item.name) : undefined;
        if (existing) {
          await existing.close();
          this.proxies.delete(existing.name);
        }
        out.push(proxyJson(await this.create(item)));
      }
      return [201, { proxies: out }];
    }
    if (a !== 'proxies') throw new ApiError(404, 'not found');
    if (!b) {
      if (method === 'GET')
        return [200, Object.fromEntries([...this.proxies].map(([k, p]) => [k, proxyJson(p)]))];
      if (method === 'POST') return [201, proxyJson(await this.create(body ?? {}))];
      throw new ApiError(405, 'method not allowed');
    }
    const p = this.get(b);
    if (!c) {
      if (method === 'GET') return [200, proxyJson(p)];
      if (method === 'DELETE') {
        await p.close();
        this.proxies.delete(p.name);
        return [204, null];
      }
      if (method === 'POST' || method === 'PATCH') {
        if (body?.enabled === false && p.enabled) await p.disable();
        if (body?.enabled === true && !p.enabled) await p.enable();
        return [200, proxyJson(p)];
      }
      throw new ApiError(405, 'method not allowed');
    }
    if (c !== 'toxics') throw new ApiError(404, 'not found');
    const find = (name: string): Toxic => {
      const t = p.listToxics().find((x) => x.name === decodeURIComponent(name));
      if (!t) throw new ApiError(404, 'toxic not found');
      return t;
    };
    try {
      if (!d) {
        if (method === 'GET') return [200, p.listToxics()];
        if (method === 'POST') return [200, p.addToxic((body ?? {}) as ToxicInput)];
        throw new ApiError(405, 'method not allowed');
      }
      const t = find(d);
      if (method === 'GET') return [200, t];
      if (method === 'DELETE') {
        p.removeToxic(t.name);
        return [204, null];
      }
      if (method === 'POST' || method === 'PATCH')
        return [200, p.updateToxic(t.name, (body ?? {}) as Partial<ToxicInput>)];
      throw new ApiError(405, 'method not allowed');
    } catch (err) {
      if (err instanceof ApiError) throw err;
      const msg = (err as Error).message;
      throw new ApiError(/already exists/.test(msg) ? 409 : 400, msg);
    }
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    let raw = '';
    for await (const chunk of req) raw += String(chunk);
    let status = 500;
    let payload: unknown;
    try {
      const body: unknown = raw.trim() ? JSON.parse(raw) : null;
      const parts = (req.url ?? '/').split('?')[0]!.split('/').filter(Boolean);
      [status, payload] = await this.route(req.method ?? 'GET', parts, body);
    } catch (err) {
      status = err instanceof ApiError ? err.status : err instanceof SyntaxError ? 400 : 500;
      payload = { error: (err as Error).message, status };
    }
    if (status === 204) {
      res.writeHead(204).end();
      return;
    }
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(payload));
  }
}
