import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testRunnerConfig, type RunnerConfig } from '../../src/config/runner.js';
import { mockExecutor } from '../../src/executors/mock.js';
import { FakeClock } from '../../src/lib/clock.js';
import { silentLogger } from '../../src/lib/logger.js';
import { Attempts } from '../../src/runner/attempts.js';
import type { HttpAnswer, Transport } from '../../src/runner/http.js';
import { Journal, type NewReport } from '../../src/runner/journal.js';
import { Outbox } from '../../src/runner/outbox.js';
import { Reaper } from '../../src/runner/reaper.js';
import { submit, success } from '../helpers/journal.js';

/**
 * A full disk under the runner's journal (drill 24, disk_full_runner_journal): COMMIT fails with
 * SQLITE_FULL and SQLite rolls the transaction back. `beforeCommit` throws what SQLite throws then.
 */
const turns = () => new Promise<void>((r) => setImmediate(r));

const terminal = (task: number): NewReport => ({
  kind: 'terminal',
  url: `http://api/runner/tasks/${task}/status`,
  token: 't',
  body: { status: 'success' },
});

class NullTransport implements Transport {
  async post(): Promise<HttpAnswer> {
    return { status: 200, text: '{}', json: null };
  }
  async close() {}
}

describe('runner journal on a full disk', () => {
  let dir: string;
  let config: RunnerConfig;
  let journal: Journal;
  let full: boolean;

  const open = () =>
    Journal.open(config.dbFile, {
      fsync: async () => undefined,
      beforeCommit: () => {
        if (full) throw Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
      },
    });
  /** Resolves at the first commit that goes through after failures. */
  const commitsAgain = () =>
    new Promise<void>((resolve) => {
      journal.onCommitState = (failure) => {
        if (failure === null) resolve();
      };
    });

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ma-journal-full-'));
    config = testRunnerConfig(path.join(dir, 'runner'), 'http://api', 'tok');
    full = false;
    journal = open();
  });
  afterEach(() => {
    journal.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('keeps the terminal outcomes a failed commit rolled back and writes them, once, when it can', async () => {
    for (const task of [1, 2]) {
      journal.insertAttempt(submit(task), 'a');
      journal.markRunning(task, 1, { pid: null, proc_start: null, started_at: 's' }, null, 0);
    }
    await journal.durable();
    full = true;
    const failures: string[] = [];
    journal.onCommitState = (f) => failures.push(f?.message ?? 'ok');
    expect(journal.finish(1, 1, success(), terminal(1), 0)).toBe(true);
    // The turn's commit fails: rolled back, nothing thrown into the event loop (the runner stays up).
    await turns();
    expect(failures).toEqual(['database or disk is full']);
    expect(journal.commitFailure?.message).toBe('database or disk is full');
    expect(journal.get(1, 1)?.status).toBe('running');
    expect(journal.pendingCount()).toBe(0);
    // A second outcome while still full is kept behind the first.
    expect(journal.finish(2, 1, success(), terminal(2), 0)).toBe(true);
    await turns();
    expect(journal.get(2, 1)?.status).toBe('running');

    const back = commitsAgain();
    full = false;
    await back;
    expect(journal.commitFailure).toBeNull();
    expect([journal.get(1, 1)?.status, journal.get(2, 1)?.status]).toEqual(['success', 'success']);
    const pending = journal.outbox('pending');
    expect(pending.map((r) => [r.task_id, r.kind])).toEqual([
      [1, 'terminal'],
      [2, 'terminal'],
    ]);
    expect(journal.pendingCount()).toBe(2);
    // Durable: a restart finds them (and recovery has nothing live to fail).
    journal.close();
    journal = open();
    expect(journal.active()).toEqual([]);
    expect(journal.outbox('pending')).toHaveLength(2);
  });

  it('refuses a submit it cannot journal with 429 RUNNER_JOURNAL_FULL and never runs or records it', async () => {
    const outbox = new Outbox(journal, new NullTransport(), new FakeClock(), silentLogger, {
      capMs: 5000,
      concurrency: 2,
      random: () => 0.5,
      runnerId: () => 7,
    });
    const started: number[] = [];
    const mock = mockExecutor();
    const attempts = new Attempts({
      config,
      journal,
      outbox,
      executor: {
        name: 'mock',
        check: () => mock.check(),
        runsInProcess: () => true,
        start: (req, onOutput) => {
          started.push(req.taskId);
          return mock.start(req, onOutput);
        },
      },
      transport: new NullTransport(),
      reaper: new Reaper(),
      clock: new FakeClock(),
      logger: silentLogger,
      runnerToken: 'tok',
      runnerId: () => 7,
    });
    const inProcess = (task: number) => ({ ...submit(task), executor_params: { mock: { inprocess: true } } });
    full = true;
    // The first finds out at its own commit, the second is refused before writing anything.
    for (const task of [5, 6])
      await expect(attempts.submit(inProcess(task))).rejects.toMatchObject({
        code: 'RUNNER_JOURNAL_FULL',
        status: 429,
      });
    expect(attempts.activeCount).toBe(0);
    const back = commitsAgain();
    full = false;
    await back;
    await turns();
    expect(journal.get(5, 1)).toBeUndefined();
    expect(journal.get(6, 1)).toBeUndefined();
    expect(started).toEqual([]);
    // And it takes work again.
    await expect(attempts.submit(inProcess(7))).resolves.toMatchObject({ status: 'queued' });
    expect(await attempts.waitIdle(10_000)).toBe(true);
    expect(started).toEqual([7]);
    expect(journal.get(7, 1)?.status).toBe('success');
  });
});
