/**
 * The live event stream under fan-out (B13, and `scripts/sse-fanout.mjs`): events created at a fixed
 * rate with `POST /events`, first with no stream client (the API's own cost per event), then with 1 and
 * with N clients on `GET /events/stream` held by a forked process (`clients.ts`). Every event must reach
 * every client exactly once; commit → received is measured from the create's answer (sent after the
 * commit) to the frame read by each client, on one machine clock.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { cpuMs } from '../machine.js';
import { distFile } from '../paths.js';
import { sleep } from '../procs.js';
import type { BenchStack } from '../stack.js';
import { tallyFanout, type FanoutTally, type Receipts } from './tally.js';

export interface FanoutParams {
  /** Connected clients of the measured case (a 1-client case is always measured beside it). */
  clients: number;
  /** Events created per case, at `rate` per second. */
  events: number;
  rate: number;
  /** How long after the last create every client may take to receive everything. */
  deliverTimeoutMs: number;
}

export interface FanoutCase {
  clients: number;
  /** API CPU (user + system, /proc) from the first create until every client had every event. */
  api_cpu_ms: number;
  api_cpu_ms_per_event: number;
  /** Delivery figures (null with no client). `latencies_ms` is dropped from the JSON. */
  tally: Omit<FanoutTally, 'latencies_ms'> | null;
  latencies_ms: number[];
}

const now = () => performance.timeOrigin + performance.now();

/** Create `count` events of `type` at `rate`/s, one after the other; id → the time the create was answered. */
async function createEvents(
  stack: BenchStack,
  type: string,
  count: number,
  rate: number,
): Promise<Map<number, number>> {
  const acks = new Map<number, number>();
  const t0 = now();
  for (let i = 0; i < count; i++) {
    const wait = t0 + (i * 1000) / rate - now();
    if (wait > 0) await sleep(wait);
    const r = await stack.client.call<{ id: number }>('POST', '/events', {
      event_type: type,
      payload: { i },
    });
    if (r.status !== 200) throw new Error(`POST /events answered ${r.status}: ${JSON.stringify(r.body)}`);
    acks.set(r.body.id, now());
  }
  return acks;
}

/** The clients' process: started, asked, and always killed by the caller. */
class ClientsProc {
  readonly child: ChildProcess;
  private readonly waiting = new Map<string, (m: Record<string, unknown>) => void>();
  private failure: Error | null = null;

  constructor() {
    this.child = fork(distFile('stream/clients.js'), [], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      execArgv: [],
    });
    this.child.on('message', (m: Record<string, unknown>) => {
      if (m.type === 'error') this.failure = new Error(`stream clients: ${String(m.error)}`);
      const w = this.waiting.get(String(m.type));
      this.waiting.delete(String(m.type));
      w?.(m);
    });
    this.child.once('exit', (code, signal) => {
      this.failure ??= new Error(`stream clients exited (${code ?? signal})`);
      for (const w of this.waiting.values()) w({ type: 'exit' });
      this.waiting.clear();
    });
  }

  /** Send `msg` and wait for the answer of type `answer` (bounded by `timeoutMs`). */
  ask<T>(msg: object, answer: string, timeoutMs: number): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(answer);
        reject(new Error(`stream clients did not answer ${answer} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(answer, (m) => {
        clearTimeout(timer);
        if (m.type === answer) resolve(m as T);
        else reject(this.failure ?? new Error('stream clients exited'));
      });
      this.child.send(msg);
    });
  }

  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}

async function measureCase(stack: BenchStack, p: FanoutParams, clients: number): Promise<FanoutCase> {
  const pid = stack.api!.pid;
  const type = `bench.c${clients}.tick`;
  if (clients === 0) {
    const c0 = cpuMs(pid) ?? NaN;
    await createEvents(stack, type, p.events, p.rate);
    await sleep(200);
    const cpu = (cpuMs(pid) ?? NaN) - c0;
    return { clients, api_cpu_ms: cpu, api_cpu_ms_per_event: cpu / p.events, tally: null, latencies_ms: [] };
  }
  const proc = new ClientsProc();
  try {
    const path = `/events/stream?event_type=${encodeURIComponent(`bench.c${clients}.`)}`;
    await proc.ask({ type: 'start', url: stack.apiUrl, clients, path }, 'connected', 60_000);
    await sleep(300);
    const c0 = cpuMs(pid) ?? NaN;
    const acks = await createEvents(stack, type, p.events, p.rate);
    const deadline = Date.now() + p.deliverTimeoutMs;
    // Until every client has as many frames as events were created (or the bound): bounded polling.
    while (Date.now() < deadline) {
      const { min } = await proc.ask<{ min: number }>({ type: 'count' }, 'count', 10_000);
      if (min >= p.events) break;
      await sleep(20);
    }
    await sleep(200);
    const cpu = (cpuMs(pid) ?? NaN) - c0;
    const { receipts } = await proc.ask<{ receipts: Receipts[] }>({ type: 'report' }, 'report', 30_000);
    const { latencies_ms, ...tally } = tallyFanout(acks, receipts);
    return { clients, api_cpu_ms: cpu, api_cpu_ms_per_event: cpu / p.events, tally, latencies_ms };
  } finally {
    proc.kill();
  }
}

export interface FanoutResult {
  params: FanoutParams;
  /** 0 clients, 1 client, N clients, in that order (no separate 1-client case when N is 1). */
  cases: FanoutCase[];
  /** (CPU per event with N − with 0) ÷ N, in µs. */
  api_cpu_us_per_client_per_event: number;
}

/** Warm-up (uncounted), then 0, 1 and N clients on the same API, one after the other. */
export async function measureFanout(stack: BenchStack, p: FanoutParams): Promise<FanoutResult> {
  await createEvents(stack, 'bench.warmup', Math.min(p.events, 200), p.rate);
  const cases: FanoutCase[] = [];
  for (const n of p.clients > 1 ? [0, 1, p.clients] : [0, p.clients])
    cases.push(await measureCase(stack, p, n));
  const base = cases[0].api_cpu_ms_per_event;
  const full = cases[cases.length - 1].api_cpu_ms_per_event;
  return { params: p, cases, api_cpu_us_per_client_per_event: ((full - base) * 1000) / p.clients };
}
