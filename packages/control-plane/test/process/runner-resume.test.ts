import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunnerSubmit } from '@multyagents/contracts';
import { testRunnerConfig, type RunnerConfig } from '../../src/config/runner.js';
import { startRunner } from '../../src/runner/index.js';
import { FIXTURES_BIN, FakeApi, TOKEN, call, tempDir, until } from '../fixtures/runner/fakeApi.js';

/**
 * A retry resumes the agent session of the attempt before (RunnerSubmit.resume): the fake CLIs keep
 * a session file per session in the attempt's home and refuse to resume one whose file is missing,
 * as the real ones do.
 */
describe('runner: resuming the agent session of an earlier attempt', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  type Call = { argv: string[]; prompt: string; cwd: string; env: Record<string, string> };
  type Report = Record<string, any>;

  async function setup(over: Partial<RunnerConfig>) {
    const api = await new FakeApi().start();
    const dir = tempDir();
    const record = path.join(dir, 'calls.jsonl');
    const base = testRunnerConfig(path.join(dir, 'runner'), api.url, TOKEN);
    // The agent works long enough for the `running` report to go out before the outcome.
    const childEnv = { ...base.childEnv, FAKE_AGENT_RECORD: record, FAKE_AGENT_SLEEP_MS: '300' };
    const config = { ...base, ...over, childEnv };
    const runner = await startRunner(config);
    cleanups.push(
      () => fs.rmSync(dir, { recursive: true, force: true }),
      () => api.close(),
      () => runner.stop({ drainMs: 0, flushMs: 0 }),
    );
    const calls = (): Call[] =>
      fs.existsSync(record)
        ? fs
            .readFileSync(record, 'utf8')
            .split('\n')
            .filter(Boolean)
            .map((l) => JSON.parse(l) as Call)
        : [];
    const reports = (task: number, attempt: number): Report[] =>
      api.acked(task).filter((b) => b.attempt === attempt);
    const run = async (task: number, attempt: number, over: Partial<RunnerSubmit> = {}) => {
      await call(runner.url, 'POST', '/tasks/submit', api.submit(task, { attempt, ...over }));
      return until(
        () => reports(task, attempt).find((b) => b.status !== 'running'),
        `terminal report of task ${task} attempt ${attempt}`,
      );
    };
    const home = (task: number, attempt: number) =>
      path.join(config.dataDir, 'attempts', `task-${task}-attempt-${attempt}`, 'home');
    return { calls, run, reports, home };
  }

  it('claude: a new session gets --session-id up front; the retry runs --resume <it> in the same home', async () => {
    const { calls, run, reports, home } = await setup({
      executor: 'claude',
      claudeBin: path.join(FIXTURES_BIN, 'claude'),
    });
    const first = await run(1, 1);
    expect(first.status).toBe('success');
    const id = calls()[0]!.argv[calls()[0]!.argv.indexOf('--session-id') + 1]!;
    expect(first.agent.session_id).toBe(id);
    // The `running` report already named the session (a runner killed mid-step cannot lose it).
    expect(reports(1, 1).find((r) => r.status === 'running')?.agent).toMatchObject({ session_id: id });

    const second = await run(1, 2, {
      resume: { session_id: id, from_attempt: 1, reason: 'agent-error: the model call failed' },
    });
    expect(second.status).toBe('success');
    const c = calls()[1]!;
    expect(c.argv).not.toContain('--session-id');
    expect(c.argv.slice(c.argv.indexOf('--resume'), c.argv.indexOf('--resume') + 2)).toEqual([
      '--resume',
      id,
    ]);
    expect(c.env.HOME).toBe(home(1, 1));
    expect(c.cwd).toBe(calls()[0]!.cwd);
    expect(c.prompt).toMatch(
      /^Your previous attempt \(1\) at this task ended: agent-error: the model call failed\. Continue from where you left off\./,
    );
    expect(second.agent).toMatchObject({ session_id: id, resumed: true, resumed_from: 1 });
    expect(reports(1, 2).find((r) => r.status === 'running')?.agent).toMatchObject({
      session_id: id,
      resumed: true,
      resumed_from: 1,
    });
  });

  it('codex: the retry runs `exec <sandbox> resume --json … -- <thread id> <prompt>`', async () => {
    const { calls, run, home } = await setup({
      executor: 'codex',
      codexBin: path.join(FIXTURES_BIN, 'codex'),
    });
    const first = await run(1, 1);
    const thread = first.agent.session_id as string;
    expect(thread).toBe('0199a000-0000-7000-8000-00000000c0de');
    const second = await run(1, 2, { resume: { session_id: thread, from_attempt: 1, reason: 'lost' } });
    expect(second.status).toBe('success');
    const argv = calls()[1]!.argv;
    expect(argv.slice(0, 7)).toEqual([
      'exec',
      '-s',
      'workspace-write',
      '-c',
      expect.stringMatching(/^sandbox_workspace_write\.writable_roots=/),
      'resume',
      '--json',
    ]);
    expect(argv.slice(-3, -1)).toEqual(['--', thread]);
    expect(calls()[1]!.env.CODEX_HOME).toBe(path.join(home(1, 1), '.codex'));
    expect(second.agent).toMatchObject({ session_id: thread, resumed: true, resumed_from: 1 });
  });

  it('falls back to a fresh session when the session files are not on this runner, and says so', async () => {
    const { calls, run } = await setup({ executor: 'claude', claudeBin: path.join(FIXTURES_BIN, 'claude') });
    const done = await run(5, 2, {
      resume: { session_id: '11111111-2222-4333-8444-555555555555', from_attempt: 1 },
    });
    expect(done.status).toBe('success');
    const argv = calls()[0]!.argv;
    expect(argv).not.toContain('--resume');
    expect(argv).toContain('--session-id');
    expect(done.agent).toMatchObject({ resumed: false });
    expect(done.agent.resume_note).toContain('not on this runner');
    expect(done.agent.resumed_from).toBeUndefined();
  });
});
