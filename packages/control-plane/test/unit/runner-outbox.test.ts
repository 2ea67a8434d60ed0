import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunnerSubmit } from '@multyagents/contracts';
import { FakeClock } from '../../src/lib/clock.js';
import { silentLogger } from '../../src/lib/logger.js';
import type { HttpAnswer, Transport } from '../../src/runner/http.js';
import { Journal, type NewReport } from '../../src/runner/journal.js';
import { Outbox } from '../../src/runner/outbox.js';

/**
 * A transport that answers from a script: a status code, or 'down' for a network error, per report —
 * also per report inside a batch (`/runner/reports`), unless `batchScript` answers the whole request.
 */
class ScriptedTransport implements Transport {
  /** Every report sent, alone or in a batch, in order. */
  sent: Array<{ url: string; body: Record<string, unknown> }> = [];
  /** Requests: the URL and how many reports each carried. */
  requests: Array<{ url: string; reports: number }> = [];
  script: Array<number | 'down'> = [];
  batchScript: Array<number | 'down'> = [];
  async post(url: string, _token: string, body: unknown): Promise<HttpAnswer> {
    const b = body as Record<string, unknown>;
    if (url.endsWith('/runner/reports')) {
      const reports = b.reports as Array<Record<string, unknown>>;
      this.requests.push({ url, reports: reports.length });
      const whole = this.batchScript.shift();
      if (whole === 'down') throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
      if (whole !== undefined) return { status: whole, text: `{"whole":${whole}}`, json: null };
      const results = reports.map((r) => {
        this.sent.push({ url, body: r });
        const next = this.script.shift() ?? 200;
        return { task_id: r.task_id, status_code: next === 'down' ? 503 : next, code: null, detail: null };
      });
      return { status: 200, text: '', json: { results } };
    }
    this.requests.push({ url, reports: 1 });
    this.sent.push({ url, body: b });
    const next = this.script.shift() ?? 200;
    if (next === 'down') throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    return { status: next, text: `{"answer":${next}}`, json: null };
  }
  async close() {}
}

const submit = (task_id: number, attempt = 1): RunnerSubmit => ({
  task_id,
  attempt,
  run_id: null,
  prompt: 'p',
  execution_mode: 'no-workspace',
  timeout_seconds: 60,
  status_callback_url: `http://api/runner/tasks/${task_id}/status`,
  status_callback_token: 'tok',
});
const report = (task: number, kind: NewReport['kind'], status: string): NewReport => ({
  kind,
  url: `http://api/runner/tasks/${task}/status`,
  token: 'tok',
  body: { status, attempt: 1 },
});
const terminal = (clock: FakeClock) => ({
  status: 'success' as const,
  exit_code: 0,
  finished_at: new Date(clock.now()).toISOString(),
  message: 'ok',
  failure_step: null,
});

describe('runner outbox', () => {
  let dir: string;
  let journal: Journal;
  let clock: FakeClock;
  let transport: ScriptedTransport;
  let outbox: Outbox;

  const makeOutbox = (runnerId: number | null = 7) =>
    new Outbox(journal, transport, clock, silentLogger, {
      capMs: 5000,
      concurrency: 8,
      random: () => 0.5,
      runnerId: () => runnerId,
    });

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ma-outbox-'));
    journal = Journal.open(path.join(dir, 'runner.db'));
    clock = new FakeClock();
    transport = new ScriptedTransport();
    outbox = makeOutbox();
  });
  afterEach(() => {
    journal.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function running(task: number) {
    journal.insertAttempt(submit(task), 'now');
    journal.markRunning(
      task,
      1,
      { pid: 1, proc_start: null, started_at: 's' },
      report(task, 'running', 'running'),
      clock.now(),
    );
  }

  it('retries a 503 with backoff, sends nothing before it is due, then delivers', async () => {
    running(1);
    transport.script = [503, 'down'];
    await outbox.pass();
    expect(transport.sent).toHaveLength(1);
    const [row] = journal.outbox('pending');
    expect(row.tries).toBe(1);
    expect(row.next_at).toBe(clock.now() + 200);

    clock.advance(199);
    await outbox.pass();
    expect(transport.sent).toHaveLength(1);

    clock.advance(1);
    await outbox.pass(); // network error: second try, backoff doubles
    expect(transport.sent).toHaveLength(2);
    expect(journal.outbox('pending')[0].next_at).toBe(clock.now() + 400);

    clock.advance(400);
    await outbox.pass();
    expect(transport.sent).toHaveLength(3);
    expect(journal.outbox('pending')).toHaveLength(0);
    expect(journal.outbox('acked')).toHaveLength(1);
  });

  it('records a 409 as an answer and never retries it', async () => {
    running(1);
    transport.script = [200, 409];
    await outbox.pass();
    journal.finish(1, 1, terminal(clock), report(1, 'terminal', 'success'), clock.now());
    await outbox.pass();
    clock.advance(60_000);
    await outbox.pass();
    expect(transport.sent.map((s) => s.body.status)).toEqual(['running', 'success']);
    expect(journal.outbox('answered')).toHaveLength(1);
    expect(journal.get(1, 1)?.report_state).toBe('answered');
  });

  it('keeps other 4xx as dead letters: not retried, attempt marked', async () => {
    running(1);
    transport.script = [404];
    await outbox.pass();
    clock.advance(60_000);
    await outbox.pass();
    expect(transport.sent).toHaveLength(1);
    const [dead] = journal.outbox('dead');
    expect(dead.last_status).toBe(404);
    expect(dead.last_error).toContain('404');
  });

  it('a terminal report supersedes a running report not sent yet: one report goes', async () => {
    running(1);
    journal.finish(
      1,
      1,
      terminal(clock),
      report(1, 'terminal', 'success'),
      clock.now(),
      outbox.inFlight(1, 1),
    );
    await outbox.pass();
    await outbox.pass();
    expect(transport.sent.map((s) => s.body.status)).toEqual(['success']);
    expect(journal.outbox('dropped').map((r) => r.kind)).toEqual(['running']);
    expect(journal.get(1, 1)?.report_state).toBe('acked');
  });

  it('a running report on the wire when the attempt finishes is not overtaken by the terminal one', async () => {
    running(1);
    const sending = outbox.pass();
    expect(outbox.inFlight(1, 1)).not.toBeNull();
    journal.finish(
      1,
      1,
      terminal(clock),
      report(1, 'terminal', 'success'),
      clock.now(),
      outbox.inFlight(1, 1),
    );
    await sending;
    expect(transport.sent.map((s) => s.body.status)).toEqual(['running']);
    await outbox.pass();
    expect(transport.sent.map((s) => s.body.status)).toEqual(['running', 'success']);
    expect(journal.outbox('acked').map((r) => r.kind)).toEqual(['running', 'terminal']);
    expect(journal.get(1, 1)?.report_state).toBe('acked');
  });

  it('a running report on the wire that must be retried is dropped behind the terminal one', async () => {
    running(1);
    transport.script = [503];
    const sending = outbox.pass();
    journal.finish(
      1,
      1,
      terminal(clock),
      report(1, 'terminal', 'success'),
      clock.now(),
      outbox.inFlight(1, 1),
    );
    await sending;
    await outbox.pass(); // no backoff to wait for: the terminal report is the head now
    expect(transport.sent.map((s) => s.body.status)).toEqual(['running', 'success']);
    expect(journal.outbox('dropped').map((r) => [r.kind, r.last_status])).toEqual([['running', 503]]);
    expect(journal.get(1, 1)?.report_state).toBe('acked');
  });

  it('a running report that fails while its attempt still runs is retried as usual', async () => {
    running(1);
    transport.script = [503];
    await outbox.pass();
    expect(journal.outbox('pending').map((r) => [r.kind, r.tries])).toEqual([['running', 1]]);
  });

  it('sends attempts independently: a refused report does not hold back another attempt', async () => {
    running(1);
    running(2);
    transport.script = [503, 200];
    await outbox.pass();
    expect(transport.sent).toHaveLength(2);
    expect(journal.outbox('acked').map((r) => r.task_id)).toEqual([2]);
    expect(journal.outbox('pending').map((r) => [r.task_id, r.tries])).toEqual([[1, 1]]);
  });

  it('sends the due reports of several attempts in one batch request, each settled by its own answer', async () => {
    for (const task of [1, 2, 3]) running(task);
    transport.script = [200, 409, 404];
    await outbox.pass();
    expect(transport.requests).toEqual([{ url: 'http://api/runner/reports', reports: 3 }]);
    expect(transport.sent.map((s) => [s.body.task_id, s.body.status, s.body.runner_id])).toEqual([
      [1, 'running', 7],
      [2, 'running', 7],
      [3, 'running', 7],
    ]);
    expect(journal.outbox('acked').map((r) => r.task_id)).toEqual([1]);
    expect(journal.outbox('answered').map((r) => r.task_id)).toEqual([2]);
    expect(journal.outbox('dead').map((r) => r.task_id)).toEqual([3]);
  });

  it('a lone due report goes to its own callback URL', async () => {
    running(1);
    await outbox.pass();
    expect(transport.requests).toEqual([{ url: 'http://api/runner/tasks/1/status', reports: 1 }]);
  });

  it('an API without the batch endpoint (404) gets the reports one by one, from then on', async () => {
    for (const task of [1, 2]) running(task);
    transport.batchScript = [404];
    await outbox.pass();
    expect(transport.requests.map((r) => r.url)).toEqual([
      'http://api/runner/reports',
      'http://api/runner/tasks/1/status',
      'http://api/runner/tasks/2/status',
    ]);
    expect(journal.outbox('acked')).toHaveLength(2);
    for (const task of [3, 4]) running(task);
    await outbox.pass();
    expect(transport.requests.slice(3).map((r) => r.url)).toEqual([
      'http://api/runner/tasks/3/status',
      'http://api/runner/tasks/4/status',
    ]);
  });

  it('a batch that did not get through is retried report by report with backoff', async () => {
    for (const task of [1, 2]) running(task);
    transport.batchScript = ['down'];
    await outbox.pass();
    expect(journal.outbox('pending').map((r) => [r.task_id, r.tries, r.next_at - clock.now()])).toEqual([
      [1, 1, 200],
      [2, 1, 200],
    ]);
    clock.advance(200);
    await outbox.pass();
    expect(journal.outbox('acked')).toHaveLength(2);
  });

  it('keeps at most `concurrency` requests on the wire; the rest go as slots free up', async () => {
    outbox = new Outbox(journal, transport, clock, silentLogger, {
      capMs: 5000,
      concurrency: 1,
      random: () => 0.5,
      runnerId: () => 7,
    });
    for (const task of [1, 2]) running(task);
    journal.insertAttempt({ ...submit(3), status_callback_url: 'http://other/cb/3' }, 'now');
    journal.markRunning(
      3,
      1,
      { pid: 3, proc_start: null, started_at: 's' },
      { ...report(3, 'running', 'running'), url: 'http://other/cb/3' },
      clock.now(),
    );
    const first = outbox.pass();
    const second = outbox.pass(); // the one slot is busy: sends nothing
    await Promise.all([first, second]);
    expect(transport.requests).toEqual([{ url: 'http://api/runner/reports', reports: 2 }]);
    await outbox.pass();
    expect(transport.requests.at(-1)).toEqual({ url: 'http://other/cb/3', reports: 1 });
    expect(journal.pendingCount()).toBe(0);
  });

  it('fills the runner id at send time and survives a restart of the runner', async () => {
    running(1);
    journal.close();
    journal = Journal.open(path.join(dir, 'runner.db'));
    outbox = makeOutbox(42);
    await outbox.pass();
    expect(transport.sent[0].body).toMatchObject({ status: 'running', attempt: 1, runner_id: 42 });
  });
});
