import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RunnerSubmit } from '@multyagents/contracts';
import { testRunnerConfig, type RunnerConfig } from '../../src/config/runner.js';
import { mockExecutor } from '../../src/executors/mock.js';
import type { Executor } from '../../src/executors/types.js';
import { FakeClock } from '../../src/lib/clock.js';
import pino from 'pino';
import { silentLogger, type Logger } from '../../src/lib/logger.js';
import { Attempts, logFileOf, RUNNING_REPORT_DELAY_MS } from '../../src/runner/attempts.js';
import type { HttpAnswer, Transport } from '../../src/runner/http.js';
import { Journal } from '../../src/runner/journal.js';
import { Outbox } from '../../src/runner/outbox.js';
import { Reaper } from '../../src/runner/reaper.js';

/** Records what the outbox sends; answers 200. */
class RecordingTransport implements Transport {
  sent: Array<Record<string, unknown>> = [];
  async post(_url: string, _token: string, body: unknown): Promise<HttpAnswer> {
    this.sent.push(body as Record<string, unknown>);
    return { status: 200, text: '{}', json: null };
  }
  async close() {}
}

/** fsync calls the test completes by hand. */
class HeldSyncs {
  held: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];
  readonly fn = (): Promise<void> =>
    new Promise<void>((resolve, reject) => this.held.push({ resolve, reject }));
  /** Complete (or fail) every sync asked for so far and let the continuations run. */
  async release(error?: Error): Promise<void> {
    for (const h of this.held.splice(0)) {
      if (error) h.reject(error);
      else h.resolve();
    }
    await turns();
  }
  /** Complete syncs until `p` settles; its value. */
  async releaseUntil<T>(p: Promise<T>): Promise<T> {
    let done = false;
    const settled = p.finally(() => (done = true));
    while (!done) await this.release();
    return settled;
  }
}

const turns = () => new Promise<void>((r) => setImmediate(r));

const submit = (task_id: number, mock: Record<string, unknown> = {}): RunnerSubmit => ({
  task_id,
  attempt: 1,
  run_id: 1,
  prompt: 'the prompt',
  execution_mode: 'no-workspace',
  timeout_seconds: 60,
  status_callback_url: `http://api/runner/tasks/${task_id}/status`,
  status_callback_token: 'callback-token-0123456789',
  executor_params: { mock: { inprocess: true, duration_ms: 0, ...mock } },
});

describe('runner attempts', () => {
  let dir: string;
  let config: RunnerConfig;
  let journal: Journal;
  let syncs: HeldSyncs;
  let transport: RecordingTransport;
  let outbox: Outbox;
  let started: number[];
  let attempts: Attempts;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ma-attempts-'));
    config = testRunnerConfig(path.join(dir, 'runner'), 'http://api', 'tok');
    syncs = new HeldSyncs();
    journal = Journal.open(config.dbFile, { fsync: syncs.fn });
    transport = new RecordingTransport();
    outbox = new Outbox(journal, transport, new FakeClock(), silentLogger, {
      capMs: 5000,
      concurrency: 8,
      random: () => 0.5,
      runnerId: () => 7,
    });
    started = [];
    const mock = mockExecutor();
    attempts = build({
      name: 'mock',
      check: () => mock.check(),
      runsInProcess: (params) => mock.runsInProcess!(params),
      start: (req, onOutput) => {
        started.push(req.taskId);
        return mock.start(req, onOutput);
      },
    });
  });

  function build(executor: Executor, logger: Logger = silentLogger): Attempts {
    return new Attempts({
      config,
      journal,
      outbox,
      executor,
      transport,
      reaper: new Reaper(),
      clock: new FakeClock(),
      logger,
      runnerToken: 'tok',
      runnerId: () => 7,
    });
  }

  const attemptDir = (task: number) => path.join(config.dataDir, 'attempts', `task-${task}-attempt-1`);

  afterEach(() => {
    journal.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('answers a submit, and starts the agent, only after the attempt row is synced', async () => {
    let answer: unknown = null;
    void attempts.submit(submit(1)).then((a) => (answer = a));
    await turns();
    expect(journal.get(1, 1)?.status).toBe('queued');
    expect(answer).toBeNull();
    expect(started).toEqual([]);
    // A duplicate of the same attempt must not be answered before that sync either.
    let dup: unknown = null;
    void attempts.submit(submit(1)).then((a) => (dup = a));
    await turns();
    expect(dup).toBeNull();

    while (answer === null) await syncs.release(); // the first sync also syncs the directory
    expect(answer).toMatchObject({ task_id: 1, attempt: 1, status: 'queued' });
    expect(dup).toMatchObject({ task_id: 1, attempt: 1, status: 'queued' });
    expect(await attempts.waitIdle(5000)).toBe(true);
    expect(started).toEqual([1]);
    expect(journal.get(1, 1)?.status).toBe('success');
  });

  it('an attempt that ends within the running-report delay sends only its terminal report, with started_at', async () => {
    await syncs.releaseUntil(attempts.submit(submit(3, { lines: ['out'] })));
    expect(await attempts.waitIdle(5000)).toBe(true);
    await outbox.pass();
    expect(transport.sent).toEqual([
      expect.objectContaining({
        status: 'success',
        attempt: 1,
        runner_id: 7,
        started_at: expect.any(String),
        stdout: 'out\n',
      }),
    ]);
    // No running report was ever written (none to drop, send or settle).
    expect(journal.outbox().map((r) => r.kind)).toEqual(['terminal']);
    expect(journal.get(3, 1)?.started_at).toEqual(expect.any(String));
  });

  it('an attempt still running after the delay reports running, then its outcome', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      await syncs.releaseUntil(attempts.submit(submit(7, { hang: true })));
      while (journal.get(7, 1)?.status !== 'running') await turns();
      expect(journal.outbox()).toEqual([]);
      vi.advanceTimersByTime(RUNNING_REPORT_DELAY_MS);
      expect(journal.outbox('pending').map((r) => r.kind)).toEqual(['running']);
      await outbox.pass();
      expect(transport.sent).toEqual([
        expect.objectContaining({ status: 'running', attempt: 1, started_at: expect.any(String) }),
      ]);
      attempts.cancel(7, 1);
      expect(await attempts.waitIdle(5000)).toBe(true);
      await outbox.pass();
      expect(transport.sent.map((b) => b.status)).toEqual(['running', 'canceled']);
    } finally {
      vi.useRealTimers();
    }
  });

  it('an in-process attempt writes no files; its log file appears with its first output', async () => {
    await syncs.releaseUntil(attempts.submit(submit(4)));
    await syncs.releaseUntil(attempts.submit(submit(5, { lines: ['hello'] })));
    expect(await attempts.waitIdle(5000)).toBe(true);
    expect(journal.get(4, 1)?.status).toBe('success');
    expect(fs.existsSync(path.join(config.dataDir, 'attempts'))).toBe(false);
    expect(fs.existsSync(logFileOf(config, 4, 1))).toBe(false);
    // The log stream is flushed after the attempt settled.
    await vi.waitFor(() => expect(fs.readFileSync(logFileOf(config, 5, 1), 'utf8')).toBe('hello\n'));
  });

  it('a spawned agent gets its prompt file and an empty result slot, and its result file is read', async () => {
    const seen: Array<{ prompt: string; resultExisted: boolean; env: Record<string, unknown> }> = [];
    const spawning = build({
      name: 'fake-spawn',
      check: async () => ({ ok: true, message: '' }),
      start: (req) => {
        seen.push({
          prompt: fs.readFileSync(String(req.env.MULTYAGENTS_PROMPT_FILE), 'utf8'),
          resultExisted: fs.existsSync(req.resultFile),
          env: req.env,
        });
        fs.writeFileSync(req.resultFile, JSON.stringify({ handoff: { summary: 'from the file' } }));
        return {
          pid: null,
          inProcess: true,
          exited: Promise.resolve({ code: 0, signal: null }),
          kill: async () => {},
        };
      },
    });
    fs.mkdirSync(attemptDir(6), { recursive: true });
    fs.writeFileSync(path.join(attemptDir(6), 'result.json'), '{"stale": true}');
    await syncs.releaseUntil(spawning.submit(submit(6)));
    expect(await spawning.waitIdle(5000)).toBe(true);
    expect(seen).toEqual([
      {
        prompt: 'the prompt',
        resultExisted: false,
        env: expect.objectContaining({
          MULTYAGENTS_PROMPT_FILE: path.join(attemptDir(6), 'prompt.txt'),
          MULTYAGENTS_RESULT_FILE: path.join(attemptDir(6), 'result.json'),
        }),
      },
    ]);
    await outbox.pass();
    expect(transport.sent.at(-1)).toMatchObject({ status: 'success', handoff: { summary: 'from the file' } });
  });

  it('a batch of submits shares one sync; refusals come back in place; nothing starts before the sync', async () => {
    await syncs.releaseUntil(attempts.submit(submit(1))); // first sync (and the directory's) done
    await attempts.waitIdle(5000);
    let answers: unknown[] | null = null;
    void attempts
      .submitMany([submit(2), submit(3), { ...submit(1) }, { ...submit(4), attempt: 2 }, { ...submit(4) }])
      .then((a) => (answers = a));
    await turns();
    expect(syncs.held).toHaveLength(1);
    expect(answers).toBeNull();
    expect(started).toEqual([1]);
    await syncs.release();
    expect(answers).toEqual([
      expect.objectContaining({ task_id: 2, status: 'queued' }),
      expect.objectContaining({ task_id: 3, status: 'queued' }),
      expect.objectContaining({
        task_id: 1,
        status: 'success',
        message: expect.stringContaining('idempotent'),
      }),
      expect.objectContaining({ task_id: 4, attempt: 2, status: 'queued' }),
      expect.objectContaining({ code: 'STALE_ATTEMPT', status: 409 }),
    ]);
    expect(await attempts.waitIdle(5000)).toBe(true);
    expect(started.sort()).toEqual([1, 2, 3, 4]);
  });

  it('logs each failed attempt at info, successes only in the outcome summary (flushed by the drain)', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const logger = pino({ level: 'info' }, { write: (l: string) => lines.push(JSON.parse(l)) });
    const logged = build(mockExecutor(), logger);
    await syncs.releaseUntil(logged.submit(submit(8)));
    await syncs.releaseUntil(logged.submit(submit(9, { exit_code: 3 })));
    await syncs.releaseUntil(logged.submit(submit(10)));
    expect(await logged.waitIdle(5000)).toBe(true);
    const perAttempt = lines.filter((l) => typeof l.taskId === 'number');
    expect(perAttempt).toEqual([expect.objectContaining({ taskId: 9, status: 'failed', level: 30 })]);
    expect(lines.filter((l) => l.finished)).toEqual([
      expect.objectContaining({ finished: { success: 2, failed: 1 }, total: 3, level: 30 }),
    ]);
  });

  it('fails the attempt without running it when the sync fails', async () => {
    const answer = attempts.submit(submit(2));
    const settled = answer.catch(() => undefined);
    await turns();
    expect(syncs.held.length).toBeGreaterThan(0);
    await syncs.release(new Error('EIO'));
    await settled;
    await expect(answer).rejects.toThrow(/EIO/);
    expect(started).toEqual([]);
    expect(journal.get(2, 1)).toMatchObject({ status: 'failed', failure_step: 'spawn' });
  });
});
