import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { wallMs } from './clock.js';
import { BenchClient } from './http.js';

export interface Submit {
  task_id: number;
  attempt: number;
  run_id: number | null;
  /** Wall ms when the whole submit body had arrived. */
  receivedAt: number;
}

/**
 * A measuring runner: speaks the runner protocol (register, heartbeat, accept submits, report) but
 * runs nothing, so the time between the API acknowledging a report and this process receiving the
 * next submit is the scheduler's own dispatch latency, read on one clock. Used for B2 and B8 only;
 * every other metric uses real `multyagents runner` processes.
 */
export class ProbeRunner {
  private server: http.Server | null = null;
  private timer: NodeJS.Timeout | null = null;
  private readonly api: BenchClient;
  id: number | null = null;
  onSubmit: (s: Submit) => void = () => undefined;
  /** What this runner holds, per task (its newest attempt), as the API's reconciler asks for it. */
  readonly held = new Map<number, { task_id: number; attempt: number; status: string; reported?: boolean }>();

  constructor(
    readonly apiUrl: string,
    private readonly token: string,
    readonly capacity: number,
    readonly name = `bench-probe-${process.pid}`,
  ) {
    this.api = new BenchClient(apiUrl, { connections: 64, headers: { 'x-runner-token': token } });
  }

  async start(): Promise<void> {
    this.server = http.createServer((req, res) => this.handle(req, res));
    this.server.keepAliveTimeout = 30_000;
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const port = (this.server.address() as AddressInfo).port;
    const reg = await this.api.post<{
      id: number;
      heartbeat_interval_ms?: number;
      credential?: string | null;
    }>('/runners/register', {
      name: this.name,
      url: `http://127.0.0.1:${port}`,
      capacity: this.capacity,
      executor: 'mock',
      attempts: [],
    });
    this.id = reg.id;
    // Heartbeats and batched reports need the runner's own credential (the shared token registers).
    if (reg.credential) this.api.setHeader('x-runner-credential', reg.credential);
    const every = Math.max(50, reg.heartbeat_interval_ms ?? 1000);
    const beat = () => {
      void this.api
        .call('POST', `/runners/${this.id}/heartbeat`, { attempts: [], free_slots: this.capacity })
        .catch(() => undefined)
        .finally(() => {
          if (this.server) this.timer = setTimeout(beat, every);
        });
    };
    this.timer = setTimeout(beat, every);
  }

  /** Report a status; resolves with the wall ms when the API's answer (the commit ack) arrived. */
  async report(taskId: number, attempt: number, status: 'running' | 'success' | 'failed'): Promise<number> {
    const now = new Date().toISOString();
    const r = await this.api.call('POST', `/runner/tasks/${taskId}/status`, {
      status,
      attempt,
      exit_code: status === 'success' ? 0 : status === 'failed' ? 1 : undefined,
      started_at: now,
      finished_at: status === 'running' ? undefined : now,
      runner_id: this.id,
    });
    const at = wallMs();
    if (r.status !== 200) throw new Error(`report ${status} of task ${taskId} answered ${r.status}`);
    this.held.set(taskId, { task_id: taskId, attempt, status, reported: status !== 'running' });
    return at;
  }

  /** Send a report body as is (races, stale attempts); answers the HTTP status and body. */
  async reportRaw(taskId: number, body: Record<string, unknown>): Promise<{ status: number; body: unknown }> {
    return this.api.call('POST', `/runner/tasks/${taskId}/status`, { runner_id: this.id, ...body });
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const receivedAt = wallMs();
      const url = req.url ?? '/';
      const send = (status: number, body: unknown) => {
        const text = JSON.stringify(body);
        res.writeHead(status, {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(text),
        });
        res.end(text);
      };
      if (req.method === 'POST' && (url === '/tasks/submit' || url === '/tasks/submit-batch')) {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as
          Omit<Submit, 'receivedAt'> | { submits: Array<Omit<Submit, 'receivedAt'>> };
        const list = 'submits' in body ? body.submits : [body];
        const fresh = list.map((b) => {
          const known = this.held.get(b.task_id);
          const isNew = !known || known.attempt < b.attempt;
          if (isNew) this.held.set(b.task_id, { task_id: b.task_id, attempt: b.attempt, status: 'queued' });
          return isNew;
        });
        const answer = (b: { task_id: number }) => ({
          status: this.held.get(b.task_id)!.status,
          message: 'accepted by the probe',
        });
        if ('submits' in body) send(200, { results: list.map((b) => ({ status_code: 200, ...answer(b) })) });
        else send(200, answer(body));
        list.forEach((b, i) => {
          if (fresh[i])
            this.onSubmit({ task_id: b.task_id, attempt: b.attempt, run_id: b.run_id, receivedAt });
        });
        return;
      }
      if (req.method === 'GET' && url === '/tasks') return send(200, { attempts: [...this.held.values()] });
      const one = /^\/tasks\/(\d+)$/.exec(url);
      if (req.method === 'GET' && one) {
        const h = this.held.get(Number(one[1]));
        return h ? send(200, h) : send(404, { detail: 'unknown to the probe', code: 'ATTEMPT_NOT_FOUND' });
      }
      if (req.method === 'GET' && url === '/health') return send(200, { status: 'ok' });
      if (req.method === 'POST' && /^\/tasks\/\d+\/cancel$/.test(url)) return send(200, { ok: true });
      send(404, { detail: 'unknown to the probe', code: 'ATTEMPT_NOT_FOUND' });
    });
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    const s = this.server;
    this.server = null;
    if (s) {
      const closed = new Promise<void>((resolve) => s.close(() => resolve()));
      s.closeAllConnections();
      await closed;
    }
    await this.api.close();
  }
}
