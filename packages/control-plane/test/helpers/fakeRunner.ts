import Fastify, { type FastifyInstance } from 'fastify';
import { request } from 'undici';

/**
 * A scripted runner for API-side process tests: it registers, heartbeats, accepts submits and
 * records them; the test decides when and what to report. Reports are retried until acknowledged,
 * like the real runner's outbox.
 */
export class FakeRunner {
  app: FastifyInstance = Fastify();
  url = '';
  id: number | null = null;
  submits: Array<{ task_id: number; attempt: number; prompt: string }> = [];
  held = new Map<number, { task_id: number; attempt: number; status: string }>();
  /** While set, `GET /tasks` (the API's reconciliation) waits for it before answering. */
  listGate: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private apiUrl: string,
    private token: string,
    private name = 'fake-runner',
  ) {}

  async start(): Promise<void> {
    const auth = (h: Record<string, unknown>) => h['x-runner-token'] === this.token;
    this.app.post('/tasks/submit', async (req, reply) => {
      if (!auth(req.headers)) return reply.code(401).send({ code: 'RUNNER_TOKEN_INVALID' });
      const b = req.body as { task_id: number; attempt: number; prompt: string };
      this.submits.push({ task_id: b.task_id, attempt: b.attempt, prompt: b.prompt });
      const cur = this.held.get(b.task_id);
      if (!cur || cur.attempt < b.attempt)
        this.held.set(b.task_id, { task_id: b.task_id, attempt: b.attempt, status: 'queued' });
      return { task_id: b.task_id, attempt: b.attempt, status: this.held.get(b.task_id)!.status };
    });
    this.app.get('/tasks', async () => {
      await this.listGate;
      return { attempts: [...this.held.values()] };
    });
    this.app.get('/tasks/:id', async (req, reply) => {
      const h = this.held.get(Number((req.params as { id: string }).id));
      return h ?? reply.code(404).send({ code: 'ATTEMPT_NOT_FOUND' });
    });
    this.app.post('/tasks/:id/cancel', async () => ({ ok: true }));
    this.app.get('/health', async () => ({ status: 'ok' }));
    await this.app.listen({ host: '127.0.0.1', port: 0 });
    this.url = `http://127.0.0.1:${(this.app.server.address() as { port: number }).port}`;
    await this.register();
    this.timer = setInterval(() => void this.beat(), 200);
  }

  private async post(path: string, body: unknown) {
    const res = await request(`${this.apiUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-runner-token': this.token },
      body: JSON.stringify(body),
      headersTimeout: 3_000,
      bodyTimeout: 3_000,
    });
    const text = await res.body.text();
    return { status: res.statusCode, body: text ? JSON.parse(text) : null };
  }

  async register(): Promise<void> {
    for (;;) {
      try {
        const r = await this.post('/runners/register', {
          name: this.name,
          url: this.url,
          capacity: 8,
          attempts: [...this.held.values()],
        });
        if (r.status === 200) {
          this.id = r.body.id;
          return;
        }
      } catch {
        /* API down: retry */
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  private async beat(): Promise<void> {
    if (this.id === null) return;
    try {
      await this.post(`/runners/${this.id}/heartbeat`, { attempts: [...this.held.values()] });
    } catch {
      /* API down */
    }
  }

  /** Report until the API answers (2xx or 409), like an outbox. Returns the answer. */
  async report(taskId: number, body: Record<string, unknown>, deadlineMs = 20_000) {
    const h = this.held.get(taskId);
    const payload = { attempt: h?.attempt, runner_id: this.id, ...body };
    if (h && typeof body.status === 'string') h.status = body.status;
    const end = Date.now() + deadlineMs;
    for (;;) {
      try {
        const r = await this.post(`/runner/tasks/${taskId}/status`, payload);
        if (r.status < 500) return r;
      } catch {
        /* retry */
      }
      if (Date.now() > end) throw new Error(`report for task ${taskId} never acknowledged`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.app.close();
  }
}
