import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RunnerSubmit } from '@multyagents/contracts';
import { testRunnerConfig } from '../../src/config/runner.js';
import { FakeClock } from '../../src/lib/clock.js';
import { silentLogger } from '../../src/lib/logger.js';
import type { HttpAnswer, Transport } from '../../src/runner/http.js';
import { Journal } from '../../src/runner/journal.js';
import { Outbox, type OutboxOptions } from '../../src/runner/outbox.js';
import { Presence } from '../../src/runner/presence.js';

/**
 * Answers each request from a script: a status (for every report of a batch), or 'down' for a network
 * error (connection refused). `sent` lists the task ids of the reports sent, in order.
 */
class ScriptedTransport implements Transport {
  sent: number[] = [];
  requests = 0;
  script: Array<number | 'down'> = [];
  async post(url: string, _token: string, body: unknown): Promise<HttpAnswer> {
    this.requests++;
    const batch = (body as { reports?: Array<{ task_id: number }> }).reports;
    const ids = batch ? batch.map((r) => r.task_id) : [Number(/tasks\/(\d+)\//.exec(url)![1])];
    this.sent.push(...ids);
    const next = this.script.shift() ?? 200;
    if (next === 'down') throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    if (!batch) return { status: next, text: '', json: null };
    const results = ids.map((task_id) => ({ task_id, status_code: next, code: null, detail: null }));
    return { status: 200, text: '', json: { results } };
  }
  async close() {}
}

const API = 'http://127.0.0.1:48000';
const OTHER = 'http://127.0.0.1:48001';

const submit = (task_id: number, api: string): RunnerSubmit => ({
  task_id,
  attempt: 1,
  run_id: null,
  prompt: 'p',
  execution_mode: 'no-workspace',
  timeout_seconds: 60,
  status_callback_url: `${api}/runner/tasks/${task_id}/status`,
  status_callback_token: 'tok',
});

describe('runner outbox: the API is reachable again', () => {
  let dir: string;
  let journal: Journal;
  let clock: FakeClock;
  let transport: ScriptedTransport;
  let probes: string[];
  let apiUp: boolean;

  const makeOutbox = (o: Partial<OutboxOptions> = {}) =>
    new Outbox(journal, transport, clock, silentLogger, {
      capMs: 5000,
      concurrency: 8,
      random: () => 0.5,
      runnerId: () => 7,
      probe: (origin) => {
        probes.push(origin);
        return Promise.resolve(apiUp);
      },
      probeMs: 100,
      ...o,
    });

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ma-outbox-up-'));
    journal = Journal.open(path.join(dir, 'runner.db'));
    clock = new FakeClock();
    transport = new ScriptedTransport();
    probes = [];
    apiUp = false;
  });
  afterEach(() => {
    vi.useRealTimers();
    journal.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** A running attempt whose `running` report is in the outbox, due now. */
  function running(task: number, api = API) {
    const s = submit(task, api);
    journal.insertAttempt(s, 'now');
    journal.markRunning(
      task,
      1,
      { pid: 1, proc_start: null, started_at: 's' },
      { kind: 'running', url: s.status_callback_url, token: 'tok', body: { status: 'running', attempt: 1 } },
      clock.now(),
    );
  }

  /** Fail the report `n` times with the given answer, each time once it is due again. */
  async function failTimes(outbox: Outbox, n: number, answer: number | 'down') {
    for (let i = 0; i < n; i++) {
      transport.script.push(answer);
      const [row] = journal.outbox('pending');
      clock.advance(Math.max(0, row!.next_at - clock.now()));
      await outbox.pass();
    }
  }

  it('sends a report that waits on a network error as soon as the probe finds the API, not when its backoff says', async () => {
    const outbox = makeOutbox();
    running(1);
    await failTimes(outbox, 3, 'down');
    const [row] = journal.outbox('pending');
    expect(row!.next_at - clock.now()).toBe(800); // the backoff's third step
    expect(outbox.waitingOnNetwork).toEqual([API]);

    await outbox.probe(); // still down: nothing changes
    expect(probes).toEqual([API]);
    await outbox.pass();
    expect(transport.sent).toHaveLength(3);

    apiUp = true;
    await outbox.probe();
    await outbox.pass(); // same instant: no clock advance
    expect(transport.sent).toHaveLength(4);
    expect(journal.outbox('acked')).toHaveLength(1);
    expect(outbox.waitingOnNetwork).toEqual([]);

    await outbox.probe(); // nothing waits on the network any more: no probe
    expect(probes).toHaveLength(2);
  });

  it('when one waiting report gets through, the others that waited on a network error go at once', async () => {
    const outbox = makeOutbox({ probe: undefined });
    running(1);
    transport.script = ['down'];
    await outbox.pass(); // 1: retry in 200 ms
    clock.advance(100);
    running(2);
    transport.script = ['down'];
    await outbox.pass(); // 2: retry in 200 ms
    clock.advance(100);
    transport.script = [200]; // 1 is due and the API is back: 2 need not wait its last 100 ms
    await outbox.pass();
    expect(transport.sent).toEqual([1, 2, 1]);
    await outbox.pass();
    expect(transport.sent).toEqual([1, 2, 1, 2]);
    expect(journal.outbox('acked')).toHaveLength(2);
  });

  it('keeps the backoff of a report the API answered with 503 or 429 (it is up and asks to slow down)', async () => {
    const outbox = makeOutbox();
    running(1);
    transport.script = ['down'];
    await outbox.pass();
    expect(outbox.waitingOnNetwork).toEqual([API]);
    clock.advance(200);
    transport.script = [503]; // the API is back and busy
    await outbox.pass();
    running(2, OTHER);
    transport.script = [429];
    await outbox.pass();
    expect(outbox.waitingOnNetwork).toEqual([]);
    expect(outbox.reachable(API, true)).toBe(0);
    expect(outbox.reachable(OTHER, true)).toBe(0);
    await outbox.probe();
    expect(probes).toEqual([]);
    await outbox.pass();
    expect(transport.sent).toEqual([1, 1, 2]);
  });

  it('after a heartbeat reaches the API, only the reports to that API that waited on a network error go', async () => {
    const outbox = makeOutbox({ probe: undefined });
    running(1, API);
    running(2, OTHER);
    running(3, API);
    transport.script = ['down', 'down'];
    await outbox.pass();
    expect(transport.sent).toEqual([1, 3, 2]); // 1 and 3 in one batch request
    expect(new Set(outbox.waitingOnNetwork)).toEqual(new Set([API, OTHER]));

    expect(outbox.reachable(API)).toBe(2);
    await outbox.pass();
    expect(transport.sent.slice(3)).toEqual([1, 3]);
    expect(outbox.waitingOnNetwork).toEqual([OTHER]);
    // A heartbeat when nothing waits on that API changes nothing.
    expect(outbox.reachable(API)).toBe(0);
  });

  it('leaves an origin the probe declines to the backoff (an answer still ends it), and stops probing once nothing is pending', async () => {
    const FAR = 'http://api.example:8000';
    let asked = 0;
    const declined = makeOutbox({
      probe: () => {
        asked++;
        return null;
      },
    });
    running(1, FAR);
    running(3, FAR);
    transport.script = ['down'];
    await declined.pass(); // 1 and 3 in one batch
    await declined.probe();
    await declined.probe();
    expect(asked).toBe(1); // declined once, never asked again
    expect(declined.waitingOnNetwork).toEqual([FAR]);
    await declined.pass();
    expect(transport.sent).toEqual([1, 3]); // still waiting for their backoff
    expect(declined.reachable(FAR)).toBe(2); // e.g. another report to it got an answer
    journal.settle(journal.outbox('pending')[0]!.id, 'dead', 400, 'x', 'now');
    journal.settle(journal.outbox('pending')[0]!.id, 'dead', 400, 'x', 'now');

    const outbox = makeOutbox();
    running(2);
    transport.script = ['down'];
    await outbox.pass();
    expect(outbox.waitingOnNetwork).toEqual([API]);
    journal.settle(journal.outbox('pending')[0]!.id, 'dead', 400, 'x', 'now');
    await outbox.probe();
    expect(probes).toEqual([]);
    expect(outbox.waitingOnNetwork).toEqual([]);
  });

  it('when started, probes every probeMs while reports wait on a network error', async () => {
    // Only timeouts are faked (injected time); passes still run on setImmediate.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const turns = async () => {
      for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    };
    const outbox = makeOutbox();
    running(1);
    transport.script = ['down'];
    outbox.start();
    await turns();
    expect(transport.sent).toHaveLength(1);
    expect(probes).toEqual([]);
    vi.advanceTimersByTime(99);
    await turns();
    expect(probes).toHaveLength(0);
    vi.advanceTimersByTime(1);
    await turns();
    expect(probes).toHaveLength(1);
    vi.advanceTimersByTime(100);
    await turns();
    expect(probes).toHaveLength(2);

    apiUp = true;
    vi.advanceTimersByTime(100);
    await turns();
    expect(probes).toHaveLength(3);
    expect(transport.sent).toHaveLength(2); // sent at once, 800 ms before its retry time
    expect(journal.outbox('acked')).toHaveLength(1);
    vi.advanceTimersByTime(1000);
    await turns();
    expect(probes).toHaveLength(3); // nothing waits: no more probes
    outbox.stop();
  });
});

describe('runner presence tells when the API answers', () => {
  it('calls onReachable on registration and on a successful heartbeat, not on a failed one', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ma-presence-'));
    const journal = Journal.open(path.join(dir, 'runner.db'));
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const answers: Array<HttpAnswer | 'down'> = [
      { status: 200, text: '', json: { id: 5, heartbeat_interval_ms: 1000 } },
      'down',
      { status: 200, text: '', json: { ok: true, cancel: [] } },
    ];
    const transport: Transport = {
      async post() {
        const a = answers.shift();
        if (!a || a === 'down') throw Object.assign(new Error('refused'), { code: 'ECONNREFUSED' });
        return a;
      },
      async close() {},
    };
    const calls: string[] = [];
    const presence = new Presence({
      config: testRunnerConfig(path.join(dir, 'r'), API, 'tok'),
      transport,
      journal,
      logger: silentLogger,
      token: 'tok',
      url: 'http://127.0.0.1:1',
      version: 't',
      attempts: () => [],
      freeSlots: () => 1,
      draining: () => false,
      onCancel: () => undefined,
      onReachable: (how) => calls.push(how),
    });
    try {
      presence.start();
      await presence.registered;
      expect(calls).toEqual(['register']);
      await vi.advanceTimersByTimeAsync(1000); // heartbeat: refused
      expect(calls).toEqual(['register']);
      await vi.advanceTimersByTimeAsync(1000); // heartbeat: 200
      expect(calls).toEqual(['register', 'heartbeat']);
    } finally {
      presence.stop();
      vi.useRealTimers();
      journal.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
