/**
 * `GET /events/stream` over a real listening socket: live delivery with filters, resume with
 * Last-Event-ID (exactly the missed events, in order, none twice — also from behind the in-memory
 * window), heartbeats, operator auth, the slow-client drop, and shutdown with open streams.
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { followEvents, SseParser, type SseEvent } from '../../src/cli/sse.js';
import { call, makeTestApi, removeTempDirs, type TestApi } from '../helpers/context.js';

const apis: TestApi[] = [];
afterEach(async () => {
  for (const t of apis.splice(0)) await t.close();
  removeTempDirs();
});

async function listening(overrides: Parameters<typeof makeTestApi>[0] = {}) {
  const t = await makeTestApi(overrides);
  apis.push(t);
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const port = (t.app.server.address() as net.AddressInfo).port;
  return { t, base: `http://127.0.0.1:${port}` };
}

async function post(t: TestApi, n: number, run?: number, prefix = 'test.note') {
  const ids: number[] = [];
  for (let i = 0; i < n; i++) {
    const r = await call(t.app, 'POST', '/events', {
      event_type: `${prefix}.${i % 3}`,
      run_id: run,
      payload: { i, text: `note ${i} "quoted" $& \\ ✓` },
    });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    ids.push(r.body.id);
  }
  return ids;
}

/** Collect events from the stream until `n` arrived (bounded by a timeout). */
async function collect(
  base: string,
  n: number,
  opts: {
    query?: Record<string, string | number>;
    after?: number | null;
    headers?: Record<string, string>;
  } = {},
) {
  const got: SseEvent[] = [];
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), 10_000);
  await followEvents({
    baseUrl: base,
    query: opts.query,
    afterId: opts.after ?? null,
    headers: opts.headers,
    signal: ac.signal,
    onEvent: (e) => {
      got.push(e);
      return got.length >= n;
    },
  });
  clearTimeout(timer);
  return got;
}

describe('GET /events/stream', () => {
  it('delivers new events live, in order, with the same body as GET /events', async () => {
    const { t, base } = await listening();
    await post(t, 2); // before the client: not sent (it asked for new events only)
    const pending = collect(base, 5);
    await new Promise((r) => setTimeout(r, 100));
    const ids = await post(t, 5);
    const got = await pending;
    expect(got.map((e) => e.id)).toEqual(ids);
    const listed = (await call(t.app, 'GET', `/events?after_id=${ids[0]! - 1}`)).body;
    expect(got.map((e) => JSON.parse(e.data))).toEqual(listed);
  });

  it('filters by run, task and event type prefix', async () => {
    const { t, base } = await listening();
    // Runs come from templates; events may name an existing run only.
    const role = await call(t.app, 'POST', '/roles', { name: 'r', system_prompt: 'p' });
    const tpl = await call(t.app, 'POST', '/workflow-templates', {
      name: 'x',
      steps: [{ step_id: 'a', role_id: role.body.id, title: 'A' }],
    });
    const run1 = (await call(t.app, 'POST', '/workflow-runs', { workflow_template_id: tpl.body.id })).body.id;
    const run2 = (await call(t.app, 'POST', '/workflow-runs', { workflow_template_id: tpl.body.id })).body.id;
    const byRun = collect(base, 4, { query: { run_id: run2 } });
    const byPrefix = collect(base, 3, { query: { event_type: 'other.' } });
    await new Promise((r) => setTimeout(r, 100));
    await post(t, 4, run1);
    const mine = await post(t, 4, run2);
    const other = await post(t, 3, undefined, 'other');
    expect((await byRun).map((e) => e.id)).toEqual(mine);
    expect((await byPrefix).map((e) => e.id)).toEqual(other);
    expect((await byRun).every((e) => JSON.parse(e.data).run_id === run2)).toBe(true);
  });

  it('resumes with Last-Event-ID: exactly the missed events, none twice — also from behind the window', async () => {
    const { t, base } = await listening({ streamWindowEvents: 5 });
    const first = collect(base, 3);
    await new Promise((r) => setTimeout(r, 100));
    const ids = await post(t, 3);
    const seen = await first;
    expect(seen.map((e) => e.id)).toEqual(ids);
    // Disconnected; 40 more events (8× the window) are committed meanwhile.
    const missed = await post(t, 40);
    const resumed = await collect(base, 40, { after: seen.at(-1)!.id });
    expect(resumed.map((e) => e.id)).toEqual(missed);
    // `after_id` works like the header, and an old cursor with a filter pages through the store.
    const viaQuery = await collect(base, 10, { query: { after_id: missed[29]! } });
    expect(viaQuery.map((e) => e.id)).toEqual(missed.slice(30));
  });

  it('sends heartbeat comments and refuses without the operator token when one is set', async () => {
    const { base } = await listening({ operatorToken: 'op-token-0123456789abcdef', streamHeartbeatMs: 100 });
    const denied = await request(`${base}/events/stream`);
    expect(denied.statusCode).toBe(401);
    expect((JSON.parse(await denied.body.text()) as { code: string }).code).toBe('OPERATOR_TOKEN_INVALID');
    const res = await request(`${base}/events/stream`, {
      headers: { authorization: 'Bearer op-token-0123456789abcdef' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/event-stream/);
    let text = '';
    res.body.setEncoding('utf8');
    for await (const chunk of res.body) {
      text += chunk;
      if ((text.match(/: heartbeat/g) ?? []).length >= 2) break;
    }
    res.body.destroy();
    expect(text).toContain(': heartbeat');
  });

  it('drops a client that reads nothing (with a final error frame) and stays responsive', async () => {
    const { t, base } = await listening({ streamHeartbeatMs: 100, streamSlowClientMs: 300 });
    // A raw socket that never reads after the request.
    const port = Number(new URL(base).port);
    const sock = net.connect(port, '127.0.0.1');
    await new Promise((r) => sock.once('connect', r));
    sock.write('GET /events/stream HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n');
    sock.pause();
    await new Promise((r) => setTimeout(r, 100));
    // Big events fill the socket buffers.
    const big = 'x'.repeat(60_000);
    // Loopback socket buffers take several MiB: ~24 MiB is well past them.
    for (let i = 0; i < 400; i++) {
      const r = await call(t.app, 'POST', '/events', { event_type: 'test.bulk', payload: { big, i } });
      expect(r.status, JSON.stringify(r.body).slice(0, 300)).toBe(200);
    }
    // The API answers meanwhile.
    expect((await call(t.app, 'GET', '/health')).status).toBe(200);
    const closed = new Promise<string>((resolve) => {
      let text = '';
      sock.setEncoding('utf8');
      sock.on('data', (d) => (text += d));
      sock.on('end', () => resolve(text));
      sock.on('close', () => resolve(text));
    });
    await new Promise((r) => setTimeout(r, 800));
    sock.resume();
    const text = await closed;
    expect(text).toContain('STREAM_CLIENT_TOO_SLOW');
    sock.destroy();
  }, 30_000);

  it('ends open streams when the API closes', async () => {
    const { t, base } = await listening();
    const res = await request(`${base}/events/stream`);
    expect(res.statusCode).toBe(200);
    const done = res.body.text();
    await t.app.close();
    expect(await done).toContain(': the API is stopping');
  });
});

describe('SseParser', () => {
  it('joins frames split anywhere and skips comments', () => {
    const p = new SseParser();
    const text = ': hi\n\nid: 7\ndata: {"a":1}\n\nretry: 10\n\nevent: error\ndata: x\ndata: y\n\n';
    const out: SseEvent[] = [];
    for (const ch of text) out.push(...p.feed(ch));
    expect(out).toEqual([
      { id: 7, event: 'message', data: '{"a":1}' },
      { id: null, event: 'error', data: 'x\ny' },
    ]);
  });
});
