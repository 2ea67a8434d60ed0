#!/usr/bin/env node
/**
 * The live event stream under fan-out: N clients connected to `GET /events/stream`, events created
 * at a fixed rate with `POST /events`. Prints, side by side in one invocation:
 *   - commit → event received: from the create's acknowledgement (it is answered after the commit)
 *     to the moment each client parsed the frame, p50 / p99 / max over every (event, client);
 *   - the API's CPU (user + system, /proc) per event with 0 clients and with N, and the difference per
 *     connected client per event.
 * The clients run in a forked child (their CPU is not the API's); the two processes share the machine's
 * clock (`performance.timeOrigin + performance.now()`).
 *
 *   node packages/bench/scripts/sse-fanout.mjs [--clients 100] [--events 400] [--rate 100]
 */
import { fork } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const CLIENTS = opt('clients', 100);
const EVENTS = opt('events', 400);
const RATE = opt('rate', 100);
const now = () => performance.timeOrigin + performance.now();

if (process.env.SSE_FANOUT_CHILD) {
  // The clients: one undici stream each; report (event id → receive times) when told.
  const { request, Agent } = await import(process.env.SSE_UNDICI);
  const url = process.env.SSE_URL;
  const n = Number(process.env.SSE_CLIENTS);
  const agent = new Agent({ connections: n + 4, pipelining: 0 });
  const received = new Map(); // id → [times]
  let connected = 0;
  const streams = [];
  for (let i = 0; i < n; i++) {
    const res = await request(`${url}/events/stream?event_type=bench.`, {
      dispatcher: agent,
      bodyTimeout: 0,
    });
    streams.push(res);
    connected++;
    res.body.setEncoding('utf8');
    let buf = '';
    res.body.on('data', (chunk) => {
      const t = now();
      buf += chunk;
      let end;
      while ((end = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, end);
        buf = buf.slice(end + 2);
        const m = /^id: (\d+)$/m.exec(block);
        if (!m) continue;
        const id = Number(m[1]);
        const list = received.get(id) ?? [];
        list.push(t);
        received.set(id, list);
      }
    });
    res.body.on('error', () => undefined);
  }
  process.send({ connected });
  process.on('message', (m) => {
    if (m === 'report') {
      process.send({ received: [...received.entries()] });
      for (const s of streams) s.body.destroy();
      setTimeout(() => process.exit(0), 100);
    }
  });
} else {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
  const dist = path.join(root, 'packages/bench/dist');
  const { BenchStack } = await import(pathToFileURL(path.join(dist, 'stack.js')).href);
  const { BenchClient } = await import(pathToFileURL(path.join(dist, 'http.js')).href);
  const undici = pathToFileURL(path.join(root, 'node_modules/undici/index.js')).href;
  const ticks = 100;
  const cpu = (pid) => {
    const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const x = f.slice(f.lastIndexOf(')') + 2).split(' ');
    return ((Number(x[11]) + Number(x[12])) * 1000) / ticks;
  };
  const stack = new BenchStack({
    label: 'sse-fanout',
    apiEnv: { MULTYAGENTS_STREAM_MAX_CLIENTS: String(CLIENTS + 10) },
  });
  const pct = (xs, p) => xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
  try {
    await stack.startApi();
    const client = new BenchClient(stack.apiUrl, { connections: 4 });
    /** POST EVENTS events at RATE/s; returns id → ack time and the API CPU spent. */
    const load = async () => {
      const acks = new Map();
      const c0 = cpu(stack.api.pid);
      const t0 = now();
      for (let i = 0; i < EVENTS; i++) {
        const due = t0 + (i * 1000) / RATE;
        const wait = due - now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        const r = await client.call('POST', '/events', { event_type: 'bench.tick', payload: { i } });
        if (r.status !== 200) throw new Error(`POST /events answered ${r.status}`);
        acks.set(r.body.id, now());
      }
      await new Promise((r) => setTimeout(r, 500));
      return { acks, cpuMs: cpu(stack.api.pid) - c0 };
    };
    // Warm-up, then the baseline with no client connected.
    await load();
    const base = await load();
    const child = fork(fileURLToPath(import.meta.url), [], {
      env: {
        ...process.env,
        SSE_FANOUT_CHILD: '1',
        SSE_URL: stack.apiUrl,
        SSE_CLIENTS: String(CLIENTS),
        SSE_UNDICI: undici,
      },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const msg = (pred) => new Promise((resolve) => child.on('message', (m) => pred(m) && resolve(m)));
    await msg((m) => 'connected' in m);
    await new Promise((r) => setTimeout(r, 300));
    const fan = await load();
    child.send('report');
    const { received } = await msg((m) => 'received' in m);
    const got = new Map(received);
    const lat = [];
    let missing = 0;
    for (const [id, ack] of fan.acks) {
      const times = got.get(id) ?? [];
      missing += CLIENTS - times.length;
      for (const t of times) lat.push(t - ack);
    }
    lat.sort((a, b) => a - b);
    const f = (x) => +x.toFixed(2);
    const perEvent0 = base.cpuMs / EVENTS;
    const perEventN = fan.cpuMs / EVENTS;
    console.log(
      JSON.stringify({
        clients: CLIENTS,
        events: EVENTS,
        rate_per_s: RATE,
        deliveries: lat.length,
        missing_deliveries: missing,
        commit_to_event_ms: { p50: f(pct(lat, 50)), p99: f(pct(lat, 99)), max: f(lat.at(-1) ?? 0) },
        api_cpu_ms_per_event: { no_clients: f(perEvent0), with_clients: f(perEventN) },
        api_cpu_us_per_client_per_event: f(((perEventN - perEvent0) * 1000) / CLIENTS),
      }),
    );
  } finally {
    await stack.stop().catch(() => undefined);
  }
}
