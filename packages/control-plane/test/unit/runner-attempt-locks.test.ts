import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunnerSubmit } from '@multyagents/contracts';
import { testRunnerConfig, type RunnerConfig } from '../../src/config/runner.js';
import type { Executor } from '../../src/executors/types.js';
import { FakeClock } from '../../src/lib/clock.js';
import { silentLogger } from '../../src/lib/logger.js';
import { Attempts } from '../../src/runner/attempts.js';
import type { HttpAnswer, Transport } from '../../src/runner/http.js';
import { Journal } from '../../src/runner/journal.js';
import { Outbox } from '../../src/runner/outbox.js';
import { PathLocks } from '../../src/runner/pathLocks.js';
import { Reaper } from '../../src/runner/reaper.js';

/**
 * The runner takes a shared-workspace attempt's lock paths again, host-wide, right before it would
 * start the agent: a path another holder has (another runner of the host, or an API that lost track)
 * fails the attempt at spawn without starting anything; a lock taken is released when the attempt ends.
 */
class OkTransport implements Transport {
  async post(): Promise<HttpAnswer> {
    return { status: 200, text: '{}', json: null };
  }
  async close() {}
}

describe('runner: path locks before spawn', () => {
  let dir: string;
  let workspace: string;
  let config: RunnerConfig;
  let journal: Journal;
  let ours: PathLocks;
  let other: PathLocks;
  let started: number[];
  let attempts: Attempts;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ma-attempt-locks-'));
    workspace = path.join(dir, 'project');
    fs.mkdirSync(path.join(workspace, 'src'), { recursive: true });
    config = testRunnerConfig(path.join(dir, 'runner'), 'http://api', 'tok');
    journal = Journal.open(config.dbFile, { fsync: () => Promise.resolve() });
    ours = new PathLocks({ dir: path.join(dir, 'locks'), runner: 'ours' });
    other = new PathLocks({ dir: path.join(dir, 'locks'), runner: 'other' });
    started = [];
    // Spawns nothing, but is not in-process: the runner treats it as an agent (files, locks).
    const executor: Executor = {
      name: 'fake',
      check: async () => ({ ok: true, message: 'ok' }),
      runsInProcess: () => false,
      start: (req) => {
        started.push(req.taskId);
        return {
          pid: null,
          inProcess: true,
          exited: Promise.resolve({ code: 0, signal: null }),
          kill: async () => undefined,
        };
      },
    };
    const outbox = new Outbox(journal, new OkTransport(), new FakeClock(), silentLogger, {
      capMs: 5000,
      concurrency: 2,
      random: () => 0.5,
      runnerId: () => 1,
    });
    attempts = new Attempts({
      config,
      journal,
      outbox,
      executor,
      transport: new OkTransport(),
      reaper: new Reaper(),
      clock: new FakeClock(),
      logger: silentLogger,
      runnerToken: 'tok',
      runnerId: () => 1,
      pathLocks: ours,
    });
  });

  afterEach(() => {
    journal.close();
    ours.close();
    other.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const submit = (task_id: number, lock_paths: string[]): RunnerSubmit => ({
    task_id,
    attempt: 1,
    run_id: 1,
    prompt: 'p',
    execution_mode: 'shared-workspace',
    timeout_seconds: 60,
    status_callback_url: `http://api/runner/tasks/${task_id}/status`,
    status_callback_token: 'callback-token-0123456789',
    workspace: { project_id: 1, root_path: workspace },
    lock_paths,
  });

  it('a path held by another holder fails the attempt at spawn; nothing starts', async () => {
    const held = await other.acquire({ task_id: 99, attempt: 1, paths: [path.join(workspace, 'src')] });
    expect(held.ok).toBe(true);
    await attempts.submit(submit(1, [path.join(workspace, 'src', 'a.ts')]));
    expect(await attempts.waitIdle(5000)).toBe(true);
    const row = journal.get(1, 1)!;
    expect(row.status).toBe('failed');
    expect(row.message).toMatch(/^PATH_LOCK_HELD: .*src\/a\.ts overlaps .*src, held on this host by task 99/);
    expect(started).toEqual([]);
  });

  it('a free path is taken for the attempt and released when it ends', async () => {
    const src = path.join(workspace, 'src');
    await attempts.submit(submit(2, [src]));
    expect(await attempts.waitIdle(5000)).toBe(true);
    expect(started).toEqual([2]);
    expect(journal.get(2, 1)!.status).toBe('success');
    // Released at the end (asynchronously): another holder can take the same path.
    let again: Awaited<ReturnType<PathLocks['acquire']>> | null = null;
    for (let i = 0; i < 50 && !again?.ok; i++) {
      again = await other.acquire({ task_id: 3, attempt: 1, paths: [src] });
      if (!again.ok) await new Promise((r) => setTimeout(r, 20));
    }
    expect(again?.ok).toBe(true);
    expect((await ours.list()).filter((h) => h.task_id === 2)).toEqual([]);
  });
});
