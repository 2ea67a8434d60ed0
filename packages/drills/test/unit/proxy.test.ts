import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { FaultProxy, normalizeToxic } from '../../src/proxy.js';
import { mulberry32 } from '../../src/rng.js';

/** An upstream that echoes every byte back. */
async function echoServer(): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const srv = net.createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
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

interface Client {
  socket: net.Socket;
  received: () => string;
  closed: Promise<{ error: string | null }>;
  waitFor: (text: string) => Promise<void>;
}

function connect(port: number): Promise<Client> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let data = '';
    let error: string | null = null;
    const waiters: Array<() => void> = [];
    socket.on('data', (d) => {
      data += d.toString();
      for (const w of waiters.splice(0)) w();
    });
    socket.on('error', (e: NodeJS.ErrnoException) => (error = e.code ?? e.message));
    const closed = new Promise<{ error: string | null }>((r) => socket.on('close', () => r({ error })));
    socket.once('connect', () =>
      resolve({
        socket,
        received: () => data,
        closed,
        waitFor: (text) =>
          new Promise<void>((r) => {
            const check = () => (data.includes(text) ? r() : waiters.push(check));
            check();
          }),
      }),
    );
    socket.once('error', reject);
  });
}

function refusedCode(port: number): Promise<string | null> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(null);
    });
    s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
  });
}

describe('fault proxy toxics on real loopback sockets', () => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });

  async function setup(random = mulberry32(1)) {
    const echo = await echoServer();
    const proxy = new FaultProxy({ name: 'p', upstream: { host: '127.0.0.1', port: echo.port }, random });
    await proxy.start();
    cleanup.push(echo.close, () => proxy.close());
    return { echo, proxy };
  }

  it('passes bytes both ways and counts them', async () => {
    const { proxy } = await setup();
    const c = await connect(proxy.port);
    c.socket.write('hello');
    await c.waitFor('hello');
    expect(proxy.stats.bytes_upstream).toBe(5);
    expect(proxy.stats.bytes_downstream).toBe(5);
    c.socket.destroy();
  });

  it('latency delays every chunk by at least the latency and keeps their order', async () => {
    const { proxy } = await setup();
    proxy.addToxic({ type: 'latency', stream: 'downstream', attributes: { latency: 120, jitter: 60 } });
    const c = await connect(proxy.port);
    const started = Date.now();
    const sent: string[] = [];
    for (let i = 0; i < 30; i++) {
      sent.push(`<${i}>`);
      c.socket.write(`<${i}>`);
    }
    await c.waitFor('<29>');
    expect(Date.now() - started).toBeGreaterThanOrEqual(60);
    expect(c.received()).toBe(sent.join(''));
    expect(proxy.stats.delayed_chunks).toBeGreaterThan(0);
    c.socket.destroy();
  });

  it('timeout 0 is a black hole on open connections; removing it cuts the corrupted ones, new ones work', async () => {
    const { proxy } = await setup();
    const c = await connect(proxy.port);
    c.socket.write('before');
    await c.waitFor('before');
    proxy.addToxic({ name: 'hole', type: 'timeout', stream: 'upstream', attributes: { timeout: 0 } });
    c.socket.write('lost');
    await new Promise<void>((r) => {
      const tick = () => (proxy.stats.dropped_bytes >= 4 ? r() : setTimeout(tick, 5));
      tick();
    });
    expect(c.received()).toBe('before');
    proxy.removeToxic('hole');
    await c.closed;
    const d = await connect(proxy.port);
    d.socket.write('after');
    await d.waitFor('after');
    d.socket.destroy();
  });

  it('timeout > 0 closes the connection after the timeout', async () => {
    const { proxy } = await setup();
    proxy.addToxic({ type: 'timeout', stream: 'downstream', attributes: { timeout: 50 } });
    const c = await connect(proxy.port);
    c.socket.write('x');
    await c.closed;
    expect(c.received()).toBe('');
    expect(proxy.stats.timeouts_closed).toBe(1);
  });

  it('reset_peer resets the connection (ECONNRESET at the client)', async () => {
    const { proxy } = await setup();
    proxy.addToxic({ type: 'reset_peer', attributes: { timeout: 20 } });
    const c = await connect(proxy.port);
    const { error } = await c.closed;
    expect(error).toBe('ECONNRESET');
    expect(proxy.stats.resets).toBe(1);
  });

  it('limit_data lets exactly that many bytes through, then closes', async () => {
    const { proxy } = await setup();
    proxy.addToxic({ type: 'limit_data', stream: 'downstream', attributes: { bytes: 10 } });
    const c = await connect(proxy.port);
    c.socket.write('0123456789abcdef');
    await c.closed;
    expect(c.received()).toBe('0123456789');
    expect(proxy.stats.limited).toBe(1);
  });

  it('down refuses new connections and cuts open ones; up again on the same port', async () => {
    const { proxy } = await setup();
    const port = proxy.port;
    const c = await connect(port);
    await proxy.disable();
    await c.closed;
    expect(await refusedCode(port)).toBe('ECONNREFUSED');
    await proxy.enable();
    expect(proxy.port).toBe(port);
    const d = await connect(port);
    d.socket.write('back');
    await d.waitFor('back');
    d.socket.destroy();
  });

  it('toxicity 0 never applies; toxicity draws come from the seeded generator', async () => {
    const { proxy } = await setup();
    proxy.addToxic({ type: 'reset_peer', toxicity: 0, attributes: { timeout: 0 } });
    const c = await connect(proxy.port);
    c.socket.write('safe');
    await c.waitFor('safe');
    expect(proxy.stats.resets).toBe(0);
    c.socket.destroy();
  });

  it('a toxic applies to the upstream stream only when asked', async () => {
    const { proxy } = await setup();
    proxy.addToxic({ type: 'limit_data', stream: 'upstream', attributes: { bytes: 3 } });
    const c = await connect(proxy.port);
    c.socket.write('abcdef');
    await c.closed;
    expect(c.received()).toBe('abc'.slice(0, c.received().length));
    expect(proxy.stats.bytes_upstream).toBe(3);
  });

  it('validates toxics and refuses duplicates', () => {
    expect(() => normalizeToxic({ type: 'nope' as 'latency' })).toThrow(/unknown toxic/);
    expect(() => normalizeToxic({ type: 'latency', toxicity: 2 })).toThrow(/toxicity/);
    expect(normalizeToxic({ type: 'latency' })).toMatchObject({
      name: 'latency_downstream',
      stream: 'downstream',
      toxicity: 1,
    });
    const p = new FaultProxy({ name: 'x', upstream: { host: '127.0.0.1', port: 1 } });
    p.addToxic({ name: 'a', type: 'latency' });
    expect(() => p.addToxic({ name: 'a', type: 'latency' })).toThrow(/already exists/);
    expect(p.updateToxic('a', { attributes: { latency: 5 } }).attributes.latency).toBe(5);
    expect(p.removeToxic('a')).toBe(true);
    expect(p.removeToxic('a')).toBe(false);
  });
});
