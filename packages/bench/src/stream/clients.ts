/**
 * B13's stream clients, in a process of their own (forked by `fanout.ts`), so that their CPU is never
 * counted as the API's. Each client holds one `GET /events/stream` over its own connection and keeps
 * [event id, receive time] for every frame. Receive times are `performance.timeOrigin + now()`: the
 * same machine clock the parent reads when the API acknowledges a create.
 *
 * Protocol (IPC): `{type: 'start', url, clients, path}` → `{type: 'connected', clients}`;
 * `{type: 'count'}` → `{type: 'count', min}` (the fewest frames any client has); `{type: 'report'}` →
 * `{type: 'report', receipts}` (one array per client), then the process exits. It exits too when the
 * parent goes away.
 */
import { Agent, request } from 'undici';
import { SseIdReader } from './frames.js';

type Msg =
  { type: 'start'; url: string; clients: number; path: string } | { type: 'count' } | { type: 'report' };

const now = () => performance.timeOrigin + performance.now();
const receipts: Array<Array<[number, number]>> = [];
const bodies: Array<{ destroy(): void }> = [];
let agent: Agent | null = null;

async function start(url: string, clients: number, path: string): Promise<void> {
  agent = new Agent({ connections: clients + 4, pipelining: 0 });
  for (let i = 0; i < clients; i++) {
    const res = await request(`${url}${path}`, { dispatcher: agent, bodyTimeout: 0, headersTimeout: 10_000 });
    if (res.statusCode !== 200) throw new Error(`stream client ${i + 1}: ${path} answered ${res.statusCode}`);
    const mine: Array<[number, number]> = [];
    receipts.push(mine);
    bodies.push(res.body);
    const reader = new SseIdReader();
    res.body.setEncoding('utf8');
    res.body.on('data', (chunk: string) => {
      const t = now();
      for (const id of reader.push(chunk)) mine.push([id, t]);
    });
    res.body.on('error', () => undefined);
  }
}

const send = (m: unknown) => process.send?.(m);

process.on('message', (m: Msg) => {
  if (m.type === 'start') {
    start(m.url, m.clients, m.path).then(
      () => send({ type: 'connected', clients: receipts.length }),
      (err: Error) => {
        send({ type: 'error', error: err.message });
        process.exit(1);
      },
    );
  } else if (m.type === 'count') {
    send({ type: 'count', min: Math.min(...receipts.map((r) => r.length)) });
  } else if (m.type === 'report') {
    for (const b of bodies) b.destroy();
    process.send?.({ type: 'report', receipts }, () => {
      void agent?.destroy().finally(() => process.exit(0));
    });
  }
});
process.once('disconnect', () => process.exit(0));
