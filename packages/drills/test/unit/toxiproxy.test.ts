import net from 'node:net';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { ToxiproxyServer } from '../../src/toxiproxyApi.js';

async function echoServer() {
  const sockets = new Set<net.Socket>();
  const srv = net.createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
    s.pipe(s);
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return {
    port: (srv.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        srv.close(() => r());
      }),
  };
}

/** Send `text` through host:port and collect what comes back until the connection closes or `expect` arrived. */
function roundTrip(
  port: number,
  text: string,
  expectText = text,
): Promise<{ got: string; error: string | null }> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    let got = '';
    let error: string | null = null;
    s.on('data', (d) => {
      got += d;
      if (got === expectText) s.destroy();
    });
    s.on('error', (e: NodeJS.ErrnoException) => (error = e.code ?? e.message));
    s.on('close', () => resolve({ got, error }));
    s.on('connect', () => s.write(text));
  });
}

describe('Toxiproxy-compatible HTTP API', () => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });

  async function setup() {
    const echo = await echoServer();
    const api = new ToxiproxyServer();
    const port = await api.listen(0);
    cleanup.push(echo.close, () => api.close());
    const call = async (method: string, path: string, body?: unknown) => {
      const r = await request(`http://127.0.0.1:${port}${path}`, {
        method: method as 'GET',
        body: body === undefined ? undefined : JSON.stringify(body),
        headers: { 'content-type': 'application/json' },
      });
      const text = await r.body.text();
      return { status: r.statusCode, body: text ? JSON.parse(text) : null };
    };
    return { echo, call };
  }

  it('creates a proxy, applies and removes toxics, disables, resets — as a Toxiproxy client would', async () => {
    const { echo, call } = await setup();
    expect((await call('GET', '/version')).body.version).toMatch(/^2\./);
    const created = await call('POST', '/proxies', {
      name: 'api',
      listen: '127.0.0.1:0',
      upstream: `127.0.0.1:${echo.port}`,
    });
    expect(created.status).toBe(201);
    const port = Number(String(created.body.listen).split(':').pop());
    expect(created.body).toMatchObject({ name: 'api', enabled: true, toxics: [] });
    expect((await roundTrip(port, 'hello')).got).toBe('hello');

    const toxic = await call('POST', '/proxies/api/toxics', {
      name: 'cap',
      type: 'limit_data',
      stream: 'downstream',
      attributes: { bytes: 3 },
    });
    expect(toxic.body).toMatchObject({ name: 'cap', type: 'limit_data', toxicity: 1 });
    expect((await call('GET', '/proxies/api/toxics')).body).toHaveLength(1);
    expect((await roundTrip(port, 'abcdef', 'abc')).got).toBe('abc');
    expect(
      (await call('POST', '/proxies/api/toxics/cap', { attributes: { bytes: 5 } })).body.attributes.bytes,
    ).toBe(5);
    expect((await call('DELETE', '/proxies/api/toxics/cap')).status).toBe(204);
    expect((await roundTrip(port, 'abcdef')).got).toBe('abcdef');

    expect((await call('POST', '/proxies/api', { enabled: false })).body.enabled).toBe(false);
    expect((await roundTrip(port, 'x')).error).toBe('ECONNREFUSED');
    await call('POST', '/proxies/api/toxics', { type: 'latency', attributes: { latency: 10 } });
    expect((await call('POST', '/reset')).status).toBe(204);
    const after = (await call('GET', '/proxies')).body.api;
    expect(after).toMatchObject({ enabled: true, toxics: [] });
    expect((await roundTrip(port, 'back')).got).toBe('back');
    expect((await call('DELETE', '/proxies/api')).status).toBe(204);
    expect((await call('GET', '/proxies/api')).status).toBe(404);
  });

  it('answers errors the Toxiproxy way and refuses non-loopback addresses', async () => {
    const { echo, call } = await setup();
    const up = `127.0.0.1:${echo.port}`;
    expect((await call('POST', '/proxies', { name: 'a', upstream: up })).status).toBe(201);
    const dup = await call('POST', '/proxies', { name: 'a', upstream: up });
    expect(dup).toMatchObject({ status: 409, body: { error: 'proxy already exists', status: 409 } });
    expect((await call('GET', '/proxies/nope')).status).toBe(404);
    expect((await call('GET', '/proxies/a/toxics/nope')).status).toBe(404);
    expect((await call('POST', '/proxies', { name: 'b', upstream: '10.0.0.1:80' })).status).toBe(400);
    expect((await call('POST', '/proxies/a/toxics', { type: 'bogus' })).status).toBe(400);
    await call('POST', '/proxies/a/toxics', { name: 't', type: 'latency' });
    expect((await call('POST', '/proxies/a/toxics', { name: 't', type: 'latency' })).status).toBe(409);
    const pop = await call('POST', '/populate', [
      { name: 'a', upstream: up },
      { name: 'c', upstream: up },
    ]);
    expect(pop.status).toBe(201);
    expect(pop.body.proxies.map((p: { name: string }) => p.name)).toEqual(['a', 'c']);
  });
});
